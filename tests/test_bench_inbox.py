"""`hazardflow bench inbox` at a tiny scale: every figure is there and positive."""

from __future__ import annotations

import json

from click.testing import CliRunner

from hazardflow.cli import main

TABS = ("mine", "groups", "overdue", "due_soon", "done")


def test_bench_inbox_prints_every_figure_as_json() -> None:
    result = CliRunner().invoke(main, ["bench", "inbox", "--json", "--cases", "300",
                                       "--user-tasks", "40", "--samples", "3", "--explain"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["open_cases_1k"] == 40 and out["open_cases_100k"] == 300
    for scale in ("1k", "100k"):
        for key in (f"inbox_p50_ms_{scale}", f"inbox_p95_ms_{scale}", f"page_p50_ms_{scale}",
                    f"page_p95_ms_{scale}", *(f"inbox_{tab}_p95_ms_{scale}" for tab in TABS)):
            assert out[key] > 0, key
        assert out[f"inbox_p50_ms_{scale}"] <= out[f"inbox_p95_ms_{scale}"]
    assert out["page_ratio_100k_over_1k"] > 0
    assert set(out["goals"]) == {"page_p95_ms_100k <= 1.5 x page_p95_ms_1k",
                                 "inbox_p95_ms_100k < 100", "page_p95_ms_100k < 100"}
    plans = out["plans"]
    assert {f"{tab}.{part}" for tab in TABS for part in ("rows", "count")} <= set(plans)
    assert any("human_task" in line for line in plans["mine.rows"])
