"""Importing a unit's 隐患台账 from Excel: read and guess the mapping, the dry run, the
import, and an import's result. Each use-case checks the importer first
(``policy.require_may_import``); which units each row may go to is the dry run's check
(``policy.may_import_for``). The import runs in this request, one transaction per batch
of rows (``ledger_import.BATCH``), its job row counting what is done; a sheet holds at
most ``ledger_import.MAX_ROWS`` rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Detail, InvalidInput, NotFound

from .. import policy
from ..evidence import new_key
from ..ledger import CATEGORIES, LEVELS
from ..ledger_import import FIELDS, MAX_ROWS, REQUIRED, STATES, ImportRow
from ..ledger_import_check import check_rows
from ..ledger_import_run import run_batches, start_job
from ..ledger_import_sheet import Sheet, cell_text, column_letter, guess_mapping, read_sheet
from ..runtime import Runtime
from ..schema import hazard, unit
from ..schema_imports import imported_hazard, ledger_import
from ..uow import reading, unit_of_work


def _bad(message: str, field: str = "mapping") -> InvalidInput:
    return InvalidInput(message, [Detail(message, field=field)])


def _sheet(rt: Runtime, filename: str, data: bytes) -> Sheet:
    return read_sheet(filename or "", data, rt.settings.max_upload_bytes)


def _column(value: Any, headers: list[str]) -> int | None:
    """A column named by its letter (B), its 0-based index, or its header text."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(headers):
        return value
    if isinstance(value, str):
        text = value.strip()
        letters = [column_letter(i) for i in range(len(headers))]
        if text.upper() in letters:
            return letters.index(text.upper())
        if text in headers:
            return headers.index(text)
    raise _bad(f"映射中的列无法识别：{value}（写列字母如 B，或表头文字）(unknown column)")


def resolve_mapping(sheet: Sheet, given: Mapping[str, Any] | None) -> dict[str, int | None]:
    """The guessed mapping, corrected by ``given`` (field → column); the required fields
    must end up mapped."""
    mapping = guess_mapping(sheet.headers)
    if given is not None:
        if not isinstance(given, Mapping):
            raise _bad("映射须为对象：字段 → 列 (the mapping must be an object)")
        unknown = [k for k in given if k not in FIELDS]
        if unknown:
            raise _bad(f"未知的字段：{'、'.join(map(str, unknown))}（可用：{'、'.join(FIELDS)}）"
                       f" (unknown fields)")
        for name, value in given.items():
            mapping[name] = _column(value, sheet.headers)
    missing = [FIELDS[name][0] for name in REQUIRED if mapping.get(name) is None]
    if missing:
        raise _bad(f"请指定「{'」「'.join(missing)}」所在的列 (map the required columns)")
    used = [c for c in mapping.values() if c is not None]
    if len(used) != len(set(used)):
        raise _bad("同一列不能对应两个字段 (a column serves one field)")
    return mapping


def _columns(sheet: Sheet) -> list[dict[str, Any]]:
    return [{"index": i, "letter": column_letter(i), "header": h}
            for i, h in enumerate(sheet.headers)]


def _mapping_out(mapping: dict[str, int | None]) -> dict[str, str | None]:
    return {k: column_letter(v) if v is not None else None for k, v in mapping.items()}


def import_units(rt: Runtime, actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of the units the actor imports for (the choice when a sheet has no
    unit column)."""
    policy.require_may_import(actor)
    with reading(rt) as conn:
        return _units(conn, actor)


def _units(conn: Connection, actor: Actor) -> list[tuple[str, str]]:
    rows = conn.execute(sa.select(unit.c.code, unit.c.name)
                        .where(unit.c.active.is_(True)).order_by(unit.c.code)).all()
    return [(r.code, r.name) for r in rows if policy.may_import_for(conn, actor, r.code)]


PREVIEW_ROWS = 5


def hold(rt: Runtime, actor: Actor, filename: str, data: bytes) -> dict[str, Any]:
    """The page's first step: read the upload (refused when it is not a readable sheet),
    keep it in the file storage for the next steps (``key``), and answer its columns, the
    guessed mapping and the first rows."""
    policy.require_may_import(actor)
    sheet = _sheet(rt, filename, data)
    key = new_key(rt.now())
    rt.storage.put(key, data)
    first = [line for line in sheet.rows[sheet.header_at + 1:]
             if any(cell_text(v) for v in line)][:PREVIEW_ROWS]
    return {"key": key, "filename": filename, "columns": _columns(sheet),
            "header_row": sheet.header_at + 1,
            "mapping": guess_mapping(sheet.headers),
            "fields": {k: v[0] for k, v in FIELDS.items()}, "required": REQUIRED,
            "preview": [[cell_text(v) for v in line] for line in first]}


def check_held(rt: Runtime, actor: Actor, key: str, filename: str,
               mapping: Mapping[str, Any] | None = None,
               default_unit: str | None = None) -> dict[str, Any]:
    """:func:`check` of a sheet kept by :func:`hold` (the page keeps the key where only its
    user reads it: the signed session)."""
    return check(rt, actor, filename, rt.storage.get(key), mapping, default_unit)


def run_held(rt: Runtime, actor: Actor, key: str, filename: str,
             mapping: Mapping[str, Any] | None = None,
             default_unit: str | None = None) -> dict[str, Any]:
    """:func:`run` of a sheet kept by :func:`hold`; the kept file goes once imported."""
    result = run(rt, actor, filename, rt.storage.get(key), mapping, default_unit)
    rt.storage.delete(key)
    return result


def _checked(rt: Runtime, actor: Actor, filename: str, data: bytes,
             mapping: Mapping[str, Any] | None,
             default_unit: str | None) -> tuple[dict[str, Any], list[ImportRow]]:
    policy.require_may_import(actor)
    sheet = _sheet(rt, filename, data)
    used = resolve_mapping(sheet, mapping)
    sha = hashlib.sha256(data).hexdigest()
    with reading(rt) as conn:
        if default_unit is None and used.get("unit") is None:
            mine = _units(conn, actor)  # one unit to import for: a sheet without units is its
            default_unit = mine[0][0] if len(mine) == 1 else None
        rows = check_rows(conn, actor, sheet, used, sha256=sha,
                          today=rt.calendar.today(rt.now()), default_unit=default_unit)
    if len(rows) > MAX_ROWS:
        raise _bad(f"一次最多导入 {MAX_ROWS} 行，请分表导入 (at most {MAX_ROWS} rows)", "file")
    good = [r for r in rows if r.ok]
    report = {"columns": _columns(sheet), "header_row": sheet.header_at + 1,
              "mapping": _mapping_out(used), "mapped": used,
              "fields": {k: v[0] for k, v in FIELDS.items()}, "sha256": sha,
              "rows": [r.as_dict() for r in rows], "total": len(rows), "good": len(good),
              "bad": len(rows) - len(good),
              "states": {s: sum(1 for r in good if r.state == s) for s in STATES},
              "state_names": STATES, "categories": CATEGORIES, "levels": LEVELS}
    return report, rows


def check(rt: Runtime, actor: Actor, filename: str, data: bytes,
          mapping: Mapping[str, Any] | None = None,
          default_unit: str | None = None) -> dict[str, Any]:
    """The dry run: the columns, the mapping used, each row with its problems; nothing is
    written."""
    return _checked(rt, actor, filename, data, mapping, default_unit)[0]


def run(rt: Runtime, actor: Actor, filename: str, data: bytes,
        mapping: Mapping[str, Any] | None = None,
        default_unit: str | None = None) -> dict[str, Any]:
    """The dry run, then the import of the rows without problems (the others are listed,
    not imported); InvalidInput, writing nothing, when no row can be imported."""
    report, rows = _checked(rt, actor, filename, data, mapping, default_unit)
    good = [r for r in rows if r.ok]
    if not good:
        details = [Detail(f"第 {r.number} 行：{m}", field=f"row {r.number}")
                   for r in rows for m in r.messages()][:200]
        raise InvalidInput("没有可以导入的行，未导入任何隐患 (no row can be imported: nothing "
                           "was written)", details or [Detail("表中没有数据行", field="file")])
    with unit_of_work(rt) as conn:
        job_id = start_job(conn, actor.id, filename=filename or "", sha256=report["sha256"],
                           size=len(data), mapping=report["mapped"], total=len(rows),
                           good=len(good), now=rt.now())
    run_batches(rt, actor, job_id, good, filename or "", report["sha256"])
    return {**report, "import": job(rt, actor, job_id)}


def job(rt: Runtime, actor: Actor, job_id: int) -> dict[str, Any]:
    """An import: who, when, which file, its progress, and each hazard it brought in."""
    with reading(rt) as conn:
        row = conn.execute(sa.select(ledger_import).where(
            ledger_import.c.id == job_id,
            policy.visible_imports(actor, ledger_import.c.created_by))).first()
        if row is None:
            raise NotFound(f"导入记录 {job_id} 不存在 (import {job_id} does not exist)")
        hazards = conn.execute(
            sa.select(imported_hazard.c.row_number, imported_hazard.c.reference,
                      imported_hazard.c.state, hazard.c.code, hazard.c.case_id,
                      hazard.c.status, hazard.c.stage, hazard.c.description)
            .select_from(imported_hazard.join(hazard, hazard.c.id == imported_hazard.c.hazard_id))
            .where(imported_hazard.c.import_id == job_id)
            .order_by(imported_hazard.c.row_number)).all()
    out = {k: v for k, v in row._mapping.items() if k != "mapping"}
    return {**out, "hazards": [dict(h._mapping, state_name=STATES.get(h.state, h.state))
                               for h in hazards]}
