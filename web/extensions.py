"""The runtime extension: one database engine and one workflow engine per app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from hazardflow.config import Settings
from hazardflow.engine import Clock, Engine, StepResult
from hazardflow.engine.db import make_engine
from hazardflow.workflows.runtime import build_engine


@dataclass
class State:
    settings: Settings
    db: sa.Engine
    engine: Engine
    celery: Any = None  # a Celery client in distributed mode


class Runtime:
    def init_app(self, app: Flask, clock: Clock | None = None) -> None:
        settings: Settings = app.config["HAZARDFLOW"]
        db = make_engine(settings.database_url)
        engine = build_engine(db, clock=clock, business_tz=settings.business_tz,
                              step_budget=settings.step_budget,
                              max_bpmn_bytes=settings.max_bpmn_bytes,
                              handler_modules=settings.handler_modules)
        client = None
        if settings.broker_url:
            from hazardflow.worker import create_celery

            client = create_celery(settings)
        app.extensions["hazardflow"] = State(settings, db, engine, client)

    def dispatch(self, result: StepResult) -> StepResult:
        """In distributed mode, hand what a request left in the outbox to a worker now
        (the sweep would find it anyway); embedded, the in-process scheduler drains it."""
        if result.pending and self.state.celery is not None:
            try:
                self.state.celery.send_task("hazardflow.continue_case", [result.case_id])
            except Exception:  # the broker is down: the outbox row waits for the sweep
                current_app.logger.warning("could not queue case %s", result.case_id,
                                           extra={"case_id": result.case_id})
        return result

    @property
    def state(self) -> State:
        state: State = current_app.extensions["hazardflow"]
        return state

    def now(self) -> datetime:
        """The time on the engine's clock (injectable in tests)."""
        return self.state.engine.clock.now()

    @property
    def engine(self) -> Engine:
        return self.state.engine

    @property
    def db(self) -> sa.Engine:
        return self.state.db


runtime = Runtime()
