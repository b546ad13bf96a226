"""Bringing a ledger's good rows in: one transaction per batch, each open hazard through
the hazard lifecycle itself.

For each row, inside :func:`~ledger_import.importing` (no number taken, nothing issued):

- the row is kept as a small text file (台账导入记录: the file, its SHA-256, the row and its
  cells), the case's evidence in place of the photos a ledger does not have;
- the case starts through the registration's own path (``cases.start_case``: scope,
  classification, evidence), as the importer, source 单位自查;
- ``ordered``: the importer completes 下达整改通知 with the row's 整改责任人 and 整改期限
  (``engine.complete_task``, the engine's path; a past deadline is allowed here and arms
  the escalation ladder late, see :mod:`ladder`); the case waits at 整改;
- ``awaiting_verification``: then the 整改责任人 named completes 整改 with the row's 整改情况
  and the row's record as evidence; the case waits at 验收/复查;
- ``registered``: the case waits at its first step (a 重大 hazard: the regulator's order);
- ``closed``: the registration is the whole record: the case is ended at once (terminated
  with the reason, its first task cancelled) and the ledger row
  is closed with the sheet's dates: history, no work.

Timers already due when the row came in (a past deadline) fire in the row's own transaction
and context. The steps the import completed were never anyone's work: their new-task
notices are dropped in the same transaction. The hazard's 发现日期 becomes its
``reported_at``; ``imported_hazard`` records the import, the row and the sheet's notice
number.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor
from hazardflow.engine.schema import human_task

from . import cases, evidence
from .ledger_import import BATCH, FIELDS, ImportContext, ImportRow, hazard_code, importing
from .runtime import HAZARD_PROCESS, Runtime
from .schema import hazard, notification
from .schema_imports import imported_hazard, ledger_import
from .uow import unit_of_work
from .users import actor_for

CLOSED_REASON = "台账导入的已销号隐患，仅作历史记录，不启动办理 (imported as history)"


def start_job(conn: Connection, by: str, *, filename: str, sha256: str, size: int,
              mapping: dict[str, int | None], total: int, good: int, now: datetime) -> int:
    new = conn.execute(ledger_import.insert().values(
        filename=filename[:255], sha256=sha256, size=size, created_by=by, created_at=now,
        status="running", mapping=json.dumps(mapping), total_rows=total, good_rows=good,
        imported_rows=0)).inserted_primary_key
    assert new is not None
    return int(new[0])


def _record_text(row: ImportRow, filename: str, sha256: str) -> bytes:
    lines = ["台账导入记录", f"文件：{filename}", f"SHA-256：{sha256}", f"第 {row.number} 行"]
    lines += [f"{FIELDS[k][0]}：{v}" for k, v in row.cells.items() if k in FIELDS]
    return "\n".join(lines).replace("<", "＜").encode("utf-8")


def _open_task(conn: Connection, case_id: int, element: str) -> int:
    return int(conn.execute(sa.select(human_task.c.id).where(
        human_task.c.case_id == case_id, human_task.c.element_id == element,
        human_task.c.state == "open")).scalar_one())


def _drive(conn: Connection, rt: Runtime, actor: Actor, case_id: int, row: ImportRow,
           record: str) -> None:
    """Complete the steps the row's state says were done, through the engine."""
    assert row.deadline is not None and row.responsible is not None
    rt.engine.complete_task(conn, _open_task(conn, case_id, "Task_Triage"), actor, {
        "disposition": "order", "responsible_user": row.responsible,
        "deadline": row.deadline.isoformat(),
        "order_note": row.measures or "按台账所列隐患整改"})
    if row.state == "awaiting_verification":
        rt.engine.complete_task(
            conn, _open_task(conn, case_id, "Task_Rectify"), actor_for(conn, row.responsible),
            {"rectification_note": row.status_text or row.measures or "已整改",
             "photos_after": [record]})
    rt.engine.fire_case_timers(conn, case_id, rt.now())


def _forget_passed_steps(conn: Connection, case_id: int) -> None:
    """The steps the import completed (or cancelled) in this very transaction were never
    anyone's work: their new-task notices go (those of the step the case waits at stay)."""
    passed = sa.select(human_task.c.id).where(human_task.c.case_id == case_id,
                                              human_task.c.state != "open")
    conn.execute(notification.delete().where(notification.c.case_id == case_id,
                                             notification.c.task_id.in_(passed)))


def _close_as_history(conn: Connection, rt: Runtime, actor: Actor, case_id: int,
                      row: ImportRow) -> None:
    rt.engine.terminate(conn, case_id, actor, CLOSED_REASON)
    assert row.verified_on is not None
    closed = datetime.combine(row.verified_on, time(12), rt.calendar.tz)
    conn.execute(sa.update(hazard).where(hazard.c.case_id == case_id).values(
        status="closed", stage=None, closed_at=closed,
        deadline=row.deadline.isoformat() if row.deadline else None,
        responsible_user=row.responsible))


def import_row(conn: Connection, rt: Runtime, actor: Actor, job_id: int, row: ImportRow,
               filename: str, sha256: str) -> int:
    """Bring one checked row in; returns the hazard's id."""
    now = rt.now()
    stored = evidence.save_upload(
        conn, rt.storage, filename=f"台账导入记录-第{row.number}行.txt",
        data=_record_text(row, filename, sha256), kind="document", uploaded_by=actor.id,
        now=now, max_bytes=rt.settings.max_upload_bytes)
    data: dict[str, Any] = {
        "unit_code": row.unit_code, "location": row.location, "category": row.category,
        "level": row.level, "description": row.description, "photos_before": [stored.ref],
        "source": "self_inspection"}
    context = ImportContext(job_id, row.number, actor.id, hazard_code(job_id, row.number),
                            row.reference)
    with importing(context):
        started = cases.start_case(conn, rt.engine, actor, HAZARD_PROCESS, data)
        case_id = int(started["case"].case_id)
        if row.state == "closed":
            _close_as_history(conn, rt, actor, case_id, row)
        elif row.state in ("ordered", "awaiting_verification"):
            _drive(conn, rt, actor, case_id, row, stored.ref)
        _forget_passed_steps(conn, case_id)
    assert row.found_on is not None
    found = datetime.combine(row.found_on, time(9), rt.calendar.tz)
    conn.execute(sa.update(hazard).where(hazard.c.case_id == case_id).values(reported_at=found))
    hazard_id = int(conn.execute(sa.select(hazard.c.id).where(hazard.c.case_id == case_id))
                    .scalar_one())
    conn.execute(imported_hazard.insert().values(
        import_id=job_id, hazard_id=hazard_id, row_number=row.number,
        reference=row.reference, state=row.state))
    return hazard_id


def run_batches(rt: Runtime, actor: Actor, job_id: int, rows: list[ImportRow],
                filename: str, sha256: str) -> None:
    """Import ``rows`` (all without problems) ``BATCH`` at a time, each batch one
    transaction that also moves the job's count; a failing batch is rolled back whole and
    the job marked failed with the reason (earlier batches stay). A row of the same file
    that another import brought in since the dry run is passed over."""
    done = 0
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]
        try:
            with unit_of_work(rt) as conn:
                taken = _imported_rows(conn, sha256)  # by an import running meanwhile
                fresh = [row for row in batch if row.number not in taken]
                for row in fresh:
                    import_row(conn, rt, actor, job_id, row, filename, sha256)
                _progress(conn, job_id, done + len(fresh), "running", rt.now())
            done += len(fresh)
        except Exception as exc:  # noqa: BLE001 - recorded on the job, then raised
            with unit_of_work(rt) as conn:
                message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
                _progress(conn, job_id, done, "failed", rt.now(),
                          f"第 {batch[0].number}–{batch[-1].number} 行这一批导入失败，已回滚："
                          f"{message}"[:2000])
            raise
    with unit_of_work(rt) as conn:
        _progress(conn, job_id, done, "done", rt.now())


def _imported_rows(conn: Connection, sha256: str) -> set[int]:
    """The rows of this file (by its SHA-256) already imported, by any import."""
    return set(conn.execute(sa.select(imported_hazard.c.row_number).select_from(
        imported_hazard.join(ledger_import, ledger_import.c.id == imported_hazard.c.import_id))
        .where(ledger_import.c.sha256 == sha256)).scalars())


def _progress(conn: Connection, job_id: int, done: int, status: str, now: datetime,
              error: str | None = None) -> None:
    values: dict[str, Any] = {"imported_rows": done, "status": status}
    if status != "running":
        values["finished_at"] = now
    if error:
        values["error"] = error
    conn.execute(sa.update(ledger_import).where(ledger_import.c.id == job_id).values(**values))
