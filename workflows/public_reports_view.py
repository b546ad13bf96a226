"""Public reports as staff see them: the list for the triage desk and one report's page.

Who sees a report is ``policy.visible_reports`` (the county's triage desk, supervisors and
inspectors above the unit; the city's 综合监督科); the contact details are decrypted only
for ``policy.may_see_contact`` (the triage role held at the unit's county). The unit's own
staff never read a report: they see the hazard opened from it, which names no reporter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import MultiFernet
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Engine, NotFound

from . import case_record, evidence, policy
from .calendar import BusinessCalendar
from .ledger import LEVELS, hazard_for_case
from .public_reports import FINDINGS, STATUSES
from .public_reports_keys import decrypt_contact
from .schema import hazard, unit
from .schema_reports import public_report, public_report_link, public_report_photo

PAGE_SIZE = 50


def _columns() -> list[Any]:
    return [public_report.c.id, public_report.c.code, public_report.c.status,
            public_report.c.finding, public_report.c.place, public_report.c.description,
            public_report.c.anonymous, public_report.c.reporter_known,
            public_report.c.created_at, public_report.c.updated_at, public_report.c.closed_at,
            public_report.c.case_id, public_report.c.hazard_id, public_report.c.county_code,
            public_report.c.hazard_level, unit.c.code.label("unit_code"),
            unit.c.name.label("unit_name")]


def _named(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    out["status_name"] = STATUSES.get(out["status"], out["status"])
    out["finding_name"] = FINDINGS.get(out["finding"] or "", "")
    return out


def list_reports(conn: Connection, actor: Actor, *, status: str | None = None,
                 offset: int = 0) -> dict[str, Any]:
    """The reports ``actor`` may see, newest first (``status``: only those), with counts
    of 疑似重复 links."""
    policy.require(actor, "report.triage")
    where = [policy.visible_reports(actor)]
    if status in STATUSES:
        where.append(public_report.c.status == status)
    query = sa.select(*_columns()).join(unit, unit.c.id == public_report.c.unit_id) \
        .where(*where)
    total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    rows = [_named(r) for r in conn.execute(query.order_by(public_report.c.id.desc())
                                            .limit(PAGE_SIZE).offset(max(0, offset)))]
    linked = _duplicate_counts(conn, [r["id"] for r in rows])
    for row in rows:
        row["duplicates"] = linked.get(row["id"], 0)
    return {"reports": rows, "total": total, "status": status if status in STATUSES else None}


def _duplicate_counts(conn: Connection, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    counts: dict[int, int] = {}
    for mine, other in conn.execute(sa.select(public_report_link.c.report_id,
                                              public_report_link.c.other_id).where(
            sa.or_(public_report_link.c.report_id.in_(ids),
                   public_report_link.c.other_id.in_(ids)))):
        for key in (mine, other):
            if key in ids:
                counts[key] = counts.get(key, 0) + 1
    return counts


def report_detail(conn: Connection, engine: Engine, actor: Actor, ring: MultiFernet,
                  calendar: BusinessCalendar, report_id: int) -> dict[str, Any]:
    """One report for staff: what was reported, the photos, the contact details (only for
    the triage role of the unit's county), the 疑似重复 links, the linked hazard, the
    triage record and the internal notes."""
    policy.require(actor, "report.triage")
    policy.require_visible_report(conn, actor, report_id)
    row = conn.execute(sa.select(*_columns(), public_report.c.contact_enc,
                                 public_report.c.reject_reason, public_report.c.finding_note,
                                 public_report.c.public_reply, public_report.c.channel)
                       .join(unit, unit.c.id == public_report.c.unit_id)
                       .where(public_report.c.id == report_id)).one()
    out = _named(row)
    token = out.pop("contact_enc")
    out["may_see_contact"] = policy.may_see_contact(actor, row.county_code)
    out["contact"] = decrypt_contact(ring, token) if out["may_see_contact"] else None
    photo_ids = conn.execute(sa.select(public_report_photo.c.evidence_id).where(
        public_report_photo.c.report_id == report_id)
        .order_by(public_report_photo.c.position)).scalars().all()
    out["photos"] = [e for e in (evidence.get_evidence(conn, i) for i in photo_ids) if e]
    out["links"] = _links(conn, actor, report_id)
    out["hazard"] = _hazard(conn, actor, row.hazard_id)
    out["level_name"] = LEVELS.get(row.hazard_level or "", "")
    try:
        out["record"] = case_record.case_record(conn, engine, actor, row.case_id, calendar) \
            if row.case_id else []
    except NotFound:  # a city reader who never worked on the case sees the report, not steps
        out["record"] = []
    return out


def _links(conn: Connection, actor: Actor, report_id: int) -> list[dict[str, Any]]:
    """The reports linked as 疑似重复 (either way) that ``actor`` may see."""
    link = public_report_link
    other = sa.case((link.c.report_id == report_id, link.c.other_id),
                    else_=link.c.report_id)
    rows = conn.execute(sa.select(public_report.c.id, public_report.c.code,
                                  public_report.c.status, public_report.c.created_at,
                                  link.c.score)
                        .join(public_report, public_report.c.id == other)
                        .where(sa.or_(link.c.report_id == report_id,
                                      link.c.other_id == report_id),
                               policy.visible_reports(actor))
                        .order_by(public_report.c.id)).all()
    return [{**dict(r._mapping), "status_name": STATUSES.get(r.status, r.status)}
            for r in rows]


def _hazard(conn: Connection, actor: Actor, hazard_id: int | None) -> dict[str, Any] | None:
    """The linked hazard's ledger row (whoever may see the report sees what became of it);
    ``may_open``: whether ``actor`` may open its case page too."""
    if hazard_id is None:
        return None
    case_id = conn.execute(sa.select(hazard.c.case_id).where(hazard.c.id == hazard_id)) \
        .scalar_one()
    found = hazard_for_case(conn, int(case_id))
    if found is None:
        return None
    found["may_open"] = conn.execute(sa.select(hazard.c.id).where(
        hazard.c.id == hazard_id, policy.visible_hazards(actor))).first() is not None
    return found


def report_for_hazard(conn: Connection, hazard_id: int) -> dict[str, Any] | None:
    """The report a hazard was opened from (its code and status; never who reported)."""
    row = conn.execute(sa.select(public_report.c.id, public_report.c.code,
                                 public_report.c.status).where(
        public_report.c.hazard_id == hazard_id)).first()
    return dict(row._mapping) if row else None


def report_panel(conn: Connection, actor: Actor, case_id: int) -> dict[str, Any] | None:
    """What a case's or a task's page shows of the public report it rests on, for ``actor``
    (who may already see the case): on the report's own triage case, the report as filed
    (place, text, photos, when; ``kind`` ``triage``); on a hazard case opened from a report,
    ``kind`` ``source`` with the report's id and code only for those who may read reports
    (``policy.visible_reports``). Never who reported or how to reach them; None otherwise."""
    columns = [public_report.c.id, public_report.c.code, public_report.c.place,
               public_report.c.description, public_report.c.created_at,
               public_report.c.status, public_report.c.finding,
               unit.c.name.label("unit_name")]
    readable = policy.visible_reports(actor)
    row = conn.execute(sa.select(*columns).join(unit, unit.c.id == public_report.c.unit_id)
                       .where(public_report.c.case_id == case_id, readable)).first()
    if row is not None:
        photo_ids = conn.execute(sa.select(public_report_photo.c.evidence_id).where(
            public_report_photo.c.report_id == row.id)
            .order_by(public_report_photo.c.position)).scalars().all()
        return {**_named(row), "kind": "triage",
                "photos": [e for e in (evidence.get_evidence(conn, i) for i in photo_ids) if e]}
    source = conn.execute(sa.select(hazard.c.id).where(
        hazard.c.case_id == case_id, hazard.c.source == "public_report")).scalar()
    if source is None:
        return None
    found = conn.execute(sa.select(public_report.c.id, public_report.c.code).where(
        public_report.c.hazard_id == source, readable)).first()
    return {"kind": "source", "id": found.id if found else None,
            "code": found.code if found else None}


def handling(conn: Connection, where: Any, since: datetime, until: datetime) -> dict[str, Any]:
    """举报办结率 and average handling time of the reports matching ``where`` (the reader's
    visibility or a report's units): ``received`` in [``since``, ``until``), ``closed`` of
    those by ``until``, ``rate`` = closed / received in percent, and ``avg_days``: the
    average days from filing to closure of the reports closed in the period (whenever
    filed)."""
    r = public_report.c
    received, closed = conn.execute(sa.select(sa.func.count(), sa.func.count(r.closed_at).filter(
        r.closed_at < until)).where(where, r.created_at >= since, r.created_at < until)).one()
    spans = [(done - filed).total_seconds() for filed, done in conn.execute(
        sa.select(r.created_at, r.closed_at).where(
            where, r.closed_at.is_not(None), r.closed_at >= since, r.closed_at < until))]
    return {"received": int(received), "closed": int(closed),
            "rate": round(100.0 * closed / received, 1) if received else None,
            "avg_days": round(sum(spans) / len(spans) / 86400, 1) if spans else None,
            "closed_in_period": len(spans)}
