"""The bundled BPMN seeds the first versions and never overwrites a designer's deploy."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hazardflow.engine import FixedClock
from hazardflow.engine.schema import process_definition
from hazardflow.workflows import runtime
from hazardflow.workflows.runtime import BundledFile, build_engine, seed_definitions
from tests.autocommit import autocommit

from .conftest import T0


def _versions(engine) -> list[int]:
    with engine.db.connect() as conn:
        return [r[0] for r in conn.execute(sa.select(process_definition.c.version)
                                           .where(process_definition.c.key == LIFECYCLE)
                                           .order_by(process_definition.c.version))]


LIFECYCLE = "hazard_lifecycle"  # the other bundled files (the reports) are left as they are


def _lifecycle(deployed: list) -> list:
    return [d for d in deployed if d.key == LIFECYCLE]


OLD = b'camunda:priority="50"'


def _changed(files: list[BundledFile], old: bytes, new: bytes) -> list[BundledFile]:
    return [BundledFile(f.name, f.bpmn.replace(old, new, 1)) for f in files]


def test_seed_deploys_once_then_only_new_bundled_content(db, monkeypatch) -> None:
    engine = autocommit(build_engine(db, clock=FixedClock(T0)))
    assert [(d.key, d.version) for d in _lifecycle(seed_definitions(engine))] == \
        [("hazard_lifecycle", 1)]
    assert [d.created for d in _lifecycle(seed_definitions(engine))] == [False]
    shipped = runtime.bundled_files()
    monkeypatch.setattr(runtime, "bundled_files",
                        lambda: _changed(shipped, OLD, b'camunda:priority="55"'))
    assert [(d.version, d.created) for d in _lifecycle(seed_definitions(engine))] == [(2, True)]


def test_seed_never_overwrites_what_a_designer_deployed(db, monkeypatch) -> None:
    engine = autocommit(build_engine(db, clock=FixedClock(T0)))
    seed_definitions(engine)
    shipped = runtime.bundled_files()
    designer_file = next(f for f in _changed(shipped, OLD, b'camunda:priority="60"')
                         if f.name == "hazard_lifecycle.bpmn")
    engine.deploy(designer_file.bpmn, None, actor="designer")
    monkeypatch.setattr(runtime, "bundled_files",
                        lambda: _changed(shipped, OLD, b'camunda:priority="70"'))
    assert _lifecycle(seed_definitions(engine)) == []
    assert _versions(engine) == [1, 2]


@pytest.mark.parametrize("name", ["hazard_lifecycle.bpmn"])
def test_bundled_files_ship_with_the_package(name: str) -> None:
    assert name in {f.name for f in runtime.bundled_files()}
    assert "hazard_register" in runtime.bundled_forms()
