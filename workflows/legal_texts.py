"""The legal texts a regulator's documents cite, configured per issuing body.

A county or city commission's 责令限期整改指令书 states its legal basis article by article
and tells the unit how to appeal (行政复议, 行政诉讼); its 整改复查意见书 states the basis of
the re-check. Which articles apply, and how a body words its appeal sentence (which people's
government hears its 复议), is configuration, not code: the ``legal_text`` table, edited by
the city's 综合监督科 and administrators (``policy``: ``legal_text.manage``).

- ``part``: ``notice_basis`` (the directive's basis), ``opinion_basis`` (the re-check's) or
  ``appeal`` (the appeal-rights sentence).
- Rows without a unit are every regulator's defaults; a body's own active rows of a part
  replace the defaults of that part for its documents (:func:`texts_for`).
- ``level``: empty for every hazard, or ``general``/``major``: an article about major hazards
  is cited only on documents listing one.
- Seeded (:data:`SEEDS`, migration 0014 and :func:`seed_defaults`) from 《中华人民共和国安全
  生产法》(2021) and 《安全生产事故隐患排查治理暂行规定》(原国家安全生产监督管理总局令第16号),
  every row unconfirmed: 待法制科确认 until the commission's legal office confirms it
  (:func:`confirm`); changing a row's wording clears the confirmation again.

A unit's own internal documents (隐患整改通知单, 验收单) cite none of this.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from hazardflow.engine import Detail, InvalidInput, NotFound, journal

from .schema import unit
from .schema_files import legal_text

PARTS: dict[str, str] = {
    "notice_basis": "责令限期整改指令书的法律依据",
    "opinion_basis": "整改复查意见书的法律依据",
    "appeal": "权利告知（行政复议、行政诉讼）",
}
LEVELS: dict[str, str] = {"": "全部隐患", "general": "一般隐患", "major": "重大隐患"}
PENDING = "待法制科确认"
SEEDED_BY = "system"
MAX_CITATION = 255
MAX_BODY = 4000

LAW = "《中华人民共和国安全生产法》"
RULE16 = "《安全生产事故隐患排查治理暂行规定》（原国家安全生产监督管理总局令第16号）"

# (part, level, citation, text), in the order documents cite them
SEEDS: list[tuple[str, str, str, str]] = [
    ("notice_basis", "", f"{LAW}第四十一条第二款",
     "生产经营单位应当建立健全并落实生产安全事故隐患排查治理制度，采取技术、管理措施，及时发现"
     "并消除事故隐患。事故隐患排查治理情况应当如实记录，并通过职工大会或者职工代表大会、信息"
     "公示栏等方式向从业人员通报。其中，重大事故隐患排查治理情况应当及时向负有安全生产监督管理"
     "职责的部门和职工大会或者职工代表大会报告。"),
    ("notice_basis", "", f"{LAW}第六十五条第一款第（三）项",
     "对检查中发现的事故隐患，应当责令立即排除；重大事故隐患排除前或者排除过程中无法保证安全"
     "的，应当责令从危险区域内撤出作业人员，责令暂时停产停业或者停止使用相关设施、设备；重大"
     "事故隐患排除后，经审查同意，方可恢复生产经营和使用。"),
    ("notice_basis", "", f"{RULE16}第十五条",
     "对于一般事故隐患，由生产经营单位（车间、分厂、区队等）负责人或者有关人员立即组织整改。"
     "对于重大事故隐患，由生产经营单位主要负责人组织制定并实施事故隐患治理方案。"),
    ("notice_basis", "major", f"{RULE16}第十四条第二款",
     "对于重大事故隐患，生产经营单位除依照前款规定报送外，应当及时向安全监管监察部门和有关部门"
     "报告。重大事故隐患报告内容应当包括：（一）隐患的现状及其产生原因；（二）隐患的危害程度和"
     "整改难易程度分析；（三）隐患的治理方案。"),
    ("notice_basis", "major", f"{RULE16}第十六条",
     "事故隐患排除前或者排除过程中无法保证安全的，应当从危险区域内撤出作业人员，并疏散可能危及"
     "的其他人员，设置警戒标志，暂时停产停业或者停止使用。"),
    ("notice_basis", "major", f"{RULE16}第二十条",
     "对检查过程中发现的重大事故隐患，应当下达整改指令书，并建立信息管理台账。必要时，报告同级"
     "人民政府并对重大事故隐患实行挂牌督办。"),
    ("opinion_basis", "", f"{LAW}第六十五条第一款第（三）项",
     "对检查中发现的事故隐患，应当责令立即排除；……重大事故隐患排除后，经审查同意，方可恢复生产"
     "经营和使用。"),
    ("opinion_basis", "major", f"{RULE16}第二十三条",
     "安全监管监察部门收到生产经营单位恢复生产的申请报告后，应当在10日内进行现场审查。审查合格"
     "的，对事故隐患进行核销，同意恢复生产经营；审查不合格的，依法责令改正或者下达停产整改指令。"),
    ("appeal", "", "《中华人民共和国行政复议法》《中华人民共和国行政诉讼法》",
     "你单位如对本文书不服，可以自收到本文书之日起六十日内依法向本级人民政府申请行政复议，或者"
     "自收到本文书之日起六个月内依法向人民法院提起行政诉讼。行政复议和行政诉讼期间，本文书不停止"
     "执行，法律另有规定的除外。"),
]


@dataclass(frozen=True)
class LegalText:
    id: int
    unit_code: str | None  # None: every regulator's default
    unit_name: str | None
    part: str
    level: str
    position: int
    citation: str
    body: str
    active: bool
    updated_by: str
    updated_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def status(self) -> str:
        return "已确认" if self.confirmed else PENDING

    def cited(self) -> dict[str, str]:
        """What a document freezes of it."""
        return {"citation": self.citation, "body": self.body}


def _select() -> sa.Select[Any]:
    return (sa.select(legal_text, unit.c.code.label("unit_code"),
                      unit.c.name.label("unit_name"))
            .select_from(legal_text.outerjoin(unit, unit.c.id == legal_text.c.unit_id)))


def _row(row: Any) -> LegalText:
    m = row._mapping
    return LegalText(id=m["id"], unit_code=m["unit_code"], unit_name=m["unit_name"],
                     part=m["part"], level=m["level"], position=m["position"],
                     citation=m["citation"], body=m["body"], active=bool(m["active"]),
                     updated_by=m["updated_by"], updated_at=m["updated_at"],
                     confirmed_by=m["confirmed_by"], confirmed_at=m["confirmed_at"])


def seed_defaults(conn: Connection, now: datetime) -> int:
    """Insert :data:`SEEDS` as every regulator's defaults unless any default exists (what
    migration 0014 does for an upgraded database); how many rows were added."""
    if conn.execute(sa.select(legal_text.c.id).where(legal_text.c.unit_id.is_(None))
                    .limit(1)).first() is not None:
        return 0
    conn.execute(legal_text.insert(), [
        {"unit_id": None, "part": part, "level": level, "position": position,
         "citation": citation, "body": body, "updated_by": SEEDED_BY, "updated_at": now}
        for position, (part, level, citation, body) in enumerate(SEEDS, start=1)])
    return len(SEEDS)


def list_texts(conn: Connection) -> list[LegalText]:
    """Every row: the defaults first, then by body, part and position."""
    rows = conn.execute(_select().order_by(legal_text.c.unit_id.is_not(None), unit.c.code,
                                           legal_text.c.part, legal_text.c.position,
                                           legal_text.c.id))
    return [_row(r) for r in rows]


def get_text(conn: Connection, text_id: int) -> LegalText:
    row = conn.execute(_select().where(legal_text.c.id == text_id)).first()
    if row is None:
        raise NotFound(f"没有这条法律依据：{text_id} (no legal text {text_id})")
    return _row(row)


def texts_for(conn: Connection, body_code: str, part: str,
              levels: Iterable[str]) -> list[LegalText]:
    """The active texts of ``part`` that ``body_code``'s documents cite about hazards of
    ``levels``: the body's own rows of that part if it has any, else the defaults."""
    wanted = {"", *levels}
    own = [t for t in _active(conn, part) if t.unit_code == body_code]
    chosen = own or [t for t in _active(conn, part) if t.unit_code is None]
    return [t for t in chosen if t.level in wanted]


def _active(conn: Connection, part: str) -> list[LegalText]:
    return [_row(r) for r in conn.execute(
        _select().where(legal_text.c.part == part, legal_text.c.active.is_(True))
        .order_by(legal_text.c.position, legal_text.c.id))]


# -- changing them ---------------------------------------------------------------------------

def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Checked fields of a row (part, level, position, citation, body, active)."""
    details: list[Detail] = []
    part, level = values.get("part"), values.get("level") or ""
    if part not in PARTS:
        details.append(Detail(f"类别须为 {'、'.join(PARTS)} 之一", field="part"))
    if level not in LEVELS:
        details.append(Detail("适用级别须为 空、general 或 major", field="level"))
    citation = str(values.get("citation") or "").strip()
    body = str(values.get("body") or "").strip()
    if not citation or len(citation) > MAX_CITATION:
        details.append(Detail(f"出处（条款）必填，至多 {MAX_CITATION} 字", field="citation"))
    if not body or len(body) > MAX_BODY:
        details.append(Detail(f"条文必填，至多 {MAX_BODY} 字", field="body"))
    try:
        position = int(values.get("position") or 0)
    except (TypeError, ValueError):
        position = -1
    if not 0 <= position <= 999:
        details.append(Detail("顺序须为 0 到 999 的整数", field="position"))
    if details:
        raise InvalidInput("法律依据填写有误 (the legal text is not valid)", details)
    return {"part": part, "level": level, "position": position, "citation": citation,
            "body": body, "active": bool(values.get("active", True))}


def _unit_id(conn: Connection, code: str | None) -> int | None:
    if not code:
        return None
    found = conn.execute(sa.select(unit.c.id, unit.c.kind).where(unit.c.code == code)).first()
    if found is None or found.kind == "institution" or found.kind == "city_direct":
        raise InvalidInput("未知的发布机关 (unknown issuing body)", [Detail(
            f"{code} 不是县区或市卫健委，不签发执法文书", field="unit_code")])
    return int(found.id)


def add_text(conn: Connection, by: str, now: datetime, *, unit_code: str | None,
             **values: Any) -> LegalText:
    """A new row (unconfirmed) for ``unit_code``'s documents, or a default (None)."""
    clean = _clean(values)
    new = conn.execute(legal_text.insert().values(
        unit_id=_unit_id(conn, unit_code), updated_by=by, updated_at=now, **clean)
    ).inserted_primary_key
    assert new is not None
    found = get_text(conn, int(new[0]))
    _journal(conn, by, now, "legal_text.added", found)
    return found


def change_text(conn: Connection, by: str, now: datetime, text_id: int,
                **values: Any) -> LegalText:
    """New values for a row; a changed citation or wording needs confirming again."""
    before = get_text(conn, text_id)
    clean = _clean({"part": before.part, **values})
    reworded = (clean["citation"], clean["body"]) != (before.citation, before.body)
    extra = {"confirmed_by": None, "confirmed_at": None} if reworded else {}
    conn.execute(sa.update(legal_text).where(legal_text.c.id == text_id).values(
        updated_by=by, updated_at=now, **clean, **extra))
    found = get_text(conn, text_id)
    _journal(conn, by, now, "legal_text.changed", found)
    return found


def confirm(conn: Connection, by: str, now: datetime, text_id: int) -> LegalText:
    """Record that the legal office confirmed the row as worded now."""
    get_text(conn, text_id)
    conn.execute(sa.update(legal_text).where(legal_text.c.id == text_id).values(
        confirmed_by=by, confirmed_at=now))
    found = get_text(conn, text_id)
    _journal(conn, by, now, "legal_text.confirmed", found)
    return found


def _journal(conn: Connection, by: str, now: datetime, action: str, text: LegalText) -> None:
    journal.record(conn, actor=by, action=action, subject=f"legal_text:{text.id}", at=now,
                   payload={"unit": text.unit_code, "part": text.part, "level": text.level,
                            "citation": text.citation, "body": text.body,
                            "active": text.active, "confirmed": text.confirmed})
