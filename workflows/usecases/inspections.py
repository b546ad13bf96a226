"""Inspections: recording one (the inspection, its results and a hazard case per failed item
in one unit of work), reading it, publishing an unannounced visit's findings, and issuing
the notice and the opinion that list every hazard it found.

Who may do what is asked of ``workflows.policy`` here: recording needs a role that records
that kind of inspection (:data:`~hazardflow.workflows.policy.RECORDING_ROLES`) at a unit in
the actor's scope; publishing is the city's (``campaign.manage``) or the body's that made it
(``policy.require_may_publish``); issuing documents needs
``inspection.issue``, and signing for the body that ordered or re-checked the hazards
(``policy.may_sign_for``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Detail, InvalidInput

from .. import campaigns, inspection_documents, inspection_links, inspections, policy
from ..documents import Document
from ..runtime import Runtime
from ..units import unit_names
from ..uow import reading, unit_of_work
from .documents import public_base

MAX_ID = 2**31 - 1  # ids are 32-bit INTEGER columns


def _text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        message = f"{field} 须为文本 ({field} is text)"
        raise InvalidInput(message, [Detail(message, field=field)])
    return value


def _id_or_none(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    message = f"{field} 须为编号 ({field} is a number)"
    raise InvalidInput(message, [Detail(message, field=field)])


def record(rt: Runtime, actor: Actor, *, unit_code: str, kind: str, checklist_code: str,
           results: Sequence[Mapping[str, Any]], campaign_code: str | None = None,
           location: str = "", summary: str = "", inspected_on: str | None = None,
           spot_check_id: int | str | None = None,
           checklist_version: int | str | None = None) -> dict[str, Any]:
    """Record an inspection; every failed item opens a hazard case. Returns the inspection.
    ``checklist_version``: the checklist's version the inspection was started on (the form's),
    kept when the checklist has changed since; default the current one."""
    inspections.check_kind(kind)
    policy.require_may_record(actor, kind,
                              f"记录{inspections.KINDS[kind]} (record this kind of inspection)")
    if not isinstance(results, Sequence) or isinstance(results, str):
        raise InvalidInput("results 须为列表 (results is a list)",
                           [Detail("results 须为列表 (results is a list)", field="results")])
    check_id = _id_or_none(spot_check_id, "spot_check_id")
    version = _id_or_none(checklist_version, "checklist_version")
    with unit_of_work(rt) as conn:
        where = inspections.inspected_unit(conn, unit_code)
        policy.require_unit_in_scope(conn, actor, where.code, "记录该单位的检查")
        _, body = policy.acting_body(conn, actor, where.code, own_finding=kind == "self")
        repeats = inspection_links.check_repeats(conn, actor, where.code, results)
        found = inspections.record_inspection(
            conn, rt.engine, actor, unit_code=where.code, kind=kind,
            checklist_code=_text(checklist_code, "checklist_code"), results=results,
            campaign_code=campaign_code or None, location=_text(location, "location"),
            summary=_text(summary, "summary"), inspected_on=inspected_on,
            spot_check_id=check_id, checklist_version=version, calendar=rt.calendar)
        inspection_links.record(conn, found, body, repeats)
        return _linked(conn, found)


def new_inspection(rt: Runtime, actor: Actor, checklist_code: str,
                   version: int | str | None = None) -> dict[str, Any]:
    """What the page recording an inspection offers: the checklist (at ``version``, the one
    a form being filled in started with; default the current one), the other checklists and
    the campaigns."""
    wanted = _id_or_none(version, "checklist_version")
    with reading(rt) as conn:
        return {"checklist": campaigns.get_checklist(conn, checklist_code, wanted),
                "checklists": campaigns.list_checklists(conn),
                "campaigns": campaigns.list_campaigns(conn)}


def _linked(conn: Connection, found: dict[str, Any]) -> dict[str, Any]:
    """The inspection with the body it was made for and each result's repeated hazard."""
    repeats = inspection_links.repeats_in(conn, found["id"])
    return {**found, "body_code": inspection_links.body_of(conn, found["id"]),
            "results": [{**r, "repeat_of": repeats.get(r["item_id"])}
                        for r in found["results"]]}


def get(rt: Runtime, actor: Actor, inspection_id: int) -> dict[str, Any]:
    """The inspection and its results (NotFound unless the actor may see it)."""
    with reading(rt) as conn:
        return _linked(conn, inspections.get_inspection(conn, actor, inspection_id))


def inspection_page(rt: Runtime, actor: Actor, inspection_id: int) -> dict[str, Any]:
    """The inspection and the documents that list every hazard it found; who made it for
    and in which campaign by name (``body_name``, ``campaign_name``)."""
    with reading(rt) as conn:
        found = _linked(conn, inspections.get_inspection(conn, actor, inspection_id))
        body, code = found["body_code"], found["campaign_code"]
        named = {"body_name": unit_names(conn, [body]).get(body, body) if body else None,
                 "campaign_name": campaigns.get_campaign(conn, code)["name"] if code else None}
        return {"inspection": {**found, **named},
                "may_publish": policy.may_publish(conn, actor, found["unit_code"],
                                                  found["body_code"]),
                "documents": inspection_documents.inspection_documents(conn, inspection_id)}


def publish(rt: Runtime, actor: Actor, inspection_id: int) -> int:
    """Make the inspection and its hazards visible to the unit it visited (journaled): the
    city, or the body it was made in the name of (a county's own 暗访). Returns how many
    hazards became visible."""
    with unit_of_work(rt) as conn:
        found = inspections.get_inspection(conn, actor, inspection_id)
        policy.require_may_publish(conn, actor, found["unit_code"],
                                   inspection_links.body_of(conn, inspection_id))
        return inspections.publish_inspection(conn, inspection_id, actor=actor.id,
                                              now=rt.now())


def issue_notice(rt: Runtime, actor: Actor, inspection_id: int,
                 request_base: str | None = None) -> Document:
    """One notice listing the hazards the inspection found and their ordering body ordered
    rectified, in its name (the same one if issued)."""
    policy.require(actor, "inspection.issue")
    with unit_of_work(rt) as conn:
        return inspection_documents.issue_notice(conn, actor, inspection_id, rt.now(),
                                                 rt.calendar, public_base(rt, request_base))


def issue_opinion(rt: Runtime, actor: Actor, inspection_id: int,
                  request_base: str | None = None) -> Document:
    """One re-check opinion over every hazard the inspection found, in the re-checking
    body's name."""
    policy.require(actor, "inspection.issue")
    with unit_of_work(rt) as conn:
        return inspection_documents.issue_opinion(conn, actor, inspection_id, rt.now(),
                                                  rt.calendar, public_base(rt, request_base))
