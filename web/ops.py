"""Operations endpoints: /healthz (alive), /readyz (database and broker reachable), /metrics."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response

from hazardflow.engine.db import read_transaction
from hazardflow.engine.schema import human_task, incident, outbox, process_case, timer

from .extensions import runtime

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _broker_ok() -> str:
    if runtime.queue is None:
        return "not used"
    runtime.queue.ping()
    return "ok"


@bp.get("/readyz")
def readyz() -> tuple[dict[str, str], int]:
    checks: dict[str, str] = {}
    try:
        with read_transaction(runtime.db) as conn:
            conn.execute(sa.text("select 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    try:
        checks["broker"] = _broker_ok()
    except Exception as exc:
        checks["broker"] = f"unreachable: {type(exc).__name__}"
    ready = all(v in ("ok", "not used") for v in checks.values())
    return {"status": "ready" if ready else "not ready", **checks}, 200 if ready else 503


def _line(name: str, value: float, labels: str = "") -> str:
    return f"{name}{{{labels}}} {value}" if labels else f"{name} {value}"


@bp.get("/metrics")
def metrics() -> Response:
    now = runtime.engine.clock.now()
    out: list[str] = []
    with read_transaction(runtime.db) as conn:
        out += ["# HELP hazardflow_cases Cases by status.", "# TYPE hazardflow_cases gauge"]
        for status, count in conn.execute(sa.select(process_case.c.status, sa.func.count())
                                          .group_by(process_case.c.status)):
            out.append(_line("hazardflow_cases", count, f'status="{status}"'))
        completed = conn.execute(sa.select(sa.func.count()).select_from(human_task)
                                 .where(human_task.c.state == "completed")).scalar_one()
        out += ["# HELP hazardflow_task_completions_total Human tasks completed.",
                "# TYPE hazardflow_task_completions_total counter",
                _line("hazardflow_task_completions_total", completed)]
        oldest = conn.execute(sa.select(sa.func.min(timer.c.due_at)).where(
            timer.c.fired_at.is_(None), timer.c.due_at <= now)).scalar()
        lag = (now - oldest).total_seconds() if oldest is not None else 0.0
        out += ["# HELP hazardflow_timer_lag_seconds How late the oldest due timer is.",
                "# TYPE hazardflow_timer_lag_seconds gauge",
                _line("hazardflow_timer_lag_seconds", round(lag, 3))]
        open_incidents = conn.execute(sa.select(sa.func.count()).select_from(incident)
                                      .where(incident.c.resolved_at.is_(None))).scalar_one()
        out += ["# HELP hazardflow_open_incidents Incidents not yet resolved.",
                "# TYPE hazardflow_open_incidents gauge",
                _line("hazardflow_open_incidents", open_incidents)]
        pending = conn.execute(sa.select(sa.func.count()).select_from(outbox)
                               .where(outbox.c.done_at.is_(None))).scalar_one()
        out += ["# HELP hazardflow_outbox_pending Cases with automatic steps waiting.",
                "# TYPE hazardflow_outbox_pending gauge",
                _line("hazardflow_outbox_pending", pending)]
    if runtime.queue is not None:
        depth = runtime.queue.depth()
        if depth is not None:
            out += ["# HELP hazardflow_celery_queue_depth Tasks waiting in the broker.",
                    "# TYPE hazardflow_celery_queue_depth gauge",
                    _line("hazardflow_celery_queue_depth", depth)]
    return Response("\n".join(out) + "\n", mimetype="text/plain; version=0.0.4")
