"""The runtime extension: one database engine and one workflow engine per app."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app

from hazardflow.config import Settings
from hazardflow.engine import Clock, Engine
from hazardflow.engine.db import make_engine
from hazardflow.workflows.runtime import build_engine


@dataclass
class State:
    settings: Settings
    db: sa.Engine
    engine: Engine


class Runtime:
    def init_app(self, app: Flask, clock: Clock | None = None) -> None:
        settings: Settings = app.config["HAZARDFLOW"]
        db = make_engine(settings.database_url)
        engine = build_engine(db, clock=clock, business_tz=settings.business_tz,
                              step_budget=settings.step_budget,
                              max_bpmn_bytes=settings.max_bpmn_bytes)
        app.extensions["hazardflow"] = State(settings, db, engine)

    @property
    def state(self) -> State:
        state: State = current_app.extensions["hazardflow"]
        return state

    @property
    def engine(self) -> Engine:
        return self.state.engine

    @property
    def db(self) -> sa.Engine:
        return self.state.db


runtime = Runtime()
