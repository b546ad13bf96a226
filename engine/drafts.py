"""Diagrams being edited (drafts), the designer's checks, and the versions of each process.

A draft is stored as the designer saved it — it may be unfinished — but it must be safe,
well-formed XML of bounded size (the same reader deployments use). Drafts are never seen
by the runtime: only ``Engine.deploy`` makes a version, and running cases never change
version unless migrated.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from lxml import etree
from sqlalchemy.engine import Connection

from .db import new_id
from .definitions import latest_forms
from .errors import (
    Conflict,
    DeploymentError,
    Detail,
    ExpressionError,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
)
from .expressions import is_iso_literal, timer_source, unwrap
from .forms import check_form_schema
from .parser import CAMUNDA, input_parameters, process_attributes
from .schema import deployment, process_case, process_definition
from .schema_designer import designer_draft
from .validation import referenced_forms
from .xmlsafe import as_utf8_text, parse_untrusted

if TYPE_CHECKING:
    from .runtime import Engine

RUNNING = ("active", "incident")


def _key_of(root: etree._Element) -> str | None:
    attrs = process_attributes(root)
    executable = [k for k, a in attrs.items() if a["executable"]]
    found = executable or list(attrs)
    return found[0] if found else None


_EXPRESSION_TAGS = {"conditionExpression", "completionCondition", "timeDate", "timeDuration",
                    "timeCycle"}


def _expression_spots(root: etree._Element) -> Iterator[tuple[etree._Element, str]]:
    """(element the text belongs to, source) of every expression in the file."""
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        tag = etree.QName(node).localname
        if tag in _EXPRESSION_TAGS:
            owner = node.getparent()
            if tag.startswith("time") and owner is not None:
                owner = owner.getparent()
            text = (node.text or "").strip()
            where = owner if owner is not None else node
            if not tag.startswith("time"):
                if text:
                    yield where, unwrap(text)
            elif text and (text.startswith("${") or not is_iso_literal(text)):
                yield where, timer_source(text)
        for attr in ("assignee", "dueDate", "priority"):
            value = (node.get(CAMUNDA + attr) or "").strip()
            if value.startswith("${"):
                yield node, unwrap(value)
        if tag == "serviceTask":
            for value in input_parameters(node).values():
                if value.startswith("${"):
                    yield node, unwrap(value)


def _line(node: etree._Element) -> int | None:
    line = node.sourceline
    return line if isinstance(line, int) else None


def refusals(engine: Engine, root: etree._Element) -> list[Detail]:
    """What makes a file unacceptable even as a draft: no executable process, a script
    task, or an expression the safe evaluator refuses (one reaching for Python internals)."""
    problems: list[Detail] = []
    if not any(a["executable"] for a in process_attributes(root).values()):
        problems.append(Detail("文件中没有可执行的流程 (the file has no executable process "
                               "(isExecutable=\"true\"))"))
    for node in root.iter():
        if isinstance(node.tag, str) and etree.QName(node).localname == "scriptTask":
            problems.append(Detail("不允许使用脚本任务，请改用服务任务 (script tasks are not "
                                   "allowed: use a service task)",
                                   element=node.get("id"), line=_line(node)))
    for node, source in _expression_spots(root):
        try:
            engine.evaluator.check(source)
        except ExpressionError as exc:
            problems.append(Detail(f"表达式被拒绝：{exc} (expression refused)",
                                   element=node.get("id"),
                                   line=_line(node)))
    return problems


def import_file(conn: Connection, engine: Engine, bpmn: bytes, *, actor: str, now: datetime,
                name: str | None = None) -> dict[str, Any]:
    """A new draft from an uploaded file, refused with located reasons when it is unsafe."""
    root = parse_untrusted(bpmn, max_bytes=engine.max_bpmn_bytes)
    problems = refusals(engine, root)
    if problems:
        raise DeploymentError(f"文件未被接受，有 {len(problems)} 个问题 (the file was refused: "
                              f"{len(problems)} problem(s))", problems)
    return save_draft(conn, bpmn=bpmn, forms={}, actor=actor, now=now, name=name,
                      max_bytes=engine.max_bpmn_bytes)


def _forms(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput("表单须是以表单标识为键、JSON Schema 为值的对象 (forms must be an "
                           "object: form key -> JSON Schema)")
    problems = [p for key, schema in value.items() for p in check_form_schema(str(key), schema)]
    if problems:
        raise InvalidInput("表单定义不是有效的 JSON Schema (a form is not a valid JSON Schema)",
                           problems, code="invalid_form")
    return {str(k): v for k, v in value.items()}


def draft_row(row: Any, with_content: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id, "name": row.name, "process_key": row.process_key,
        "base_version": row.base_version, "revision": row.revision,
        "created_by": row.created_by, "updated_by": row.updated_by,
        "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat()}
    if with_content:
        out["bpmn"] = row.bpmn_xml
        out["forms"] = json.loads(row.forms)
    return out


def list_drafts(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(sa.select(designer_draft).order_by(designer_draft.c.updated_at.desc(),
                                                           designer_draft.c.id.desc()))
    return [draft_row(r, with_content=False) for r in rows]


def get_draft(conn: Connection, draft_id: int) -> dict[str, Any]:
    row = conn.execute(sa.select(designer_draft).where(designer_draft.c.id == draft_id)).first()
    if row is None:
        raise NotFound(f"草稿 {draft_id} 不存在 (draft {draft_id} does not exist)")
    return draft_row(row)


def save_draft(conn: Connection, *, bpmn: bytes, forms: Any, actor: str, now: datetime,
               max_bytes: int, name: str | None = None, base_version: int | None = None,
               draft_id: int | None = None, revision: int | None = None) -> dict[str, Any]:
    """Create a draft, or replace one (``revision``: the one the editor loaded, else 409)."""
    root = parse_untrusted(bpmn, max_bytes=max_bytes)
    key = _key_of(root)
    text = as_utf8_text(root, bpmn)
    values: dict[str, Any] = {
        "bpmn_xml": text, "forms": json.dumps(_forms(forms), ensure_ascii=False),
        "process_key": key, "updated_by": actor, "updated_at": now}
    if name is not None:
        values["name"] = name.strip()[:255] or (key or "未命名")
    if draft_id is None:
        values.setdefault("name", key or "未命名")
        draft_id = new_id(conn.execute(sa.insert(designer_draft).values(
            **values, base_version=base_version, revision=1, created_by=actor,
            created_at=now)))
        return get_draft(conn, draft_id)
    current = get_draft(conn, draft_id)
    if revision is not None and revision != current["revision"]:
        raise Conflict(f"草稿已被他人另行保存（第 {current['revision']} 版），请重新载入 "
                       f"(the draft was saved by someone else in the meantime (revision "
                       f"{current['revision']}); reload it)",
                       code="stale_revision")
    conn.execute(sa.update(designer_draft).where(designer_draft.c.id == draft_id)
                 .values(**values, revision=current["revision"] + 1))
    return get_draft(conn, draft_id)


def delete_draft(conn: Connection, draft_id: int) -> None:
    if not conn.execute(sa.delete(designer_draft).where(designer_draft.c.id == draft_id)).rowcount:
        raise NotFound(f"草稿 {draft_id} 不存在 (draft {draft_id} does not exist)")


def check(conn: Connection, engine: Engine, bpmn: bytes, forms: Any) -> list[Detail]:
    """Every problem deploying would report, without deploying (the same reader and the
    same validator; forms the file names but does not bring come from earlier deployments,
    read on ``conn``, as they would be on deploy)."""
    try:
        root = parse_untrusted(bpmn, max_bytes=engine.max_bpmn_bytes)
        given = _forms(forms)
    except (DeploymentError, InvalidInput) as exc:
        return exc.details or [Detail(exc.message)]
    except PayloadTooLarge as exc:
        return [Detail(exc.message)]
    missing = {k for k in referenced_forms(root) if k not in given}
    if missing:
        given.update(latest_forms(conn, missing))
    return engine.validator.check(root, given).problems


def processes(conn: Connection) -> list[dict[str, Any]]:
    """Each process key with its versions: who deployed each, when, and its running cases."""
    running = (sa.select(process_case.c.definition_id, sa.func.count().label("n"))
               .where(process_case.c.status.in_(RUNNING))
               .group_by(process_case.c.definition_id).subquery())
    rows = conn.execute(
        sa.select(process_definition.c.key, process_definition.c.version,
                  process_definition.c.name, deployment.c.deployed_by, deployment.c.deployed_at,
                  deployment.c.filename, sa.func.coalesce(running.c.n, 0).label("running"))
        .join(deployment, deployment.c.id == process_definition.c.deployment_id)
        .outerjoin(running, running.c.definition_id == process_definition.c.id)
        .order_by(process_definition.c.key, process_definition.c.version.desc())).all()
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        item = out.setdefault(r.key, {"key": r.key, "name": r.name, "versions": []})
        item["versions"].append({"version": r.version, "name": r.name,
                                 "deployed_by": r.deployed_by,
                                 "deployed_at": r.deployed_at.isoformat(),
                                 "filename": r.filename, "running_cases": int(r.running)})
    return list(out.values())


def versions(conn: Connection, key: str) -> list[dict[str, Any]]:
    """The deployed versions of ``key``, newest first: name, who deployed it and when, the
    file's SHA-256 and its running cases (empty when the process was never deployed)."""
    running = (sa.select(process_case.c.definition_id, sa.func.count().label("n"))
               .where(process_case.c.status.in_(RUNNING))
               .group_by(process_case.c.definition_id).subquery())
    rows = conn.execute(
        sa.select(process_definition.c.version, process_definition.c.name,
                  deployment.c.deployed_by, deployment.c.deployed_at, deployment.c.sha256,
                  sa.func.coalesce(running.c.n, 0).label("running"))
        .join(deployment, deployment.c.id == process_definition.c.deployment_id)
        .outerjoin(running, running.c.definition_id == process_definition.c.id)
        .where(process_definition.c.key == key)
        .order_by(process_definition.c.version.desc())).all()
    return [{"version": r.version, "name": r.name, "deployed_by": r.deployed_by,
             "deployed_at": r.deployed_at.isoformat(), "sha256": r.sha256,
             "running_cases": int(r.running)} for r in rows]


def version_content(conn: Connection, key: str, version: int) -> dict[str, Any]:
    """The BPMN text and the forms deployed as ``key`` version ``version``."""
    deployment_id = conn.execute(sa.select(process_definition.c.deployment_id).where(
        process_definition.c.key == key, process_definition.c.version == version)).scalar()
    if deployment_id is None:
        raise NotFound(f"没有已部署的流程 {key!r} 第 {version} 版 (no deployed process {key!r} "
                       f"version {version})")
    text, forms = conn.execute(sa.select(deployment.c.bpmn_xml, deployment.c.forms).where(
        deployment.c.id == deployment_id)).one()
    return {"key": key, "version": version, "bpmn": text, "forms": json.loads(forms)}
