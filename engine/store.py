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

from .db import new_id
from .definitions import Definition
from .errors import NotFound
from .schema import human_task, process_case
from .serializer import CaseSerializer

# Statements built once: building a statement costs more than running it on SQLite.
_B = sa.bindparam
LOCK = (sa.select(process_case.c.id, process_case.c.definition_id, process_case.c.status,
                  process_case.c.revision, process_case.c.started_by)
        .where(process_case.c.id == _B("case_id")).with_for_update())
LOCK_OF_TASK = (
    sa.select(process_case.c.id, process_case.c.definition_id, process_case.c.status,
              process_case.c.revision, process_case.c.started_by)
    .where(process_case.c.id == sa.select(human_task.c.case_id)
           .where(human_task.c.id == _B("task_id")).scalar_subquery())
    .with_for_update())
STATE = sa.select(process_case.c.state).where(process_case.c.id == _B("case_id"))
SAVE = (sa.update(process_case).where(process_case.c.id == _B("case_id"))
        .values(state=_B("state"), status=_B("status"), revision=_B("revision"),
                updated_at=_B("now")))
SAVE_COMPLETED = SAVE.values(completed_at=_B("now"))


@dataclass
class CaseRow:
    id: int
    definition_id: int
    status: str
    revision: int
    started_by: str


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
        return CaseRow(row.id, row.definition_id, row.status, row.revision, row.started_by)

    def lock_of_task(self, conn: Connection, task_id: int) -> CaseRow | None:
        """Lock the case a human task belongs to (one statement); None if no such task."""
        row = conn.execute(LOCK_OF_TASK, {"task_id": task_id}).one_or_none()
        if row is None:
            return None
        return CaseRow(row.id, row.definition_id, row.status, row.revision, row.started_by)

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
        case_id = new_id(conn.execute(sa.insert(process_case).values(
            definition_id=definition_id, status="active", revision=0, state=b"",
            business_key=business_key, started_by=started_by, created_at=now,
            updated_at=now)))
        return CaseRow(case_id, definition_id, "active", 0, started_by)

    def save(self, conn: Connection, row: CaseRow, workflow: BpmnWorkflow, status: str,
             now: datetime) -> int:
        blob = self.serializer.dumps(workflow)
        conn.execute(SAVE_COMPLETED if status == "completed" else SAVE, {
            "case_id": row.id, "state": blob, "status": status,
            "revision": row.revision + 1, "now": now})
        row.revision += 1
        row.status = status
        return row.revision

    def remember(self, row: CaseRow, workflow: BpmnWorkflow) -> None:
        """Keep the workflow for the next step; call only after the transaction committed."""
        self.live.put(row.id, row.revision, workflow)
