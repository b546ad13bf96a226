"""Starting cases (a hazard report among them), seeing one, and a supervisor's messages
and retries.

Starting checks who may start the process (and, for a hazard, for which unit), the named
people and the start form's evidence, starts the case and attaches the evidence in one
transaction: two requests naming the same fresh photo give one case and one refusal, never a
case without its photo.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hazardflow.engine import Actor, Forbidden, StepResult
from hazardflow.engine.inspect import CaseDiagram, case_data, case_diagram

from .. import (
    campaigns,
    case_dossier,
    case_record,
    cases,
    classification,
    documents,
    evidence,
    inbox,
    incident_text,
    policy,
    public_reports_view,
    task_holders,
)
from ..incident_text import ElementNames
from ..ledger import hazard_for_case
from ..runtime import HAZARD_PROCESS, Runtime
from ..uow import reading, unit_of_work
from .documents import issuable_kinds

EMPTY_FORM: dict[str, Any] = {"type": "object", "properties": {}}


def start(rt: Runtime, actor: Actor, key: str, data: Mapping[str, Any], *,
          version: int | None = None) -> dict[str, Any]:
    """Start a case of process ``key``; returns the step result and, for a hazard, its
    ledger row."""
    with unit_of_work(rt) as conn:
        return cases.start_case(conn, rt.engine, actor, key, data, version=version)


def report_hazard(rt: Runtime, actor: Actor, data: Mapping[str, Any]) -> dict[str, Any]:
    """Register a hazard (登记): a case of the hazard lifecycle; ``next`` says who holds
    each step that is now open."""
    with unit_of_work(rt) as conn:
        out = cases.start_case(conn, rt.engine, actor, HAZARD_PROCESS, data)
        return {**out, "next": task_holders.open_holders(conn, out["case"].case_id)}


def start_form(rt: Runtime, key: str, version: int | None = None) -> Mapping[str, Any] | None:
    """The start form's JSON Schema of a process (None when it has none)."""
    with reading(rt) as conn:
        definition = rt.engine.definition(conn, key, version)
    return definition.forms.get(definition.start_form or "")


def send_message(rt: Runtime, actor: Actor, case_id: int, name: str,
                 data: Mapping[str, Any]) -> StepResult:
    """Deliver a BPMN message (reclassify, void…) to a case: supervisors only."""
    with unit_of_work(rt) as conn:
        policy.require(actor, "case.supervise")
        policy.require_visible_case(conn, actor, case_id)
        return rt.engine.send_message(conn, case_id, name, data, actor)


def retry_incident(rt: Runtime, actor: Actor, incident_id: int) -> StepResult:
    """Run a failed step again; the result says honestly whether it failed again."""
    with unit_of_work(rt) as conn:
        policy.require(actor, "case.supervise")
        policy.require_visible_incident(conn, actor, incident_id)
        return rt.engine.retry_incident(conn, incident_id, actor)


def case(rt: Runtime, actor: Actor, case_id: int) -> dict[str, Any]:
    with reading(rt) as conn:
        return cases.case_detail(conn, actor, case_id)


def startable(rt: Runtime, actor: Actor) -> list[dict[str, Any]]:
    """The latest version of every process the actor may start, the hazard process aside."""
    with reading(rt) as conn:
        out = []
        for key in cases.process_keys(conn):
            if key == HAZARD_PROCESS:
                continue
            definition = rt.engine.definition(conn, key)
            if rt.engine.may_start(definition, actor):
                out.append({"key": key, "name": definition.name or key,
                            "version": definition.version})
        return out


def start_page(rt: Runtime, actor: Actor, key: str) -> dict[str, Any]:
    """What a start page needs: the definition's name and start form, and the people of the
    actor's units to suggest for its person fields; Forbidden unless the actor may start
    it."""
    with reading(rt) as conn:
        definition = rt.engine.definition(conn, key)
        if not rt.engine.may_start(definition, actor):
            raise Forbidden(f"您不能发起该流程 (you may not start {key!r})")
        people = dict(p for code in sorted(policy.held_units(actor))
                      for p in inbox.people_at(conn, code))
    return {"key": key, "name": definition.name or key, "version": definition.version,
            "form": definition.forms.get(definition.start_form or "") or EMPTY_FORM,
            "people": sorted(people.items())}


def registration(rt: Runtime, actor: Actor) -> dict[str, Any]:
    """What the hazard registration page offers: the start form (its 2023-list item field
    with the list's items as choices), the units the actor may report for, the running
    campaigns and the other processes the actor may start."""
    with reading(rt) as conn:
        definition = rt.engine.definition(conn, HAZARD_PROCESS)
        units = cases.reporting_units(conn, actor)
        running = [(c["code"], c["name"]) for c in campaigns.list_campaigns(conn)]
        items = classification.choices(conn)
    form = definition.forms.get(definition.start_form or "") or EMPTY_FORM
    return {"form": classification.with_choices(form, items),
            "units": units, "campaigns": running, "others": startable(rt, actor),
            "defaults": cases.report_defaults(actor, units)}


def dossier_pdf(rt: Runtime, actor: Actor, case_id: int) -> tuple[str, bytes]:
    """The 隐患档案 of a case the actor may see: (file name, PDF)."""
    with reading(rt) as conn:
        steps = case_record.case_record(conn, rt.engine, actor, case_id, rt.calendar)
        hazard = hazard_for_case(conn, case_id)
    pdf = case_dossier.render_pdf(hazard, case_id, steps, rt.storage, rt.calendar, rt.now())
    return case_dossier.filename(hazard, case_id), pdf


def case_page(rt: Runtime, actor: Actor, case_id: int) -> dict[str, Any]:
    """What the case page shows: the case, its variables, its record step by step, who
    holds each next step, comments, documents (with the kinds the actor may issue) and files."""
    with reading(rt) as conn:
        detail = cases.case_detail(conn, actor, case_id)
        # incidents in Chinese, by the step's name (the stored text and id: the monitor's)
        version = detail["definition"]
        incident_text.describe(detail["incidents"], ElementNames(conn, rt.engine), rt.engine
                               .definition(conn, version["key"], version["version"]).id)
        return {"case": detail,
                "record": case_record.case_record(conn, rt.engine, actor, case_id,
                                                  rt.calendar),
                "values": case_data(conn, rt.engine, case_id),
                "next": task_holders.open_holders(conn, case_id),
                "comments": inbox.comments_for(conn, case_id),
                "documents": documents.documents_for_case(conn, case_id),
                "issuable": issuable_kinds(conn, rt, actor, case_id),
                "files": evidence.evidence_for_case(conn, case_id),
                "report": public_reports_view.report_panel(conn, actor, case_id)}


def diagram(rt: Runtime, actor: Actor, case_id: int) -> CaseDiagram:
    """The case's diagram with the path taken, the open work and the incidents."""
    with reading(rt) as conn:
        policy.require_visible_case(conn, actor, case_id)
        return case_diagram(conn, case_id)
