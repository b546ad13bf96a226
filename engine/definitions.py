"""Deployments, process versions, and the per-version cache of parsed specs."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .db import new_id
from .errors import DeploymentError, NotFound
from .parser import parsed_specs
from .schema import deployment, process_definition
from .xmlsafe import parse_untrusted

# built once: building a SELECT costs more than running it on SQLite (every start resolves)
_LATEST = (sa.select(process_definition.c.id)
           .where(process_definition.c.key == sa.bindparam("key"))
           .order_by(process_definition.c.version.desc()).limit(1))
_VERSION = (sa.select(process_definition.c.id)
            .where(process_definition.c.key == sa.bindparam("key"),
                   process_definition.c.version == sa.bindparam("version")))


@dataclass(frozen=True)
class Deployed:
    key: str
    version: int
    definition_id: int
    created: bool


@dataclass
class Definition:
    """One process version, parsed once per process and shared by all its cases."""

    id: int
    key: str
    version: int
    name: str
    starter_groups: str
    start_form: str | None
    forms: dict[str, dict[str, Any]]
    spec: Any
    subprocess_specs: dict[str, Any]

    def element_spec(self, element_id: str) -> Any | None:
        """The task spec of an element of the process or of its sub-processes."""
        spec = self.spec.task_specs.get(element_id)
        if spec is None:
            for sub in self.subprocess_specs.values():
                spec = sub.task_specs.get(element_id)
                if spec is not None:
                    break
        return spec

    def user_task_ext(self, element_id: str) -> dict[str, Any]:
        return dict(getattr(self.element_spec(element_id), "extensions", None) or {})

    def element_name(self, element_id: str) -> str | None:
        """The name the diagram gives the element (``name``), None when it has none."""
        name = getattr(self.element_spec(element_id), "bpmn_name", None)
        return str(name) if name else None


def content_hash(bpmn: bytes, forms: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(bpmn)
    digest.update(b"\0forms\0")
    digest.update(json.dumps(forms, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def existing_deployment(conn: Connection, sha: str) -> list[Deployed] | None:
    dep_id = conn.execute(sa.select(deployment.c.id).where(deployment.c.sha256 == sha)).scalar()
    if dep_id is None:
        return None
    rows = conn.execute(sa.select(process_definition.c.key, process_definition.c.version,
                                  process_definition.c.id)
                        .where(process_definition.c.deployment_id == dep_id)
                        .order_by(process_definition.c.id)).all()
    return [Deployed(r.key, r.version, r.id, False) for r in rows]


def latest_forms(conn: Connection, keys: set[str]) -> dict[str, Any]:
    """The newest deployed version of each named form, for a BPMN redeployed without them."""
    found: dict[str, Any] = {}
    rows = conn.execute(sa.select(deployment.c.forms).order_by(deployment.c.id.desc()))
    for (forms_json,) in rows:
        for key, schema in json.loads(forms_json).items():
            if key in keys and key not in found:
                found[key] = schema
        if found.keys() >= keys:
            break
    return found


def insert_deployment(conn: Connection, *, sha: str, bpmn: str, forms: Mapping[str, Any],
                      processes: Mapping[str, Mapping[str, Any]], actor: str,
                      filename: str | None, now: datetime) -> list[Deployed]:
    dep_id = new_id(conn.execute(sa.insert(deployment).values(
        sha256=sha, filename=filename, bpmn_xml=bpmn,
        # keys as written: a form's properties keep their order, which is the fields' order
        forms=json.dumps(forms, ensure_ascii=False),
        deployed_by=actor, deployed_at=now)))
    out = []
    for key, attrs in processes.items():
        current = conn.execute(sa.select(sa.func.max(process_definition.c.version))
                               .where(process_definition.c.key == key)).scalar() or 0
        def_id = new_id(conn.execute(sa.insert(process_definition).values(
            key=key, version=current + 1, name=attrs["name"], deployment_id=dep_id,
            starter_groups=attrs["starter_groups"], start_form=attrs["start_form"],
            deployed_at=now)))
        out.append(Deployed(key, current + 1, def_id, True))
    return out


class DefinitionCache:
    """Parsed specs by definition id. Definitions never change once deployed."""

    def __init__(self, max_bpmn_bytes: int) -> None:
        self._by_id: dict[int, Definition] = {}
        self._lock = threading.Lock()
        self._max = max_bpmn_bytes

    def get(self, conn: Connection, definition_id: int) -> Definition:
        cached = self._by_id.get(definition_id)
        if cached is not None:
            return cached
        row = conn.execute(
            sa.select(process_definition, deployment.c.bpmn_xml, deployment.c.forms,
                      deployment.c.filename)
            .join(deployment, deployment.c.id == process_definition.c.deployment_id)
            .where(process_definition.c.id == definition_id)).one_or_none()
        if row is None:
            raise NotFound(f"流程定义 {definition_id} 不存在 (process definition {definition_id} "
                           "does not exist)")
        root = parse_untrusted(row.bpmn_xml.encode("utf-8"), max_bytes=self._max * 4)
        spec, subs = parsed_specs(root, row.filename, (row.key,))[row.key]
        definition = Definition(
            id=row.id, key=row.key, version=row.version, name=row.name,
            starter_groups=row.starter_groups, start_form=row.start_form,
            forms=json.loads(row.forms), spec=spec, subprocess_specs=subs)
        with self._lock:
            self._by_id.setdefault(definition_id, definition)
        return self._by_id[definition_id]

    def resolve(self, conn: Connection, key: str, version: int | None = None) -> Definition:
        def_id = conn.execute(_LATEST, {"key": key}).scalar() if version is None \
            else conn.execute(_VERSION, {"key": key, "version": version}).scalar()
        if def_id is None:
            what = f"{key!r} version {version}" if version is not None else repr(key)
            raise NotFound(f"没有已部署的流程 {what} (no deployed process {what})")
        return self.get(conn, def_id)


def reject_if_problems(problems: list[Any]) -> None:
    if problems:
        raise DeploymentError(f"流程图未通过校验，有 {len(problems)} 个问题，未部署 (the BPMN "
                              f"file was refused: {len(problems)} problem(s))", problems)
