"""Campaigns (专项行动) and the city's oversight: campaigns and their progress, checklists,
the consolidated periodic reports, spot-check draws and their 通报, and the annual assessment
with its Excel exports.

Each function checks authorisation itself against ``workflows.policy`` and runs in one unit
of work (or one read transaction): creating a campaign, drawing, assigning and publishing
spot checks need ``campaign.manage``; an unpublished draw exists only for the city
(:func:`~hazardflow.workflows.policy.require_visible_draw`); reports, progress and the
assessment show each actor the units they may see.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Detail, InvalidInput, NotFound

from .. import assessment as scoring
from .. import campaigns, inspections, policy, report_document, reports, spotchecks
from ..exports import Sheet
from ..runtime import Runtime
from ..units import get_unit_by_code, unit_names
from ..uow import reading, unit_of_work

MAX_ID = 2**31 - 1  # ids are 32-bit INTEGER columns


@dataclass(frozen=True)
class Export:
    """A sheet to download (and more after it), and the file's name."""

    filename: str
    sheet: Sheet
    more: tuple[Sheet, ...] = ()


def _bad(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, [Detail(message, field=field)])


# -- campaigns ---------------------------------------------------------------------------

def list_campaigns(rt: Runtime, actor: Actor) -> list[dict[str, Any]]:
    with reading(rt) as conn:
        return campaigns.list_campaigns(conn)


def overview(rt: Runtime, actor: Actor) -> dict[str, Any]:
    """The campaigns and the checklists."""
    with reading(rt) as conn:
        return {"campaigns": campaigns.list_campaigns(conn),
                "checklists": campaigns.list_checklists(conn)}


def create_campaign(rt: Runtime, actor: Actor, *, code: str, name: str, starts_on: str,
                    ends_on: str, themes: Sequence[campaigns.Theme],
                    unit_codes: Iterable[str] | None = None,
                    description: str = "") -> dict[str, Any]:
    """A campaign (the city's); ``unit_codes`` None: every reporting unit takes part."""
    policy.require(actor, "campaign.manage")
    if unit_codes is not None and (isinstance(unit_codes, str)
                                   or not isinstance(unit_codes, Iterable)):
        raise _bad("参与单位须为单位编码列表 (units is a list of unit codes)", "units")
    with unit_of_work(rt) as conn:
        campaigns.create_campaign(conn, code=code.strip(), name=name, starts_on=starts_on,
                                  ends_on=ends_on, themes=themes, unit_codes=unit_codes,
                                  created_by=actor.id, now=rt.now(), description=description)
        return campaigns.get_campaign(conn, code.strip())


def progress(rt: Runtime, actor: Actor, code: str) -> dict[str, Any]:
    """A campaign's progress by unit and theme, over the units the actor may see."""
    with reading(rt) as conn:
        return campaigns.progress(conn, actor, code, rt.calendar.today(rt.now()))


def campaign_page(rt: Runtime, actor: Actor, code: str) -> dict[str, Any]:
    """The progress and the latest inspections of the campaign the actor may see."""
    with reading(rt) as conn:
        return {"progress": campaigns.progress(conn, actor, code, rt.calendar.today(rt.now())),
                "inspections": inspections.list_inspections(conn, actor, campaign_code=code,
                                                            limit=50)}


def checklist(rt: Runtime, actor: Actor, code: str) -> dict[str, Any]:
    with reading(rt) as conn:
        return campaigns.get_checklist(conn, code)


# -- reports -----------------------------------------------------------------------------

def consolidated_report(rt: Runtime, actor: Actor, kind: str, period: str,
                        under: str | None = None) -> dict[str, Any]:
    """The reports of a period made to the body ``under`` (default: the actor's own body,
    :func:`~hazardflow.workflows.policy.home_body`) that the actor may see, and their
    totals."""
    with reading(rt) as conn:
        return reports.consolidated(conn, actor, kind, period, rt.now(), rt.calendar,
                                    _under(conn, actor, under))


def report_page(rt: Runtime, actor: Actor, kind: str, period: str | None = None,
                under: str | None = None) -> dict[str, Any]:
    """The consolidated view of ``period`` (default: the latest with reports, else the
    last one ended) made to ``under`` (default: the actor's own body; the city drills down
    to a county's institutions), and the periods there are reports for."""
    with reading(rt) as conn:
        known = reports.periods(conn, reports.check_kind(kind))
        chosen = period or (known[0] if known
                            else reports.period_for(kind, rt.calendar.today(rt.now())))
        body = _under(conn, actor, under)
        view = reports.consolidated(conn, actor, kind, chosen, rt.now(), rt.calendar, body)
        found = get_unit_by_code(conn, body) if body else None
        return {"view": view, "periods": known, "kind": kind, "period": chosen,
                "under": {"code": found.code, "name": found.name} if found else None,
                "home": policy.home_body(conn, actor)}


def _under(conn: Connection, actor: Actor, under: str | None) -> str | None:
    if under is not None and not isinstance(under, str):
        raise _bad("under 须为单位编码 (under is a unit code)", "under")
    return (under or "").strip()[:64] or policy.home_body(conn, actor)


def report_export(rt: Runtime, actor: Actor, kind: str, period: str | None = None,
                  under: str | None = None) -> Export:
    """The consolidated view as a sheet."""
    found = report_page(rt, actor, kind, period, under)
    with reading(rt) as conn:
        counties = unit_names(conn, [i.get("county_code") for i in found["view"]["items"]])
    header, rows = reports.consolidated_table(found["view"], rt.calendar, counties)
    return Export(f"reports-{kind}-{found['period']}.xlsx",
                  Sheet(f"{reports.KINDS[kind]}汇总 {found['period']}", header, rows))


def report_detail(rt: Runtime, actor: Actor, report_id: int) -> dict[str, Any]:
    """One report with what it says, its attachments, who filled it in and who signed it
    (NotFound unless the actor may see it: its unit's staff, its county, the city)."""
    with reading(rt) as conn:
        return report_document.detail(conn, actor, report_id, rt.now(), rt.calendar)


def report_pdf(rt: Runtime, actor: Actor, report_id: int) -> tuple[str, bytes]:
    """The report as a PDF in its unit's name: the file's name and its bytes."""
    found = report_detail(rt, actor, report_id)
    return report_document.filename(found), report_document.render_pdf(found, rt.calendar)


# -- spot checks -------------------------------------------------------------------------

def draw(rt: Runtime, actor: Actor, *, title: str, kind: str, size: int,
         seed: str | None = None, stratified: bool = False,
         campaign_code: str | None = None, population: str = "units") -> dict[str, Any]:
    """Draw a reproducible sample of units, or of county-level bodies to check their own
    supervision work (``population``; journaled); returns the draw."""
    policy.require(actor, "campaign.manage")
    with unit_of_work(rt) as conn:
        draw_id = spotchecks.draw(conn, title=title, kind=kind, size=size, drawn_by=actor.id,
                                  now=rt.now(), calendar=rt.calendar, seed=seed,
                                  stratified=stratified,
                                  campaign_code=campaign_code or None,
                                  population=population or "units")
        return spotchecks.get_draw(conn, draw_id)


def spot_checks(rt: Runtime, actor: Actor) -> dict[str, Any]:
    """The draws the actor may see (the city: all; others: the published ones) and the
    campaigns a new draw may be limited to."""
    with reading(rt) as conn:
        return {"draws": spotchecks.list_draws(conn, published_only=not policy.sees_all(actor)),
                "campaigns": campaigns.list_campaigns(conn)}


def get_draw(rt: Runtime, actor: Actor, draw_id: int) -> dict[str, Any]:
    """A draw, its checks and findings (NotFound unless the actor may see it)."""
    with reading(rt) as conn:
        policy.require_visible_draw(conn, actor, draw_id)
        return spotchecks.get_draw(conn, draw_id)


def assign(rt: Runtime, actor: Actor, draw_id: int, check_id: int, inspector: str) -> None:
    """Name the inspector of one check of the draw."""
    policy.require(actor, "campaign.manage")
    with unit_of_work(rt) as conn:
        policy.require_visible_draw(conn, actor, draw_id)
        if not 0 < check_id <= MAX_ID:
            raise NotFound(f"抽查 {draw_id} 中没有检查 {check_id} "
                           f"(draw {draw_id} has no check {check_id})")
        spotchecks.assign(conn, draw_id, check_id, inspector)


def publish_draw(rt: Runtime, actor: Actor, draw_id: int, summary: str = "") -> dict[str, Any]:
    """Publish the 通报: numbered and journaled, and every finding of the draw's inspections
    becomes visible to its unit, all in one transaction."""
    policy.require(actor, "campaign.manage")
    with unit_of_work(rt) as conn:
        policy.require_visible_draw(conn, actor, draw_id)
        return spotchecks.publish(conn, draw_id, actor=actor.id, now=rt.now(),
                                  calendar=rt.calendar, summary=summary)


def draw_notice(rt: Runtime, actor: Actor, draw_id: int) -> dict[str, Any]:
    """The published 通报 of a draw (NotFound until it is published)."""
    found = get_draw(rt, actor, draw_id)
    if found["published_at"] is None:
        raise NotFound(f"抽查 {draw_id} 尚未通报 (draw {draw_id} is not published)")
    return found


# -- the annual assessment ---------------------------------------------------------------

def assessment(rt: Runtime, actor: Actor, year: int | str | None = None,
               scope: str | None = None) -> dict[str, Any]:
    """The ranking of ``year`` (default: this year) of the reporters to the body ``scope``
    (default: the actor's own; the city's is the addressees of the notice), with every
    deduction's rule and items, as far as the actor may see; a year outside 2000 to next
    year is refused on ``year``."""
    if scope is not None and not isinstance(scope, str):
        raise _bad("scope 须为单位编码 (scope is a unit code)", "scope")
    with reading(rt) as conn:
        return scoring.assess(conn, actor, _year(rt, year), rt.now(), rt.calendar,
                              scope or None)


def assessment_export(rt: Runtime, actor: Actor, year: int | str | None = None,
                      scope: str | None = None) -> Export:
    """The ranking as a sheet, and every deduction with its rule and items as another."""
    found = assessment(rt, actor, year, scope)
    header, rows = scoring.ranking_table(found)
    detail_header, detail = scoring.deductions_table(found)
    where = f"-{found['scope']['code']}" if found["scope"] else ""
    return Export(f"assessment-{found['year']}{where}.xlsx",
                  Sheet(f"{found['year']}年度考核排名", header, rows),
                  (Sheet("扣分明细", detail_header, detail),))


def _year(rt: Runtime, year: int | str | None) -> int:
    this_year = rt.calendar.year_of(rt.now())
    if year is None or year == "":
        return this_year
    return scoring.check_year(year, this_year)
