"""Service-task handlers of the triage process (``bpmn/report_triage.bpmn``).

=============================  =================  =========================================
topic                          sets               does
=============================  =================  =========================================
``public_report.record``       ``report_status``  param ``status``: ``verifying``
                                                  (accepted), ``rejected`` (with
                                                  ``accept_reason``, internal) or
                                                  ``closed`` (with ``public_reply``)
``public_report.verified``     ``report_status``  records 属实/不属实 and the inspector's
                               ``hazard_case_id`` reasoning (internal); 属实 registers a
                                                  hazard (source 群众举报) through the
                                                  hazard registration use-case, in the
                                                  inspector's name, linked to the report;
                                                  the reporter is named nowhere the unit
                                                  can read
``public_report.remind``       —                  params ``recipients`` (candidate syntax)
                                                  and ``kind`` (report_accept_due |
                                                  report_close_due)
=============================  =================  =========================================

``public_report.verified`` needs the engine (it starts the hazard case in the step's
transaction): :func:`register_public_report_handlers` binds it, as the report rounds do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from hazardflow.engine import SYSTEM, Actor, Engine, InvalidInput, ServiceCall

from . import evidence
from .authority import last_performer
from .notifications import KINDS as NOTIFICATION_KINDS
from .notifications import add_notification
from .phrases import phrase
from .resolver import OrgResolver, split_candidates
from .schema_reports import public_report, public_report_photo
from .users import actor_for

REPORT_NOTIFICATIONS = {"report_accept_due": "举报受理期限已到",
                        "report_close_due": "举报办结期限已到"}
RECORDED = {"verifying", "rejected", "closed"}
_resolver = OrgResolver()


def _report(call: ServiceCall) -> Mapping[str, Any]:
    found = call.conn.execute(sa.select(public_report).where(
        public_report.c.case_id == call.case_id)).first()
    if found is None:
        raise ValueError("this case has no public report (started by hand?)")
    return dict(found._mapping)


def _text(call: ServiceCall, name: str) -> str | None:
    value = call.data.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def record(call: ServiceCall) -> dict[str, Any]:
    status = str(call.params.get("status") or "")
    if status not in RECORDED:
        raise ValueError(f"status must be one of {', '.join(sorted(RECORDED))}, not {status!r}")
    row = _report(call)
    values: dict[str, Any] = {"status": status, "updated_at": call.now}
    if status == "verifying":
        values["accepted_at"] = call.now
    elif status == "rejected":
        values["reject_reason"] = _text(call, "accept_reason")
    else:
        values["public_reply"] = _text(call, "public_reply")
        values["closed_at"] = call.now
    call.conn.execute(sa.update(public_report).where(public_report.c.id == row["id"])
                      .values(**values))
    return {"report_status": status}


def _verifier(call: ServiceCall) -> Actor:
    """Who completed the verification (the handler may run in a worker, as SYSTEM)."""
    if call.actor.id != SYSTEM.id:
        return call.actor
    username = last_performer(call.conn, call.case_id, ["Task_Verify"])
    if not username:
        raise ValueError("no one completed Task_Verify")
    return actor_for(call.conn, username)


class TriageHandlers:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def verified(self, call: ServiceCall) -> dict[str, Any]:
        row = _report(call)
        result = call.data.get("verify_result")
        if result not in ("substantiated", "unfounded"):
            raise ValueError(f"verify_result must be substantiated or unfounded, not {result!r}")
        values: dict[str, Any] = {"status": result, "finding": result, "updated_at": call.now,
                                  "finding_note": _text(call, "finding_note")}
        out: dict[str, Any] = {"report_status": result}
        if result == "substantiated" and row["hazard_id"] is None:
            hazard_row = self._open_hazard(call, row)
            values.update(hazard_id=hazard_row["id"], hazard_level=hazard_row["level"])
            out["hazard_case_id"] = hazard_row["case_id"]
        call.conn.execute(sa.update(public_report).where(public_report.c.id == row["id"])
                          .values(**values))
        return out

    def _open_hazard(self, call: ServiceCall, row: Mapping[str, Any]) -> Mapping[str, Any]:
        from .cases import start_case  # cases imports the runtime, which imports us
        from .runtime import HAZARD_PROCESS

        actor = _verifier(call)
        site = call.data.get("photos_site")
        refs = list(site) if isinstance(site, list) and site else [
            evidence.ref(i) for i in call.conn.execute(sa.select(
                public_report_photo.c.evidence_id).where(
                public_report_photo.c.report_id == row["id"])
                .order_by(public_report_photo.c.position)).scalars()]
        photos = evidence.copy_as_uploads(call.conn, refs, actor.id, call.now)
        if not photos:
            raise InvalidInput("核查属实须上传现场照片（举报人未提供照片） (a photo is needed)")
        text = _text(call, "hazard_description") or row["description"]
        data = {"unit_code": call.data.get("unit_code"),
                "location": (_text(call, "location") or row["place"])[:500],
                "category": call.data.get("category"), "level": call.data.get("level"),
                "description": f"{text}（群众举报核查属实）", "photos_before": photos,
                "source": "public_report"}
        started = start_case(call.conn, self.engine, actor, HAZARD_PROCESS, data)
        hazard_row: Mapping[str, Any] = started["hazard"]
        return hazard_row


# what the handlers of a public report are reminded of (workflows/phrases.py)
REMIND_TEXTS: dict[str, str] = {
    "title": "【%(kind)s】群众举报 %(code)s",
    "accept": "群众举报 %(code)s（%(place)s）应于收到后3个工作日内受理。",
    "conclude": "群众举报 %(code)s（%(place)s）应于收到后30日内办结。",
}


def remind(call: ServiceCall) -> None:
    kind = str(call.params.get("kind") or "report_accept_due")
    if kind not in REPORT_NOTIFICATIONS:
        raise ValueError(f"kind must be one of {', '.join(REPORT_NOTIFICATIONS)}")
    row = _report(call)
    if row["status"] in ("closed", "rejected") and kind == "report_accept_due":
        return
    t = REMIND_TEXTS
    title = phrase(t["title"], words=("kind",), kind=REPORT_NOTIFICATIONS[kind],
                   code=str(row["code"]))
    body = phrase(t["accept" if kind == "report_accept_due" else "conclude"],
                  code=str(row["code"]), place=str(row["place"]))
    recipients = str(call.params.get("recipients") or "report_triage@county")
    grants = [g for item in split_candidates(recipients)
              for g in _resolver.resolve(item, call.data, call.conn)]
    for grant in dict.fromkeys(grants):
        add_notification(call.conn, kind=kind, title=title, body=body, now=call.now,
                         grant=grant, case_id=call.case_id)


def register_public_report_handlers(engine: Engine) -> None:
    """Add the triage topics to ``engine``'s registry (``report.verified`` needs the engine)."""
    for key, name in REPORT_NOTIFICATIONS.items():
        NOTIFICATION_KINDS.setdefault(key, name)
    registry = engine.handlers
    registry.register("public_report.record", record, ("report_status",))
    registry.register("public_report.verified", TriageHandlers(engine).verified,
                      ("report_status", "hazard_case_id"))
    registry.register("public_report.remind", remind)
