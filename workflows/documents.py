"""Numbered documents: 整改通知书 (rectification notice) and 复查意见书 (re-inspection
opinion), printable as PDF with CJK fonts.

**Numbers** are per issuing body and year: ``金安卫健整改〔2026〕3号``, ``金安卫健复查〔2026〕1号``
(the unit's short name, else its code). They come from the same counters as the numbers the
``hazard.number_notice`` handler gives (``整改:<unit code>:<year>``), so a notice issued here
and a number taken by the process never collide. A single hazard already numbered by the
process (``hazard.notice_no``, issued by its supervising county) keeps that number on its
notice: the process's number *is* the notice.

**Contents.** One document lists one or more hazards (``document_case``, in order), e.g.
every hazard found in one inspection. What it says about each case is frozen at issue time
(``snapshot``): the ledger fields, the requirements (the triage's ``order_note``, or the
governance plan), the rectification and, for an opinion, the latest re-check (``verify_*``
or ``review_*`` from the verifier's form), read from the case's audit log.

**Idempotence.** Issuing again for the same kind and the same cases returns the existing
document while it is still current: a notice until the process gives the hazard a new notice
number (a re-order after a failed check); an opinion until a newer re-check is recorded.

Issuing is recorded in the system journal (``document.issued``, subject
``document:<number>``), not in the cases' audit logs, which need the case lock.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

import sqlalchemy as sa
from jinja2 import FunctionLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, Conflict, Detail, InvalidInput, NotFound, journal
from hazardflow.engine.schema import audit_event

from .calendar import BusinessCalendar
from .counters import next_value
from .ledger import CATEGORIES, LEVELS, hazard_for_case
from .policy import within_held_units
from .schema import hazard
from .schema_files import document, document_case
from .units import Unit, county_of, get_unit, get_unit_by_code
from .users import get_user


@dataclass(frozen=True)
class DocKind:
    name: str  # 整改通知书
    word: str  # 整改: the word in the number and in the counter's name
    issuers: frozenset[str]  # roles that may issue it for a case in their scope


KINDS: dict[str, DocKind] = {
    "notice": DocKind("整改通知书", "整改", frozenset(
        {"safety_officer", "county_supervisor", "city_supervisor", "inspector"})),
    "opinion": DocKind("复查意见书", "复查", frozenset(
        {"verifier", "safety_officer", "county_supervisor", "city_supervisor", "inspector"})),
}
RESULTS = {"passed": "通过", "failed": "不通过"}


@dataclass(frozen=True)
class Document:
    id: int
    kind: str
    number: str
    issuer_unit_id: int
    issued_by: str
    issued_at: datetime
    title: str

    @classmethod
    def from_row(cls, row: Any) -> Document:
        return cls(**{k: row._mapping[k] for k in cls.__dataclass_fields__})

    @property
    def kind_name(self) -> str:
        return KINDS[self.kind].name


def _kind(kind: str) -> DocKind:
    if kind not in KINDS:
        raise InvalidInput("unknown document kind", [Detail(
            f"文书类别须为 {', '.join(KINDS)} 之一", field="kind")])
    return KINDS[kind]


def document_number(conn: Connection, issuer: Unit, word: str, now: datetime,
                    calendar: BusinessCalendar) -> str:
    """The next number of ``issuer``'s ``word`` documents this business year."""
    year = calendar.year_of(now)
    n = next_value(conn, f"{word}:{issuer.code}:{year}")
    return f"{issuer.issuer_name}{word}〔{year}〕{n}号"


def cn_date(value: datetime | date | str | None, calendar: BusinessCalendar) -> str:
    """2026年11月28日 (a datetime is read in business time); empty for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = calendar.today(value)
    return f"{value.year}年{value.month}月{value.day}日"


# -- what a document says about a case ----------------------------------------------------

def _person(conn: Connection, username: Any) -> str:
    if not isinstance(username, str) or not username:
        return ""
    user = get_user(conn, username)
    return user.display_name if user else username


def case_facts(conn: Connection, case_id: int) -> dict[str, Any]:
    """What a document says about a hazard case now (see the module doc); NotFound when the
    case has no ledger row."""
    row = hazard_for_case(conn, case_id)
    if row is None:
        raise NotFound(f"case {case_id} is not a hazard case", case_id=case_id)
    requirement = rectification = ""
    check: dict[str, Any] | None = None
    completions = conn.execute(
        sa.select(audit_event.c.seq, audit_event.c.actor, audit_event.c.at,
                  audit_event.c.payload)
        .where(audit_event.c.case_id == case_id, audit_event.c.action == "complete")
        .order_by(audit_event.c.seq))
    for seq, actor, at, payload in completions:
        data = json.loads(payload).get("data") or {}
        if data.get("order_note"):
            requirement = str(data["order_note"])
        elif data.get("plan_methods"):
            requirement = "；".join(str(data[k]) for k in ("plan_goal", "plan_methods")
                                   if data.get(k))
        note = data.get("rectification_note") or data.get("fix_note")
        if note:
            rectification = str(note)
        for prefix in ("verify", "review"):
            if data.get(f"{prefix}_result") in RESULTS:
                result = data[f"{prefix}_result"]
                check = {"seq": seq, "result": result, "result_name": RESULTS[result],
                         "opinion": str(data.get(f"{prefix}_opinion") or ""),
                         "reason": str(data.get("fail_reason") or ""),
                         "by": _person(conn, actor), "at": at.isoformat()}
    return {
        "case_id": case_id, "code": row["code"], "unit_code": row["unit_code"],
        "unit_name": row["unit_name"], "location": row["location"],
        "category": CATEGORIES.get(row["category"], row["category"]),
        "level": LEVELS.get(row["level"], row["level"]), "description": row["description"],
        "deadline": row["deadline"] or "", "responsible": _person(conn, row["responsible_user"]),
        "notice_no": row["notice_no"] or "", "requirement": requirement,
        "rectification": rectification, "check": check,
    }


def _current_key(kind: str, facts: dict[str, Any]) -> Any:
    """What must not have changed for an issued document to still be current."""
    if kind == "notice":
        return facts["notice_no"]
    return (facts["check"] or {}).get("seq")


# -- issuing -------------------------------------------------------------------------------

def may_issue(conn: Connection, actor: Actor, kind: str, case_id: int) -> bool:
    """Whether ``actor`` holds a role that issues ``kind`` at or above the case's unit."""
    roles = _kind(kind).issuers
    if actor.admin:
        return True
    return conn.execute(sa.select(hazard.c.id).where(
        hazard.c.case_id == case_id,
        within_held_units(hazard.c.unit_id, actor, roles=roles, name="issuer_scope"))
    ).first() is not None


def issuable_kinds(conn: Connection, actor: Actor, case_id: int) -> list[str]:
    """The kinds of document ``actor`` may issue for the case (none for a case that is not
    a hazard's)."""
    if hazard_for_case(conn, case_id) is None:
        return []
    return [kind for kind in KINDS if may_issue(conn, actor, kind, case_id)]


def _cases_of(conn: Connection, document_id: int) -> list[tuple[int, dict[str, Any]]]:
    rows = conn.execute(sa.select(document_case.c.case_id, document_case.c.snapshot)
                        .where(document_case.c.document_id == document_id)
                        .order_by(document_case.c.position))
    return [(int(r.case_id), json.loads(r.snapshot)) for r in rows]


def _still_current(conn: Connection, kind: str, ids: list[int],
                   facts: list[dict[str, Any]]) -> Document | None:
    candidates = conn.execute(
        sa.select(document).join(document_case, document_case.c.document_id == document.c.id)
        .where(document.c.kind == kind, document_case.c.case_id == ids[0])
        .order_by(document.c.id.desc()))
    for row in candidates:
        listed = _cases_of(conn, row.id)
        if [c for c, _ in listed] == ids and all(
                _current_key(kind, snap) == _current_key(kind, f)
                for (_, snap), f in zip(listed, facts, strict=True)):
            return Document.from_row(row)
    return None


def _process_number(conn: Connection, kind: str, issuer: Unit,
                    facts: list[dict[str, Any]]) -> str | None:
    """The number the process already gave a single hazard's notice, if this issuer gave it."""
    if kind != "notice" or len(facts) != 1 or not facts[0]["notice_no"]:
        return None
    if county_of(conn, facts[0]["unit_code"]).id != issuer.id:
        return None
    taken = conn.execute(sa.select(document.c.id).where(
        document.c.number == facts[0]["notice_no"])).first()
    return None if taken else str(facts[0]["notice_no"])


def issue_document(conn: Connection, *, kind: str, case_ids: Sequence[int],
                   issuer_unit_code: str, issued_by: str, now: datetime,
                   calendar: BusinessCalendar) -> Document:
    """Number and record a document listing ``case_ids`` in order (see the module doc).

    Conflict when a notice lists a hazard without a deadline (no rectification ordered) or an
    opinion lists one without a re-check.
    """
    spec = _kind(kind)
    ids = list(dict.fromkeys(int(c) for c in case_ids))
    if not ids:
        raise InvalidInput("a document lists at least one case")
    issuer = get_unit_by_code(conn, issuer_unit_code)
    if issuer is None:
        raise InvalidInput("unknown issuing unit", [Detail(
            f"没有这个单位：{issuer_unit_code}", field="issuer_unit_code")])
    facts = [case_facts(conn, c) for c in ids]
    if kind == "notice":
        missing = [f["code"] for f in facts if not f["deadline"]]
        if missing:
            raise Conflict(f"隐患 {'、'.join(missing)} 尚未下达整改通知（未确定整改期限），"
                           "不能出具整改通知书", case_id=ids[0], code="not_ordered")
    else:
        missing = [f["code"] for f in facts if not f["check"]]
        if missing:
            raise Conflict(f"隐患 {'、'.join(missing)} 尚未复查（验收），不能出具复查意见书",
                           case_id=ids[0], code="not_checked")
    found = _still_current(conn, kind, ids, facts)
    if found is not None:
        return found
    number = (_process_number(conn, kind, issuer, facts)
              or document_number(conn, issuer, spec.word, now, calendar))
    units = "、".join(dict.fromkeys(f["unit_name"] for f in facts))
    title = f"{units}{spec.name}"[:255]
    new = conn.execute(document.insert().values(
        kind=kind, number=number, issuer_unit_id=issuer.id, issued_by=issued_by,
        issued_at=now, title=title)).inserted_primary_key
    assert new is not None
    doc_id = int(new[0])
    conn.execute(document_case.insert(), [
        {"document_id": doc_id, "case_id": c, "position": i,
         "snapshot": json.dumps(f, ensure_ascii=False, sort_keys=True)}
        for i, (c, f) in enumerate(zip(ids, facts, strict=True), start=1)])
    journal.record(conn, actor=issued_by, action="document.issued",
                   subject=f"document:{number}", at=now,
                   payload={"kind": kind, "number": number, "issuer": issuer.code,
                            "cases": ids, "hazards": [f["code"] for f in facts]})
    return Document(doc_id, kind, number, issuer.id, issued_by, now, title)


# -- reading -------------------------------------------------------------------------------

def get_document(conn: Connection, document_id: int) -> Document | None:
    row = conn.execute(sa.select(document).where(document.c.id == document_id)).first()
    return Document.from_row(row) if row else None


def documents_for_case(conn: Connection, case_id: int) -> list[Document]:
    """Every document listing the case, oldest first."""
    rows = conn.execute(
        sa.select(document).join(document_case, document_case.c.document_id == document.c.id)
        .where(document_case.c.case_id == case_id).order_by(document.c.id))
    return [Document.from_row(r) for r in rows]


def current_document(conn: Connection, kind: str, case_id: int) -> Document | None:
    """The newest ``kind`` document listing the case that is still current for it (issued
    alone or with other cases), or None."""
    _kind(kind)
    key = _current_key(kind, case_facts(conn, case_id))
    rows = conn.execute(
        sa.select(document, document_case.c.snapshot)
        .join(document_case, document_case.c.document_id == document.c.id)
        .where(document.c.kind == kind, document_case.c.case_id == case_id)
        .order_by(document.c.id.desc()))
    for row in rows:
        if _current_key(kind, json.loads(row.snapshot)) == key:
            return Document.from_row(row)
    return None


def document_case_ids(conn: Connection, document_id: int) -> list[int]:
    return [c for c, _ in _cases_of(conn, document_id)]


# -- rendering -----------------------------------------------------------------------------

def _load_template(name: str) -> str | None:
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    path = resources.files("hazardflow.workflows").joinpath("doc_templates", name)
    return path.read_text(encoding="utf-8") if path.is_file() else None


@functools.cache
def _environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(loader=FunctionLoader(_load_template), autoescape=True,
                                        undefined=StrictUndefined)
    env.filters["cn_date"] = _cn_date_filter
    return env


@pass_context
def _cn_date_filter(context: Context, value: datetime | date | str | None) -> str:
    """``cn_date`` in a template, in the business time of the ``calendar`` it renders with."""
    return cn_date(value, context["calendar"])


def render_html(conn: Connection, document_id: int, calendar: BusinessCalendar) -> str:
    """The document as HTML (what the PDF is made from), dated in business time."""
    doc = get_document(conn, document_id)
    if doc is None:
        raise NotFound(f"document {document_id} does not exist")
    issuer = get_unit(conn, doc.issuer_unit_id)
    assert issuer is not None
    cases = [snap for _, snap in _cases_of(conn, document_id)]
    recipients = list(dict.fromkeys(c["unit_name"] for c in cases))
    notices = list(dict.fromkeys(
        [c["notice_no"] for c in cases if c["notice_no"]]
        + [d.number for c in cases for d in documents_for_case(conn, c["case_id"])
           if d.kind == "notice" and d.issued_at <= doc.issued_at]))
    template = _environment().get_template(f"{doc.kind}.html")
    return template.render(doc=doc, kind_name=doc.kind_name, issuer=issuer,
                           recipients=recipients, cases=cases, notices=notices,
                           issued_on=cn_date(doc.issued_at, calendar), calendar=calendar)


def render_pdf(conn: Connection, document_id: int, calendar: BusinessCalendar) -> bytes:
    """The document as an A4 PDF (WeasyPrint, Noto CJK fonts)."""
    from weasyprint import HTML  # heavy: imported when a PDF is first asked for

    pdf: bytes = HTML(string=render_html(conn, document_id, calendar),
                      url_fetcher=_no_fetching).write_pdf()
    return pdf


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> Any:
    """Documents are self-contained: nothing is fetched while rendering."""
    raise ValueError(f"documents do not load resources ({url[:60]})")
