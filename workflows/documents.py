"""Numbered documents, in the name of the body that ordered (16号令, 安全生产法).

**Which document, in whose name.** A notice (kind ``notice``) speaks for the body that
ordered the rectification (:mod:`document_facts`): a county or city commission's order gives
its 责令限期整改指令书 (form ``directive``), a unit's own order (its safety officer, after a
self-inspection) the unit's internal 隐患整改通知单 (``unit_notice``). An opinion (kind
``opinion``) speaks for the body that re-checked: the commission's 整改复查意见书
(``review``) naming its reviewers, or the unit's 隐患整改验收单 (``unit_acceptance``) — never
the unit's own staff in a regulator's name.

**One per order.** A document rests, for each hazard it lists, on one audit record: the
order (a notice) or the re-check (an opinion). Each record has at most one document
(``uq_document_case_basis``): issuing again returns the same document; a document listing it
among other hazards refuses (:mod:`inspection_documents` decides which: an inspection's
findings get the inspection's one notice).

**Dated, then numbered when signed.** A document is dated on the business day of the order
or re-check (``dated_on``), whenever it is printed or signed; it is numbered when it is
issued (签发), by someone entitled to sign for its body (``policy.may_sign_for``), from the
body's counter for that form and the year of its date: ``金安卫健责改〔2026〕3号``,
``金安卫健复查〔2026〕1号``; a unit numbers its own, ``金安区人民医院隐改〔2026〕001号``.

**Frozen when issued.** What it says (the hazards, the requirements, the legal texts of its
body, the inspectors with their 执法证号, the key sentences, its verification code) is
stored with it, the PDF rendered once and kept with its SHA-256 (:mod:`document_render`,
:mod:`verification`). Issuing is journaled (``document.issued``).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from hazardflow.engine import Actor, Conflict, Detail, Forbidden, InvalidInput, NotFound, journal

from . import document_facts as facts_of
from . import policy
from .calendar import BusinessCalendar
from .certificates import certificate_of
from .counters import next_value
from .document_facts import Act
from .legal_texts import texts_for
from .schema import hazard
from .schema_files import document, document_case, document_file
from .units import Unit, get_unit, require_unit

VERIFY_BYTES = 18  # 144 bits: secrets.token_urlsafe(18), 24 characters


@dataclass(frozen=True)
class Form:
    kind: str  # notice | opinion
    name: str  # 责令限期整改指令书
    word: str  # 责改: in the number and the counter's name
    regulator: bool  # a commission's (county or city), else a unit's own


FORMS: dict[str, Form] = {
    "directive": Form("notice", "责令限期整改指令书", "责改", True),
    "unit_notice": Form("notice", "隐患整改通知单", "隐改", False),
    "review": Form("opinion", "整改复查意见书", "复查", True),
    "unit_acceptance": Form("opinion", "隐患整改验收单", "验收", False),
}
KINDS: dict[str, str] = {"notice": "整改通知书", "opinion": "复查意见书"}  # what one asks for


def form_key(kind: str, regulator: bool) -> str:
    return next(k for k, f in FORMS.items() if f.kind == kind and f.regulator == regulator)


@dataclass(frozen=True)
class Document:
    id: int
    kind: str
    form: str
    number: str
    issuer_unit_id: int
    issued_by: str
    issued_at: datetime
    dated_on: str | None
    title: str
    verify_code: str | None
    pdf_sha256: str | None

    @classmethod
    def from_row(cls, row: Any) -> Document:
        return cls(**{k: row._mapping[k] for k in cls.__dataclass_fields__})

    @property
    def kind_name(self) -> str:
        return FORMS[self.form].name if self.form in FORMS else KINDS[self.kind]


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput("未知的文书类别 (unknown document kind)", [Detail(
            f"文书类别须为 {', '.join(KINDS)} 之一", field="kind")])
    return kind


def document_number(conn: Connection, issuer: Unit, form: Form, year: int) -> str:
    """The next number of ``issuer``'s documents of ``form`` dated in ``year``."""
    n = next_value(conn, f"{form.word}:{issuer.code}:{year}")
    if form.regulator:
        return f"{issuer.issuer_name}{form.word}〔{year}〕{n}号"
    return f"{issuer.short_name or issuer.name}{form.word}〔{year}〕{n:03d}号"


def cn_date(value: datetime | date | str | None, calendar: BusinessCalendar) -> str:
    """2026年11月28日 (a datetime is read in business time); empty for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = calendar.today(value)
    return f"{value.year}年{value.month}月{value.day}日"


# -- what a document rests on ----------------------------------------------------------------

@dataclass(frozen=True)
class Basis:
    """For one hazard: the order or re-check a document rests on, and what it says."""

    case_id: int
    act: Act
    first_order: bool  # a notice's order is the hazard's first
    people: tuple[str, ...]  # usernames acting for the body on it (finder, orderer, checker)
    snapshot: dict[str, Any]


def basis(conn: Connection, kind: str, case_id: int, calendar: BusinessCalendar,
          found: facts_of.History | None = None) -> Basis:
    """What a ``kind`` document of the case rests on now; Conflict before the order (a
    notice) or the re-check (an opinion)."""
    fields = facts_of.hazard_facts(conn, case_id)
    found = found or facts_of.history(conn, case_id, fields["unit_code"], calendar)
    if kind == "notice":
        order = found.order
        if order is None:
            raise Conflict(f"隐患 {fields['code']} 尚未下达整改通知（未确定整改期限），"
                           "不能签发整改通知", case_id=case_id, code="not_ordered")
        people = [order.by]
        finder = fields["found_by_user"]
        if finder and finder != order.by and _acts_for(conn, finder, fields, order.body):
            people.insert(0, finder)
        return Basis(case_id, order, found.first_order(order), tuple(people),
                     facts_of.order_facts(conn, fields, order))
    check = found.check
    if check is None:
        raise Conflict(f"隐患 {fields['code']} 尚未复查（验收），不能出具复查意见",
                       case_id=case_id, code="not_checked")
    return Basis(case_id, check, False, (check.by,),
                 facts_of.check_facts(conn, fields, found, check))


def _acts_for(conn: Connection, username: str, fields: dict[str, Any], body: str) -> bool:
    """Whether the hazard's finder found it for ``body`` (they are named on its notice)."""
    if fields["found_by_body"]:
        return bool(fields["found_by_body"] == body)
    _, acting = policy.acting_body(conn, facts_of.person(conn, username), fields["unit_code"])
    return acting == body


def covering(conn: Connection, case_id: int, seq: int) -> Document | None:
    """The document resting on the case's audit record ``seq``, if one was issued."""
    row = conn.execute(sa.select(document).join(
        document_case, document_case.c.document_id == document.c.id).where(
        document_case.c.case_id == case_id, document_case.c.basis_seq == seq)).first()
    return Document.from_row(row) if row else None


# -- issuing ---------------------------------------------------------------------------------

def may_sign(actor: Actor, found: Basis) -> bool:
    """Whether ``actor`` may sign (签发) the document resting on ``found`` for its body."""
    return policy.may_sign_for(actor, found.act.body, regulator=found.act.regulator)


def issue(conn: Connection, actor: Actor, kind: str, bases: Sequence[Basis], *,
          now: datetime, calendar: BusinessCalendar, verify_base: str,
          extra: dict[str, Any] | None = None) -> tuple[Document, bool]:
    """Issue the ``kind`` document resting on ``bases`` (one per hazard, in order) in the
    name of their body, signed by ``actor``; (document, True). When exactly this document
    was issued already: (it, False). Conflict when one of them already has another document
    or they speak for different bodies; Forbidden unless ``actor`` signs for the body (the
    same document again too).
    ``extra`` is frozen into the content too (the inspection a notice is for)."""
    check_kind(kind)
    if not bases:
        raise InvalidInput("文书至少须列出一项隐患 (a document lists at least one hazard)")
    ids = [b.case_id for b in bases]
    existing = {b.case_id: covering(conn, b.case_id, b.act.seq) for b in bases}
    issued = {d.id: d for d in existing.values() if d is not None}
    if issued:
        only = next(iter(issued.values()))
        if len(issued) == 1 and None not in existing.values() \
                and document_case_ids(conn, only.id) == ids:
            if not may_sign(actor, bases[0]):  # issuing again is signing too
                body = require_unit(conn, bases[0].act.body)
                raise Forbidden(f"您不能代表{body.name}签发{only.kind_name} "
                                f"(you may not sign for {body.code})", case_id=ids[0])
            return only, False
        named = "、".join(f"{b.snapshot['code']}（{d.number}）" for b in bases
                         if (d := existing[b.case_id]) is not None)
        raise Conflict(f"隐患 {named} 的这次{_act_name(kind)}已有文书，一次{_act_name(kind)}"
                       f"只出具一份 (one document per {kind} basis)", case_id=ids[0],
                       code="already_issued")
    bodies = {b.act.body for b in bases}
    if len(bodies) != 1:
        raise Conflict(f"这些隐患由不同主体{_act_name(kind)}（{'、'.join(sorted(bodies))}），"
                       "须分别出具 (different bodies: issue each hazard's own)",
                       case_id=ids[0], code="different_bodies")
    body = require_unit(conn, bodies.pop())
    form = form_key(kind, bases[0].act.regulator)
    spec = FORMS[form]
    if not may_sign(actor, bases[0]):
        raise Forbidden(f"您不能代表{body.name}签发{spec.name} "
                        f"(you may not sign for {body.code})", case_id=ids[0])
    dated = max(b.act.on for b in bases)
    number = document_number(conn, body, spec, dated.year)
    code = secrets.token_urlsafe(VERIFY_BYTES)
    content = {**_content(conn, actor, spec, body, bases, dated, calendar,
                          f"{verify_base.rstrip('/')}/verify/{code}"), **(extra or {})}
    units = "、".join(dict.fromkeys(b.snapshot["unit_name"] for b in bases))
    title = f"{units}{spec.name}"[:255]
    try:
        with conn.begin_nested():
            new = conn.execute(document.insert().values(
                kind=kind, form=form, number=number, issuer_unit_id=body.id,
                issued_by=actor.id, issued_at=now, dated_on=dated.isoformat(), title=title,
                content=json.dumps(content, ensure_ascii=False, sort_keys=True),
                verify_code=code)).inserted_primary_key
            assert new is not None
            doc_id = int(new[0])
            conn.execute(document_case.insert(), [
                {"document_id": doc_id, "case_id": b.case_id, "position": i,
                 "basis_seq": b.act.seq,
                 "snapshot": json.dumps(b.snapshot, ensure_ascii=False, sort_keys=True)}
                for i, b in enumerate(bases, start=1)])
    except IntegrityError:  # someone issued one for the same order at the same moment
        raise Conflict(f"刚刚已有人出具了这份{spec.name}，请刷新 (issued meanwhile)",
                       case_id=ids[0], code="already_issued") from None
    from .document_render import render_pdf  # WeasyPrint: imported when first needed

    pdf = render_pdf(conn, doc_id, calendar)
    digest = hashlib.sha256(pdf).hexdigest()
    conn.execute(document_file.insert().values(document_id=doc_id, pdf=pdf))
    conn.execute(sa.update(document).where(document.c.id == doc_id).values(pdf_sha256=digest))
    if kind == "notice":  # the ledger shows the number of the hazard's notice
        conn.execute(sa.update(hazard).where(hazard.c.case_id.in_(ids))
                     .values(notice_no=number, updated_at=now))
    journal.record(conn, actor=actor.id, action="document.issued",
                   subject=f"document:{number}", at=now,
                   payload={"kind": kind, "form": form, "number": number,
                            "issuer": body.code, "dated_on": dated.isoformat(), "cases": ids,
                            "bases": [b.act.seq for b in bases],
                            "hazards": [b.snapshot["code"] for b in bases],
                            "pdf_sha256": digest})
    found = get_document(conn, doc_id)
    assert found is not None
    return found, True


def _act_name(kind: str) -> str:
    return "整改通知" if kind == "notice" else "复查"


def _content(conn: Connection, actor: Actor, spec: Form, body: Unit, bases: Sequence[Basis],
             dated: date, calendar: BusinessCalendar, verify_url: str) -> dict[str, Any]:
    """Everything the document says besides its hazards, frozen when it is signed."""
    people: list[dict[str, str]] = []
    for username in dict.fromkeys(u for b in bases for u in b.people):
        cert = certificate_of(conn, username) or ""
        name = facts_of.display_name(conn, username)
        if spec.regulator and not cert:
            raise Conflict(f"检查人员 {name} 未登记行政执法证号，不能以{body.name}名义出具"
                           f"{spec.name}；请管理员在用户页登记 ({username} has no "
                           "enforcement certificate number)", code="no_certificate")
        people.append({"name": name, "cert": cert})
    levels = {b.snapshot["level_code"] for b in bases}
    basis_part = "notice_basis" if spec.kind == "notice" else "opinion_basis"
    legal = [t.cited() for t in texts_for(conn, body.code, basis_part, levels)] \
        if spec.regulator else []
    appeal = [t.cited() for t in texts_for(conn, body.code, "appeal", levels)] \
        if spec.regulator else []
    return {"issuer_name": body.name, "signer": facts_of.display_name(conn, actor.id),
            "people": people, "legal_basis": legal, "appeal": appeal,
            "key_sentences": _key_sentences(spec, bases, calendar),
            "dated_on": dated.isoformat(), "verify_url": verify_url}


def _key_sentences(spec: Form, bases: Sequence[Basis], calendar: BusinessCalendar) -> list[str]:
    """The sentences a reader of the printout compares on the verification page."""
    units = "、".join(dict.fromkeys(b.snapshot["unit_name"] for b in bases))
    out: list[str] = []
    if spec.kind == "notice":
        out.append(f"{'责令' if spec.regulator else '要求'}{units}对下列 {len(bases)} 项"
                   "事故隐患限期整改：")
        for b in bases:
            s = b.snapshot
            when = f"于{cn_date(s['deadline'], calendar)}前整改完毕" if s["deadline"] \
                else "立即整改"
            out.append(f"{s['code']}（{s['location']}，{s['level']}）：{s['description']}；{when}。")
    else:
        out.append(f"对{units}下列 {len(bases)} 项事故隐患的整改情况进行了复查：")
        for b in bases:
            check = b.snapshot["check"]
            out.append(f"{b.snapshot['code']}：复查{check['result_name']}。")
    return out


# -- reading ---------------------------------------------------------------------------------

def get_document(conn: Connection, document_id: int) -> Document | None:
    row = conn.execute(sa.select(document).where(document.c.id == document_id)).first()
    return Document.from_row(row) if row else None


def content_of(conn: Connection, document_id: int) -> dict[str, Any]:
    raw = conn.execute(sa.select(document.c.content)
                       .where(document.c.id == document_id)).scalar()
    return dict(json.loads(raw or "{}"))


def issued_pdf(conn: Connection, document_id: int) -> bytes | None:
    """The PDF as it was issued (None for a document issued before PDFs were kept)."""
    found = conn.execute(sa.select(document_file.c.pdf)
                         .where(document_file.c.document_id == document_id)).scalar()
    return bytes(found) if found is not None else None


def documents_for_case(conn: Connection, case_id: int) -> list[Document]:
    """Every document listing the case, oldest first."""
    rows = conn.execute(
        sa.select(document).join(document_case, document_case.c.document_id == document.c.id)
        .where(document_case.c.case_id == case_id).order_by(document.c.id))
    return [Document.from_row(r) for r in rows]


def document_case_ids(conn: Connection, document_id: int) -> list[int]:
    return [int(c) for c in conn.execute(
        sa.select(document_case.c.case_id).where(document_case.c.document_id == document_id)
        .order_by(document_case.c.position)).scalars()]


def snapshots(conn: Connection, document_id: int) -> list[dict[str, Any]]:
    """What the document says about each hazard it lists, in order."""
    return [json.loads(s) for s in conn.execute(
        sa.select(document_case.c.snapshot).where(document_case.c.document_id == document_id)
        .order_by(document_case.c.position)).scalars()]


def issuer_of(conn: Connection, doc: Document) -> Unit:
    found = get_unit(conn, doc.issuer_unit_id)
    if found is None:
        raise NotFound(f"文书 {doc.id} 没有签发单位 (document {doc.id} has no issuing unit)")
    return found
