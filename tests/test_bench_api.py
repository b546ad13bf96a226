"""`hazardflow bench api` with tiny numbers and light load: every figure is there and
sensible. It checks that the benchmark runs, never how fast: 1 and 2 clients, so a slow
machine under load passes as surely as a quick one."""

from __future__ import annotations

import json

from .conftest import PG_URL, postgres_or_skip

LEVELS = (1, 2)


def test_bench_api_reports_every_figure() -> None:
    postgres_or_skip()  # fails instead where CI / HAZARDFLOW_REQUIRE_SERVICES is set
    from hazardflow.bench.api import run

    out = run(tasks=12, database_url=PG_URL, engine_tasks=5, timers=20, levels=LEVELS)
    json.dumps(out)  # what --json prints
    for clients in LEVELS:
        assert out[f"http_completions_per_s_{clients}"] > 0
        assert 0 < out[f"http_p50_ms_{clients}"] <= out[f"http_p99_ms_{clients}"]
    assert sum(out["tasks_per_level"].values()) == 12
    assert out["engine_completions_per_s"] > 0
    # the figures are rounded to 0.1: the ratio printed lies within what they allow
    http, engine = out["http_completions_per_s_2"], out["engine_completions_per_s"]
    low, high = (http - 0.05) / (engine + 0.05), (http + 0.05) / max(engine - 0.05, 0.01)
    assert low - 0.001 <= out["http_over_engine_2"] <= high + 0.001
    assert out["timers_fired"] == out["timers_due"] >= 20
    assert out["timers_left_due"] == 0
    assert out["sweep_timers_per_s"] > 0 and out["sweep_lag_s"] > 0
    assert out["goals"] == {"http_over_engine_2 >= 0.5": out["http_over_engine_2"] >= 0.5,
                            "http_over_engine_2 >= 0.7 (long-run goal)":
                                out["http_over_engine_2"] >= 0.7,
                            "http_p99_ms_2 < 300": out["http_p99_ms_2"] < 300}
    assert out["worker_class"] in ("gthread", "sync")
