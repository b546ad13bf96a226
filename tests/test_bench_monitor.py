"""`hazardflow bench monitor` at a tiny scale: every figure is there, on both backends, and
the data it builds is what the monitor reads."""

from __future__ import annotations

import json

from click.testing import CliRunner

from hazardflow.cli import main

from .conftest import PG_URL, postgres_or_skip

FIGURES = ("monitor_p95_ms_10k", "monitor_p95_ms_1m", "dashboard_p95_ms_10k",
           "dashboard_p95_ms_1m")


def test_bench_monitor_reports_every_figure_on_sqlite_with_plans() -> None:
    result = CliRunner().invoke(main, ["bench", "monitor", "--json", "--scale", "0.002",
                                       "--repeats", "2", "--explain"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["sizes"] == {"10k": 50, "1m": 2000}
    for figure in FIGURES:
        assert out[figure] > 0, figure
    assert out["open_tasks_1m"] == 400 and out["monitor_rows_1m"] > 0
    assert any("ix_human_task_open_due" in plan for plan in out["plans_1m"])
    assert set(out["goals"]) == {"monitor at 1M ≤ 2× 10k", "dashboard at 1M ≤ 2× 10k"}


def test_bench_monitor_runs_on_postgresql() -> None:
    postgres_or_skip()
    from hazardflow.bench.monitor import run

    out = run(0.001, PG_URL, repeats=2)
    assert out["backend"] == "postgresql"
    for figure in FIGURES:
        assert out[figure] > 0, figure
