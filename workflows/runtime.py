"""The runtime every use-case runs against, and the engine as this application builds it.

:class:`Runtime` is what the shells (the web app, the CLI, the Celery worker) build once
from the settings (``hazardflow.bootstrap.build_runtime``) and hand to the use-cases: the
database, the engine with the org resolver, the domain's handlers and the ledger listener
plugged in, the business calendar, the evidence storage and, in distributed mode, the queue
that hands pending work to workers. The bundled BPMN is seeded when its content is new."""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine as SqlEngine

from hazardflow.config import Settings
from hazardflow.engine import Clock, Deployed, Engine, HandlerRegistry
from hazardflow.engine.db import write_transaction

from .calendar import DEFAULT_CALENDAR, BusinessCalendar
from .consultations import register_consultation_handlers
from .emergency_plans import register_plan_handlers
from .events import register_event_handlers
from .evidence import Storage
from .handlers import register_handlers
from .ledger import HazardLedger
from .lookback_handlers import register_lookback_handlers
from .notifications import TaskNotifier
from .public_reports_triage import register_public_report_handlers
from .report_handlers import register_report_handlers
from .resolver import OrgResolver
from .rewards import register_reward_handlers
from .workdays import register_functions as register_workday_functions

HAZARD_PROCESS = "hazard_lifecycle"
SEEDER = "system"


class WorkQueue(Protocol):
    """Hands a case with pending automatic steps to a worker (distributed mode)."""

    def __call__(self, case_id: int) -> None: ...

    def ping(self) -> None:
        """Raise unless the broker answers."""

    def depth(self) -> int | None:
        """Messages waiting, if the broker can tell."""


@dataclass
class Runtime:
    """One application's database, engine, calendar and storage, built in one place."""

    settings: Settings
    db: SqlEngine
    engine: Engine
    calendar: BusinessCalendar
    storage: Storage
    # hands a case id with pending automatic steps to a worker (distributed mode only)
    queue: WorkQueue | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def now(self) -> datetime:
        """The time on the engine's clock (injectable in tests)."""
        return self.engine.clock.now()

    def close(self) -> None:
        self.db.dispose()


@dataclass(frozen=True)
class BundledFile:
    name: str
    bpmn: bytes


def build_engine(db: SqlEngine, *, clock: Clock | None = None,
                 calendar: BusinessCalendar = DEFAULT_CALENDAR,
                 step_budget: int = 200, max_bpmn_bytes: int = 2 * 1024 * 1024,
                 handler_modules: str = "") -> Engine:
    """The engine with the domain's handlers and listeners. ``calendar`` is the business
    calendar (``HAZARDFLOW_BUSINESS_TZ``): the timers, the handlers' date rules (document
    years, report periods and lateness) and the ledger's listener all follow it.
    ``handler_modules``: comma-separated importable modules, each with a
    ``register_handlers(registry)`` called after the domain's (more service-task topics)."""
    handlers = HandlerRegistry()
    register_handlers(handlers, calendar)
    for name in (m.strip() for m in handler_modules.split(",")):
        if name:
            importlib.import_module(name).register_handlers(handlers)
    engine = Engine(db, resolver=OrgResolver(), handlers=handlers, clock=clock,
                    listeners=[HazardLedger(calendar, (HAZARD_PROCESS,)), TaskNotifier(calendar)],
                    step_budget=step_budget, business_tz=calendar.tz,
                    max_bpmn_bytes=max_bpmn_bytes)
    register_report_handlers(engine, calendar)  # rounds start cases: they need the engine
    register_public_report_handlers(engine)  # 属实 opens a hazard case: it needs the engine
    register_workday_functions(engine, calendar)  # add_workdays(...) in timers and due dates
    register_reward_handlers(engine)  # reward.open starts a case: it needs the engine
    register_event_handlers(engine)  # information reports (信息报告)
    register_consultation_handlers(engine)  # risk consultations' actions (专题会商)
    register_plan_handlers(engine, calendar)  # emergency plans' plan.* topics
    register_lookback_handlers(engine)  # 回头看: found back opens a repeat hazard case
    return engine


def bundled_files() -> list[BundledFile]:
    root = resources.files("hazardflow.bpmn")
    return sorted((BundledFile(p.name, p.read_bytes()) for p in root.iterdir()
                   if p.name.endswith(".bpmn")), key=lambda f: f.name)


def bundled_forms() -> dict[str, Any]:
    root = resources.files("hazardflow.bpmn").joinpath("forms")
    return {p.name.removesuffix(".json"): json.loads(p.read_text(encoding="utf-8"))
            for p in root.iterdir() if p.name.endswith(".json")}


def seed_definitions(engine: Engine, actor: str = SEEDER) -> list[Deployed]:
    """Deploy each bundled file whose content is not deployed yet.

    A file is skipped when a designer deployed the newest version of one of its processes:
    what a designer deployed is never overwritten by the file shipped with the application.
    """
    forms = bundled_forms()
    out: list[Deployed] = []
    for bundled in bundled_files():
        if _designer_owns(engine, _process_keys(bundled.bpmn)):
            continue
        with write_transaction(engine.db) as conn:
            out += engine.deploy(conn, bundled.bpmn, forms, actor=actor, filename=bundled.name)
    return out


def _designer_owns(engine: Engine, keys: set[str]) -> bool:
    from hazardflow.engine.schema import deployment, process_definition

    newest = (sa.select(process_definition.c.key, sa.func.max(process_definition.c.version)
                        .label("version"))
              .where(process_definition.c.key.in_(sorted(keys)))
              .group_by(process_definition.c.key).subquery())
    query = (sa.select(deployment.c.deployed_by)
             .select_from(process_definition
                          .join(newest, sa.and_(newest.c.key == process_definition.c.key,
                                                newest.c.version == process_definition.c.version))
                          .join(deployment, deployment.c.id == process_definition.c.deployment_id)))
    with engine.db.connect() as conn:
        return any(by != SEEDER for (by,) in conn.execute(query))


def _process_keys(bpmn: bytes) -> set[str]:
    from hazardflow.engine.xmlsafe import parse_untrusted

    root = parse_untrusted(bpmn)
    return {p.get("id") or "" for p in root.iterfind("{*}process")
            if p.get("isExecutable") == "true"}
