"""Loading and saving case state under the case's lock, with a cache of live workflows.

The cache maps a case id to (revision, workflow). A hit skips deserialization; it is only
trusted while the row's revision, read under the lock, still matches, so several processes
sharing one database stay correct. A failed step evicts the case.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy.engine import Connection

from . import audit
from .db import new_id
from .definitions import Definition
from .errors import NotFound
from .schema import audit_event, human_task, process_case
from .serializer import CaseSerializer

# Statements built once: building a statement costs more than running it on SQLite.
_B = sa.bindparam
_ROW = (process_case.c.id, process_case.c.definition_id, process_case.c.status,
        process_case.c.revision, process_case.c.started_by, process_case.c.audit_seq,
        process_case.c.audit_hash)
LOCK = (sa.select(*_ROW)
        .where(process_case.c.id == _B("case_id")).with_for_update())
LOCK_OF_TASK = (
    sa.select(*_ROW)
    .where(process_case.c.id == sa.select(human_task.c.case_id)
           .where(human_task.c.id == _B("task_id")).scalar_subquery())
    .with_for_update())
CREATE = sa.insert(process_case)  # its values are parameters: nothing is built per case
STATE = sa.select(process_case.c.state).where(process_case.c.id == _B("case_id"))
SAVE = (sa.update(process_case).where(process_case.c.id == _B("case_id"))
        .values(state=_B("state"), status=_B("status"), revision=_B("revision"),
                updated_at=_B("now")))
SAVE_COMPLETED = SAVE.values(completed_at=_B("now"))
# the save that also moves the audit chain's tail, if it is still where the lock found it
_TAIL: dict[str, Any] = {"audit_seq": _B("seq"), "audit_hash": _B("hash")}
SAVE_TAIL = SAVE.where(process_case.c.audit_seq == _B("prev_seq")).values(**_TAIL)
SAVE_COMPLETED_TAIL = SAVE_COMPLETED.where(
    process_case.c.audit_seq == _B("prev_seq")).values(**_TAIL)



def _save_and_append(save: sa.Update) -> sa.Insert:
    """PostgreSQL: the save and the audit record in one statement (a data-modifying CTE);
    the record is inserted only if the save found the tail where the lock did."""
    saved = save.returning(process_case.c.id).cte("saved")
    columns = [c for c in audit_event.c if c.name not in ("id", "redacted")]
    values = [_B(c.name, type_=c.type) for c in columns if c.name != "case_id"]
    return (sa.insert(audit_event)
            .from_select([c.name for c in columns], sa.select(saved.c.id, *values))
            .add_cte(saved).returning(audit_event.c.seq))


SAVE_APPEND = _save_and_append(SAVE_TAIL)
SAVE_COMPLETED_APPEND = _save_and_append(SAVE_COMPLETED_TAIL)


@dataclass
class CaseRow:
    id: int
    definition_id: int
    status: str
    revision: int
    started_by: str
    # the audit chain's tail as read under the lock (None: not read; the log is asked)
    audit_seq: int | None = None
    audit_hash: str | None = None


def _case_row(row: Any) -> CaseRow:
    return CaseRow(row.id, row.definition_id, row.status, row.revision, row.started_by,
                   row.audit_seq, row.audit_hash)


class LiveCache:
    def __init__(self, size: int) -> None:
        self._items: OrderedDict[int, tuple[int, BpmnWorkflow]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def take(self, case_id: int, revision: int) -> BpmnWorkflow | None:
        """Remove and return the workflow if it is at ``revision``: its user holds the lock."""
        with self._lock:
            item = self._items.pop(case_id, None)
        if item is None or item[0] != revision:
            return None
        return item[1]

    def put(self, case_id: int, revision: int, workflow: BpmnWorkflow) -> None:
        if self._size <= 0:
            return
        with self._lock:
            self._items[case_id] = (revision, workflow)
            self._items.move_to_end(case_id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def evict(self, case_id: int) -> None:
        with self._lock:
            self._items.pop(case_id, None)


class CaseStore:
    def __init__(self, serializer: CaseSerializer, script_engine: Any, cache_size: int) -> None:
        self.serializer = serializer
        self.script_engine = script_engine
        self.live = LiveCache(cache_size)

    def lock(self, conn: Connection, case_id: int) -> CaseRow:
        row = conn.execute(LOCK, {"case_id": case_id}).one_or_none()
        if row is None:
            raise NotFound(f"案件 {case_id} 不存在 (case {case_id} does not exist)",
                           case_id=case_id)
        return _case_row(row)

    def lock_of_task(self, conn: Connection, task_id: int) -> CaseRow | None:
        """Lock the case a human task belongs to (one statement); None if no such task."""
        row = conn.execute(LOCK_OF_TASK, {"task_id": task_id}).one_or_none()
        if row is None:
            return None
        return _case_row(row)

    def load(self, conn: Connection, row: CaseRow, definition: Definition) -> BpmnWorkflow:
        workflow = self.live.take(row.id, row.revision)
        if workflow is not None:
            return workflow
        return self.load_fresh(conn, row, definition)

    def load_fresh(self, conn: Connection, row: CaseRow,
                   definition: Definition) -> BpmnWorkflow:
        self.live.evict(row.id)
        blob = conn.execute(STATE, {"case_id": row.id}).scalar_one()
        return self.serializer.loads(blob, definition.spec, definition.subprocess_specs,
                                     self.script_engine)

    def create(self, conn: Connection, definition_id: int, started_by: str,
               business_key: str | None, now: datetime) -> CaseRow:
        case_id = new_id(conn.execute(CREATE, {
            "definition_id": definition_id, "status": "active", "revision": 0, "state": b"",
            "business_key": business_key, "started_by": started_by, "created_at": now,
            "updated_at": now}))
        return CaseRow(case_id, definition_id, "active", 0, started_by, 0, audit.GENESIS)

    def save(self, conn: Connection, row: CaseRow, workflow: BpmnWorkflow, status: str,
             now: datetime, entry: audit.Entry | None = None) -> int:
        """Write the state; with ``entry``, append it to the audit log in the same update
        of the case row (its tail moves with the state: no read of the log)."""
        blob = self.serializer.dumps(workflow)
        params: dict[str, Any] = {"case_id": row.id, "state": blob, "status": status,
                                  "revision": row.revision + 1, "now": now}
        done = status == "completed"
        record = None
        if entry is not None and row.audit_seq is not None and row.audit_hash is not None:
            record = audit.chained(row.id, row.audit_seq + 1, row.audit_hash, entry)
            params.update(record, prev_seq=row.audit_seq)
            folded = conn.dialect.name == "postgresql"
            statement = (SAVE_COMPLETED_APPEND if done else SAVE_APPEND) if folded \
                else (SAVE_COMPLETED_TAIL if done else SAVE_TAIL)
            result = conn.execute(statement, params)
            if (result.first() is not None) if folded else result.rowcount == 1:
                if not folded:
                    conn.execute(audit.INSERT, record)
            else:
                record = None  # the log grew since the lock: chain after its real tail
        if record is None:
            conn.execute(SAVE_COMPLETED if done else SAVE, params)
        row.revision += 1
        row.status = status
        if record is not None:
            row.audit_seq, row.audit_hash = record["seq"], record["hash"]
        elif entry is not None:
            audit.append(conn, row.id, entry.actor, entry.action, entry.payload, entry.at,
                         entry.element_id)
            row.audit_seq = row.audit_hash = None
        return row.revision

    def remember(self, row: CaseRow, workflow: BpmnWorkflow) -> None:
        """Keep the workflow for the next step; call only after the transaction committed."""
        self.live.put(row.id, row.revision, workflow)
