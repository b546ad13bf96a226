"""``hazardflow bench …``: the benchmarks, each printing its figures (or one JSON object),
its query plans when asked, and whether each goal was reached."""

from __future__ import annotations

import json
from typing import Any

import click

JSON = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


def show(result: dict[str, Any], as_json: bool, width: int = 28) -> None:
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    for key, value in result.items():
        if key not in ("goals", "plans") and not key.startswith("plans_"):
            click.echo(f"{key:>{width}}: {value}")
    for name, lines in result.get("plans", {}).items():  # per query: its plan's lines
        click.echo(f"\n-- {name}")
        for line in lines:
            click.echo(f"   {line}")
    for key in (k for k in result if k.startswith("plans_")):  # per size: whole plans
        click.echo(f"\n-- query plans, {key[6:]} --")
        for plan in result[key]:
            click.echo(plan)
    for goal, reached in result["goals"].items():
        click.echo(f"{'reached' if reached else 'NOT reached':>{width}}: {goal}")


@click.group()
def bench() -> None:
    """Benchmarks (figures, not tests)."""


@bench.command("engine")
@JSON
@click.option("--cases", default=1000, show_default=True, type=int)
@click.option("--database-url", "pg_url", default=None,
              help="Also run on this PostgreSQL database (a scratch schema is made and dropped).")
@click.option("--backfill", default=0, show_default=True, type=click.IntRange(min=0),
              help="With --database-url: seed this many finished cases, run PostgreSQL again "
                   "and print the plans of one completion's statements.")
def bench_engine(as_json: bool, cases: int, pg_url: str | None, backfill: int) -> None:
    """Raw SpiffWorkflow in memory vs the engine on SQLite (and PostgreSQL)."""
    from hazardflow.bench.engine import run

    show(run(cases, pg_url, progress=None if as_json else click.echo,
             backfill_cases=backfill), as_json)


@bench.command("api")
@JSON
@click.option("--database-url", "pg_url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
              show_default=True,
              help="PostgreSQL database (a scratch schema is made and dropped).")
@click.option("--tasks", default=600, show_default=True, type=click.IntRange(min=3),
              help="Triage tasks completed over HTTP, split 1:2:3 over 1, 8 and 32 clients.")
@click.option("--engine-tasks", default=100, show_default=True, type=click.IntRange(min=1),
              help="Triage tasks completed in-process through the engine.")
@click.option("--timers", default=10_000, show_default=True, type=click.IntRange(min=0),
              help="Due timers to sweep (5 per case, made through the engine; 0: no sweep).")
@click.option("--worker-class", type=click.Choice(["gthread", "sync"]), default=None,
              help="gunicorn's worker model instead of the config's (hazardflow.gunicorn_conf).")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="gunicorn worker processes (the deployed config's default is 2 x CPUs + 1, "
                   "at most 8; the figures in the README are for 2).")
@click.option("--threads", type=click.IntRange(min=1, max=5), default=None,
              help="Threads per gthread worker instead of the config's (at most 5: the "
                   "connections each process's pool keeps open).")
def bench_api(as_json: bool, pg_url: str, tasks: int, engine_tasks: int, timers: int,
              worker_class: str | None, workers: int, threads: int | None) -> None:
    """Task completions over HTTP (gunicorn, 2 workers) vs the engine, and a timer sweep."""
    from hazardflow.bench.api import run

    if worker_class == "sync" and (threads or 1) > 1:
        raise click.BadParameter("a sync worker has one thread (gunicorn would run gthread)",
                                 param_hint="--threads")
    show(run(tasks, pg_url, engine_tasks=engine_tasks, timers=timers,
             progress=None if as_json else click.echo, worker_class=worker_class,
             workers=workers, threads=threads), as_json)


@bench.command("sweep")
@JSON
@click.option("--timers", default=10_000, show_default=True, type=click.IntRange(min=5),
              help="Due timers to drain (5 per case).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1),
              help="`celery worker` processes (one process each).")
@click.option("--database-url", "pg_url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
              show_default=True,
              help="PostgreSQL database (a scratch schema is made and dropped).")
@click.option("--broker-url", "broker", default="redis://127.0.0.1:6379/13", show_default=True,
              help="Redis for the workers (its hazardflow queue is purged first).")
def bench_sweep(as_json: bool, timers: int, workers: int, pg_url: str, broker: str) -> None:
    """Due timers drained by Celery workers claiming chunks (FOR UPDATE SKIP LOCKED)."""
    from hazardflow.bench.sweep import run

    show(run(timers, workers, pg_url, broker, progress=None if as_json else click.echo),
         as_json)


@bench.command("inbox")
@JSON
@click.option("--database-url", "pg_url", default=None,
              help="PostgreSQL instead of a temporary SQLite file (a scratch schema is made "
                   "and dropped).")
@click.option("--cases", default=100_000, show_default=True, type=click.IntRange(min=2),
              help="Open cases in the second measurement.")
@click.option("--user-tasks", default=1_000, show_default=True, type=click.IntRange(min=1),
              help="Open tasks of the measured user (and the open cases of the first one).")
@click.option("--samples", default=30, show_default=True, type=click.IntRange(min=1))
@click.option("--explain", is_flag=True, help="Also print each tab's query plans.")
def bench_inbox(as_json: bool, pg_url: str | None, cases: int, user_tasks: int, samples: int,
                explain: bool) -> None:
    """The inbox query and page of a user with 1,000 open tasks at 1k and 100k open cases."""
    from hazardflow.bench.inbox import run

    show(run(max(cases, user_tasks), user_tasks, pg_url, samples, explain,
             progress=None if as_json else click.echo), as_json, width=32)


@bench.command("monitor")
@JSON
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(min=0.0001),
              help="Multiply both sizes (10,000 and 1,000,000 hazards) for a quick run.")
@click.option("--repeats", default=30, show_default=True, type=click.IntRange(min=1))
@click.option("--database-url", "pg_url", default=None,
              help="PostgreSQL instead of a temporary SQLite file (a scratch schema per size).")
@click.option("--explain", is_flag=True, help="Also print the query plans.")
def bench_monitor(as_json: bool, scale: float, repeats: int, pg_url: str | None,
                  explain: bool) -> None:
    """The stuck-case list and the dashboard aggregates at 10,000 and 1,000,000 hazards."""
    from hazardflow.bench.monitor import run

    show(run(scale, pg_url, repeats, explain, progress=None if as_json else click.echo),
         as_json)
