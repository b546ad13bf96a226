"""What the read-path walk fills path parameters and query strings with.

Two kinds of values, each read from the databases themselves, never hand-listed ids:

- what the reader may see in the twin *without* the hidden finding (their cases, tasks,
  hazards, files, documents, inspections…, by the one visibility rule of ``policy``): the
  objects both twins hold, so each answer can be compared;
- the hidden finding's own objects: every row of the twin *with* it that the other twin
  lacks. Asking for them must look exactly like asking for an id that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor
from hazardflow.engine.schema import (
    human_task,
    process_case,
    process_definition,
    task_candidate,
)
from hazardflow.engine.schema_designer import designer_draft
from hazardflow.workflows import inspections, policy
from hazardflow.workflows.events import LEADER_LEVELS
from hazardflow.workflows.inbox import candidate_match
from hazardflow.workflows.schema import app_user, hazard, unit
from hazardflow.workflows.schema_campaigns import (
    campaign,
    checklist,
    inspection,
    spot_check_draw,
    unit_report,
)
from hazardflow.workflows.schema_consultations import consultation
from hazardflow.workflows.schema_duty import duty_roster
from hazardflow.workflows.schema_emergency import emergency_team
from hazardflow.workflows.schema_events import info_event
from hazardflow.workflows.schema_files import document, document_case, evidence
from hazardflow.workflows.schema_imports import ledger_import
from hazardflow.workflows.schema_monitor import repair_batch
from hazardflow.workflows.schema_plans import emergency_plan
from hazardflow.workflows.users import actor_for

PER_PARAM = 2  # visible ids walked per path parameter (spread over what there is)
SPREAD = ("case", "task", "hazard", "evidence", "definition", "process",
          "element", "form", "checklist", "report", "verify_code")  # the others are short

# the hidden finding's objects: table, the column a route names it by
HIDDEN_TABLES: dict[str, tuple[sa.Table, str]] = {
    "case": (process_case, "id"), "task": (human_task, "id"), "hazard": (hazard, "code"),
    "evidence": (evidence, "id"), "document": (document, "id"),
    "inspection": (inspection, "id"), "draw": (spot_check_draw, "id"),
    "batch": (repair_batch, "id"), "draft": (designer_draft, "id"),
}


def spread(values: Sequence[Any], n: int = PER_PARAM) -> list[Any]:
    """At most ``n`` of ``values``, evenly spread, the last (the newest) included."""
    if len(values) <= n:
        return list(values)
    if n == 1:
        return [values[-1]]
    step = (len(values) - 1) / (n - 1)
    return [values[round(i * step)] for i in range(n)]


def _column(conn: Connection, query: sa.Select[Any]) -> list[Any]:
    return list(dict.fromkeys(conn.execute(query).scalars()))


def hidden_objects(with_it: Connection, without: Connection) -> dict[str, list[Any]]:
    """Per source, the keys of the rows the twin with the finding holds and the other lacks;
    and the process versions, keys and activities its cases are at (both twins hold them:
    they come first where a route's combinations are capped)."""
    out: dict[str, list[Any]] = {}
    for source, (table, name) in HIDDEN_TABLES.items():
        column = table.c[name]
        query = sa.select(column).order_by(column)
        out[source] = sorted(set(_column(with_it, query)) - set(_column(without, query)))
    cases = process_case.c.id.in_(out["case"])
    out["definition"] = _column(with_it, sa.select(process_case.c.definition_id).where(cases)
                                .order_by(process_case.c.definition_id))
    out["process"] = _column(with_it, sa.select(process_definition.c.key).where(
        process_definition.c.id.in_(out["definition"])).order_by(process_definition.c.key))
    out["element"] = _column(with_it, sa.select(human_task.c.element_id).where(
        human_task.c.case_id.in_(out["case"])).order_by(human_task.c.element_id))
    out["form"] = _column(with_it, sa.select(human_task.c.form_key).where(
        human_task.c.case_id.in_(out["case"]), human_task.c.form_key.is_not(None))
        .order_by(human_task.c.form_key))
    return out


@dataclass(frozen=True)
class Finding:
    """The hidden hazards, as a reader might search for them."""

    codes: list[str]
    units: list[str]  # their units' codes
    counties: list[str]
    words: list[str]  # a word of each description
    categories: list[str]
    levels: list[str]


def finding(with_it: Connection, codes: Iterable[str]) -> Finding:
    rows = with_it.execute(sa.select(hazard.c.code, hazard.c.description, hazard.c.category,
                                     hazard.c.level, hazard.c.county_code, unit.c.code.label("u"))
                           .join(unit, unit.c.id == hazard.c.unit_id)
                           .where(hazard.c.code.in_(list(codes))).order_by(hazard.c.id)).all()
    return Finding(codes=[r.code for r in rows], units=sorted({r.u for r in rows}),
                   counties=sorted({r.county_code for r in rows if r.county_code}),
                   words=[r.description[:4] for r in rows],
                   categories=sorted({r.category for r in rows}),
                   levels=sorted({r.level for r in rows}))


@dataclass
class Values:
    """Per source name, the values a reader's walk fills parameters with."""

    by_source: dict[str, list[Any]] = field(default_factory=dict)
    hidden: frozenset[Any] = frozenset()  # the hidden finding's own ids, codes, refs

    def get(self, source: str) -> list[Any]:
        return self.by_source.get(source, [])


def reader_values(conn: Connection, username: str, hidden: dict[str, list[Any]],
                  found: Finding) -> Values:
    """What ``username`` sees in the twin without the finding (``conn``), spread, then the
    hidden objects' keys."""
    actor = actor_for(conn, username)
    seen = _visible(conn, actor, username)
    out = {name: spread(values) if name in SPREAD else values for name, values in seen.items()}
    out["document"] = spread(seen["document"], 1)  # PDFs are the slowest answers: the newest
    out["process"] = spread(seen["process"], 1)  # besides the hidden finding's process
    out["task"] = list(dict.fromkeys([*seen["inbox"], *out["task"]]))
    with_work = conn.execute(sa.select(human_task.c.case_id).where(
        human_task.c.id.in_(seen["inbox"]))).scalars()
    out["case"] = list(dict.fromkeys([*out["case"], *with_work]))
    for name, keys in hidden.items():
        out[name] = list(dict.fromkeys([*keys, *out.get(name, [])]))
    out["documented"] = list(dict.fromkeys([*hidden["case"], *seen["documented"][-1:]]))
    out["evidence_ref"] = [f"ev-{n}" for n in out["evidence"]]
    out["unit"] = list(dict.fromkeys([*seen["unit"], *found.units]))
    # the hidden finding's unit's roster first, then the reader's own and those they oversee
    out["roster_unit"] = list(dict.fromkeys([*found.units, *seen["unit"],
                                             *seen["roster_unit"]]))
    own = {*(k for name in HIDDEN_TABLES for k in hidden[name]),
           *(f"ev-{n}" for n in hidden["evidence"])}
    return Values(out, frozenset(own))


def _visible(conn: Connection, actor: Actor, username: str) -> dict[str, list[Any]]:
    cases = sa.select(process_case.c.id).where(policy.visible_cases(actor, process_case.c.id))
    case_ids = _column(conn, cases.order_by(process_case.c.id))
    own_units = sorted({u for _, u in actor.grants if u})
    return {
        "case": case_ids,
        "task": _column(conn, sa.select(human_task.c.id).where(
            human_task.c.case_id.in_(cases)).order_by(human_task.c.id)),
        "inbox": _column(conn, sa.select(human_task.c.id).where(  # their open work, whole
            human_task.c.case_id.in_(cases), human_task.c.state == "open", sa.or_(
                human_task.c.assignee == actor.id, human_task.c.id.in_(
                    sa.select(task_candidate.c.human_task_id).where(candidate_match(actor)))))
            .order_by(human_task.c.id)),
        "hazard": _column(conn, sa.select(hazard.c.code).where(
            policy.visible_hazards(actor)).order_by(hazard.c.id)),
        "evidence": _column(conn, sa.select(evidence.c.id).where(sa.or_(
            evidence.c.case_id.in_(cases), evidence.c.uploaded_by == actor.id))
            .order_by(evidence.c.id)),
        "document": _column(conn, sa.select(document_case.c.document_id).where(
            document_case.c.case_id.in_(cases)).order_by(document_case.c.document_id)),
        # /verify/<code> is public: every document's code, whoever the reader
        "verify_code": _column(conn, sa.select(document.c.verify_code).where(
            document.c.verify_code.is_not(None)).order_by(document.c.id)),
        "documented": _column(conn, sa.select(document_case.c.case_id).where(
            document_case.c.case_id.in_(cases)).order_by(document_case.c.case_id)),
        "inspection": sorted(i["id"] for i in inspections.list_inspections(conn, actor)),
        "draw": _column(conn, sa.select(spot_check_draw.c.id).order_by(spot_check_draw.c.id)),
        "report": _column(conn, sa.select(unit_report.c.id).where(policy.unit_scope_clause(
            unit_report.c.unit_id, actor, "walk_reports")).order_by(unit_report.c.id)),
        "event": _column(conn, sa.select(info_event.c.id).where(policy.visible_events(
            actor, LEADER_LEVELS)).order_by(info_event.c.id)),
        # the sessions the reader may see, then every other (answered as one that does not
        # exist: a unit's staff who own no action see none)
        "consultation": _column(conn, sa.select(consultation.c.id).order_by(
            policy.visible_consultations(actor).desc(), consultation.c.id)),
        "batch": _column(conn, sa.select(repair_batch.c.id).order_by(repair_batch.c.id)),
        # 值班表: the units with a roster the reader may read; the month of the demo's
        # rosters (with a swap asked) and the walk's month (none made yet)
        "roster_unit": _column(conn, sa.select(unit.c.code).join(
            duty_roster, duty_roster.c.unit_id == unit.c.id).where(policy.unit_scope_clause(
                unit.c.id, actor, "walk_rosters")).order_by(unit.c.code)),
        "month": ["2026-11", "2026-12"],
        # 应急预案: every plan (another unit's answers as one that does not exist)
        "plan": _column(conn, sa.select(emergency_plan.c.id).order_by(emergency_plan.c.id)),
        # 台账导入: every import (another's answers as one that does not exist)
        "import": _column(conn, sa.select(ledger_import.c.id).order_by(ledger_import.c.id)),
        "draft": _column(conn, sa.select(designer_draft.c.id).order_by(designer_draft.c.id)),
        "definition": _column(conn, sa.select(process_definition.c.id)
                              .order_by(process_definition.c.id)),
        "process": _column(conn, sa.select(process_definition.c.key).distinct()
                           .order_by(process_definition.c.key)),
        "version": _column(conn, sa.select(process_definition.c.version).distinct()
                           .order_by(process_definition.c.version)),
        "element": _column(conn, sa.select(human_task.c.element_id).distinct()
                           .order_by(human_task.c.element_id)),
        "form": _column(conn, sa.select(human_task.c.form_key).distinct().where(
            human_task.c.form_key.is_not(None)).order_by(human_task.c.form_key)),
        "campaign": _column(conn, sa.select(campaign.c.code).order_by(campaign.c.code)),
        "checklist": _column(conn, sa.select(checklist.c.code).order_by(checklist.c.code)),
        "user": _column(conn, sa.select(app_user.c.id).where(app_user.c.username == username)),
        "unit": own_units,
        "year": [2026],
        "report_kind": ["monthly", "quarterly"],  # annual: the report page's variant
        "period": ["2026-11", "2026-Q3"],  # the month the round of 1 December opened
        "document_kind": ["notice", "opinion"],
        "static": ["app.js"],
        # the one map (应急一张图): its records are everyone's to read
        "emergency_kind": ["team", "depot", "source"],
        "emergency_format": ["xlsx", "geojson"],
        "emergency_record": _column(conn, sa.select(emergency_team.c.id)
                                    .order_by(emergency_team.c.id)),
    }


def query_variants(found: Finding) -> dict[str, list[dict[str, str]]]:
    """Per endpoint, query strings walked besides the bare route (which shows the reader's
    whole scope): each other tab, and filters and searches aimed at the hidden finding (its
    unit, county, category and level, code, words). The twin without the finding must
    answer each the same."""
    unit_code, county, code, word = (found.units[0], found.counties[0], found.codes[0],
                                     found.words[0])
    aimed = [{"unit": unit_code}, {"q": code}, {"q": word},
             {"category": found.categories[0], "level": found.levels[-1]}]
    tabs = ("groups", "overdue", "due_soon", "done")  # "mine" is the bare route
    stuck = [*({"kind": k} for k in ("overdue", "unclaimed", "idle", "incident", "suspended")),
             {"county": county}, {"unit": unit_code}]
    ledger = [*aimed, {"overdue": "1"}, {"from": "2026-11-25"}]
    return {
        "ui.inbox": [*({"tab": t} for t in tabs), *({"tab": "groups", **a} for a in aimed)],
        "api.list_tasks": [*({"view": t} for t in tabs),
                           *({"view": "groups", **a} for a in aimed)],
        "ui.ledger": ledger, "ui.ledger_export": aimed[:2],
        "api.ledger": [*aimed, {"county": county}, {"overdue_on": "2026-12-03"}],
        "monitor.index": stuck, "api.stuck": stuck,
        "monitor.dashboard_json": [{"weeks": "1"}], "api.dashboard_data": [{"weeks": "1"}],
        "monitor.dashboard_xlsx": [{"weeks": "1"}],
        "monitor.extension_list": [{"status": ""}], "api.extension_list": [{"status": ""}],
        "ui.notifications": [{"unread": "1"}],
        "campaigns.report_list": [*({"kind": k} for k in ("quarterly", "annual")),
                                  {"under": county}, {"under": unit_code}],
        "campaigns.report_export": [{"kind": "monthly", "period": "2026-11"},
                                    {"under": county}],
        "campaigns.assessment_page": [{"scope": county}, {"scope": "LA"}],
        "campaigns.assessment_export": [{"scope": county}],
        # routes with path parameters: on their first combination (monthly, 2026-11)
        "api.report_consolidated": [{"under": county}, {"under": unit_code}],
        "api.assessment_get": [{"scope": county}, {"scope": "LA"}],
        "api.checklist_get": [{"version": "1"}],
        "campaigns.checklist": [{"version": "1"}],
    }
