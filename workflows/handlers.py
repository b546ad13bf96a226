"""Service-task handlers of the hazard workflows (``camunda:topic`` → function).

Each handler runs inside the engine's transaction (``call.conn``) and returns the case
variables it sets. A handler with a date rule (a document's year) takes the engine's
business calendar too: :func:`register_handlers` binds it (``build_engine`` passes the
calendar of ``HAZARDFLOW_BUSINESS_TZ``, the one its timers follow). The topics and their
outputs:

=============================  ===============  ============================================
topic                          sets             does
=============================  ===============  ============================================
``hazard.number_notice``       ``notice_no``    numbers a 整改通知书 from the supervising
                                                body: ``金安卫健整改〔2026〕7号``
``notify``                     —                params ``recipients`` (candidate syntax,
                                                comma list; ``assignee`` is the
                                                responsible user) and ``kind``;
                                                ``once_per`` (also on the letter and the
                                                通报) names a variable: once per value
``hazard.supervision_letter``  ``letter_no``    numbers a 督办函 from the city and notifies
                                                the city supervisors and the unit principal
``hazard.publish_notice``      —                publishes (通报) the hazard: visible to its
                                                unit; notifies principal and county
``hazard.reclassify``          ``level``        applies ``data["reclassify"]`` =
                                                ``{"level": ..., "reason": ...}``; back to
                                                一般, a listed hazard is delisted (摘牌)
``hazard.close``               ``outcome``      ``closed``
``hazard.void``                ``outcome``      ``voided``; a listed hazard is delisted
=============================  ===============  ============================================

Who found and who ordered (``hazard.record_finding``, ``hazard.record_order``) are in
:mod:`~hazardflow.workflows.authority`; the 挂牌督办 register (``hazard.list_supervision``,
``hazard.delist``) in :mod:`~hazardflow.workflows.supervision`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from hazardflow.engine.services import Grant, HandlerRegistry, ServiceCall

from .authority import FINDING_OUTPUTS, ORDER_OUTPUTS, record_finding, record_order
from .calendar import BusinessCalendar
from .counters import next_value
from .ladder import superseded
from .ledger import CATEGORIES, LEVELS, hazard_for_case
from .ledger_import import current_import
from .notifications import add_notification, kind_name
from .phrases import Value, joined, phrase
from .resolver import OrgResolver, split_candidates
from .schema import app_user, escalation_sent, hazard
from .supervision import delist, delist_case, list_hazard
from .units import Unit, city_unit, county_of, require_unit

_resolver = OrgResolver()
R = TypeVar("R")


def _case_unit(call: ServiceCall, row: Mapping[str, Any] | None) -> Unit:
    code = row["unit_code"] if row else call.data.get("unit_code")
    if not isinstance(code, str) or not code:
        raise ValueError("the case data has no unit_code")
    return require_unit(call.conn, code)


# what a hazard's notice says (workflows/phrases.py)
HAZARD_TEXTS: dict[str, str] = {
    "title": "【%(kind)s】隐患 %(code)s",
    "body": "隐患 %(code)s（%(summary)s）%(message)s。",
    "deadline": "%(parts)s；整改期限 %(deadline)s",
    "case": "案件%(case)s",
}


def _summary(call: ServiceCall, row: Mapping[str, Any] | None,
             where: Unit) -> tuple[Value, Value]:
    """(hazard code, one-line description) for notification texts."""
    code: Value = row["code"] if row else str(call.data.get("hazard_code") or "") \
        or phrase(HAZARD_TEXTS["case"], case=str(call.case_id))
    source = row if row else call.data
    level = LEVELS.get(str(source.get("level")), "")
    category = str(source.get("category") or "")
    parts = joined([(where.name, False), (str(source.get("location") or ""), False),
                    (CATEGORIES.get(category, category), True), (level, True)])
    deadline = source.get("deadline")
    if deadline:
        return code, phrase(HAZARD_TEXTS["deadline"], parts=parts, deadline=str(deadline))
    return code, parts


def _notify(call: ServiceCall, kind: str, recipients: str, message: str = "") -> int:
    """Notify the recipients (candidate syntax or ``assignee``); returns how many rows."""
    row = hazard_for_case(call.conn, call.case_id)
    where = _case_unit(call, row)
    code, summary = _summary(call, row, where)
    title = phrase(HAZARD_TEXTS["title"], words=("kind",), kind=kind_name(kind), code=code)
    body = phrase(HAZARD_TEXTS["body"], words=("message",), code=code, summary=summary,
                  message=message or kind_name(kind))
    data = dict(call.data, unit_code=where.code)
    count = 0
    for item in split_candidates(recipients):
        if item == "assignee":
            user_id = _user_id(call.conn, data.get("responsible_user"))
            add_notification(call.conn, kind=kind, title=title, body=body, now=call.now,
                             user_id=user_id, case_id=call.case_id)
            count += 1
            continue
        grants: list[Grant] = _resolver.resolve(item, data, call.conn)
        for grant in grants:
            add_notification(call.conn, kind=kind, title=title, body=body, now=call.now,
                             grant=grant, case_id=call.case_id)
            count += 1
    return count


def _user_id(conn: Connection, username: Any) -> int:
    if not isinstance(username, str) or not username:
        raise ValueError("recipient 'assignee' needs responsible_user in the case data")
    found = conn.execute(select(app_user.c.id).where(app_user.c.username == username)).scalar()
    if found is None:
        raise ValueError(f"responsible_user {username!r} is not a known user")
    return int(found)


def _document_no(call: ServiceCall, calendar: BusinessCalendar, issuer: Unit, word: str) -> str:
    year = calendar.year_of(call.now)
    n = next_value(call.conn, f"{word}:{issuer.code}:{year}")
    return f"{issuer.issuer_name}{word}〔{year}〕{n}号"


def number_notice(call: ServiceCall, calendar: BusinessCalendar) -> dict[str, Any]:
    """整改通知书 number from the supervising county (or the city): 金安卫健整改〔2026〕7号."""
    row = hazard_for_case(call.conn, call.case_id)
    if current_import() is not None:  # an import numbers nothing: the sheet's number is kept
        return {"notice_no": None}
    issuer = county_of(call.conn, _case_unit(call, row).code)
    notice_no = _document_no(call, calendar, issuer, "整改")
    if row:
        # the notice goes to the unit: an unannounced finding is hidden from it no longer
        call.conn.execute(update(hazard).where(hazard.c.id == row["id"]).values(
            notice_no=notice_no, visible_to_unit=True, updated_at=call.now))
    return {"notice_no": notice_no}


def first_time(call: ServiceCall) -> bool:
    """False when this step already ran for the value its ``once_per`` parameter names.

    The escalation ladder marks its steps ``once_per = deadline``: a rectification re-entered
    after a failed verification restarts its timers, and rungs whose time has passed would
    fire again; each is taken once per deadline (a new, extended deadline re-arms them).
    A rung superseded by a later one already due when the ladder was armed (a deadline
    already passed: :mod:`~hazardflow.workflows.ladder`) is recorded as skipped, not sent.
    """
    variable = call.params.get("once_per")
    if not variable:
        return True
    key = str(call.data.get(str(variable)))
    done = call.conn.execute(select(escalation_sent.c.id).where(
        escalation_sent.c.case_id == call.case_id,
        escalation_sent.c.element_id == call.element_id,
        escalation_sent.c.once_key == key)).first()
    if done is not None:
        return False
    skipped = superseded(call.conn, call.case_id, call.element_id, dict(call.params), call.now,
                         str(variable))
    call.conn.execute(insert(escalation_sent).values(
        case_id=call.case_id, element_id=call.element_id, once_key=key, sent_at=call.now,
        skipped=skipped))
    return not skipped


def issued_in_import(call: ServiceCall) -> bool:
    """True (and the rung recorded as skipped) when an import drives the case: an import
    issues no 督办函 and publishes no 通报 (:mod:`~hazardflow.workflows.ledger_import`)."""
    if current_import() is None:
        return False
    variable = call.params.get("once_per")
    key = str(call.data.get(str(variable))) if variable else ""
    done = call.conn.execute(select(escalation_sent.c.id).where(
        escalation_sent.c.case_id == call.case_id,
        escalation_sent.c.element_id == call.element_id,
        escalation_sent.c.once_key == key)).first()
    if done is None:
        call.conn.execute(insert(escalation_sent).values(
            case_id=call.case_id, element_id=call.element_id, once_key=key,
            sent_at=call.now, skipped=True))
    return True


def notify(call: ServiceCall) -> None:
    if not first_time(call):
        return
    recipients = call.params.get("recipients")
    kind = call.params.get("kind")
    if not isinstance(recipients, str) or not recipients.strip():
        raise ValueError("notify needs the parameter 'recipients'")
    if not isinstance(kind, str):
        raise ValueError("notify needs the parameter 'kind'")
    kind_name(kind)
    _notify(call, kind, recipients)


def supervision_letter(call: ServiceCall, calendar: BusinessCalendar) -> dict[str, Any]:
    """督办函 numbered by the city commission; tells the city supervisors and the principal."""
    if issued_in_import(call) or not first_time(call):
        return {}
    letter_no = _document_no(call, calendar, city_unit(call.conn), "督办")
    _notify(call, "supervision_letter", "city_supervisor@city, principal@unit",
            f"已由市卫健委下发督办函 {letter_no}，请按期整改")
    return {"letter_no": letter_no}


def publish_notice(call: ServiceCall) -> None:
    """通报: publish the hazard (an unannounced finding becomes visible to its unit)."""
    if issued_in_import(call) or not first_time(call):
        return
    row = hazard_for_case(call.conn, call.case_id)
    if row:
        call.conn.execute(update(hazard).where(hazard.c.id == row["id"]).values(
            visible_to_unit=True, published_at=call.now, updated_at=call.now))
    _notify(call, "publish", "principal@unit, county_supervisor@county", "已予通报")


def reclassify(call: ServiceCall) -> dict[str, Any]:
    """Change the level from ``data["reclassify"]`` = {"level": ..., "reason": ...}."""
    change = call.data.get("reclassify")
    if not isinstance(change, Mapping):
        raise ValueError("reclassify needs data['reclassify'] = {'level': ..., 'reason': ...}")
    level = change.get("level")
    reason = change.get("reason")
    if level not in LEVELS:
        raise ValueError(f"unknown hazard level {level!r}; use general or major")
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("a reason is required to change a hazard's level")
    call.conn.execute(update(hazard).where(hazard.c.case_id == call.case_id).values(
        level=level, updated_at=call.now))
    if level == "general":
        delist_case(call.conn, call.case_id, by=call.actor, at=call.now,
                    reason=f"重新定级为一般隐患：{reason.strip()}")
    return {"level": level}


def close(call: ServiceCall) -> dict[str, Any]:
    return {"outcome": "closed"}


def void(call: ServiceCall) -> dict[str, Any]:
    change = call.data.get("void")
    reason = str(change.get("reason") or "") if isinstance(change, Mapping) else ""
    delist_case(call.conn, call.case_id, by=call.actor, at=call.now,
                reason=f"隐患作废：{reason.strip()}")
    return {"outcome": "voided"}


def on_calendar(handler: Callable[[ServiceCall, BusinessCalendar], R],
                calendar: BusinessCalendar) -> Callable[[ServiceCall], R]:
    """``handler`` with its business calendar bound: what the registry calls."""
    def bound(call: ServiceCall) -> R:
        return handler(call, calendar)
    return bound


def register_handlers(registry: HandlerRegistry, calendar: BusinessCalendar) -> None:
    """The hazard topics; those with a date rule follow ``calendar`` (the engine's)."""
    registry.register("hazard.number_notice", on_calendar(number_notice, calendar),
                      ("notice_no",))
    registry.register("notify", notify)
    registry.register("hazard.supervision_letter", on_calendar(supervision_letter, calendar),
                      ("letter_no",))
    registry.register("hazard.publish_notice", publish_notice)
    registry.register("hazard.reclassify", reclassify, ("level",))
    registry.register("hazard.close", close, ("outcome",))
    registry.register("hazard.void", void, ("outcome",))
    registry.register("hazard.record_finding", on_calendar(record_finding, calendar),
                      FINDING_OUTPUTS)
    registry.register("hazard.record_order", on_calendar(record_order, calendar), ORDER_OUTPUTS)
    registry.register("hazard.list_supervision", list_hazard)
    registry.register("hazard.delist", delist)
