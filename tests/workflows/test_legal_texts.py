"""The legal texts regulators' documents cite: configuration per issuing body, seeded from
安全生产法 and 16号令, 待法制科确认 until confirmed; and inspectors' 执法证号."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hazardflow.engine import Forbidden, InvalidInput
from hazardflow.engine.journal import events
from hazardflow.workflows import legal_texts
from hazardflow.workflows.certificates import certificate_of
from hazardflow.workflows.demo_documents import JINAN_APPEAL
from hazardflow.workflows.usecases import certificates as certificate_uc
from hazardflow.workflows.usecases import legal_texts as uc
from hazardflow.workflows.users import get_user

from .lifecycle import Lifecycle, with_documents


@pytest.fixture
def lc(db: sa.Engine) -> Lifecycle:
    return with_documents(db)


def test_the_seeds_cite_the_articles_that_apply_each_awaiting_the_legal_office(
        lc: Lifecycle) -> None:
    view = uc.texts(lc.rt, lc.actor("city"))
    defaults = [t for t in view.texts if t.unit_code is None]
    assert len(defaults) == len(legal_texts.SEEDS)
    assert all(t.status == "待法制科确认" and not t.confirmed for t in view.texts)
    citations = " ".join(t.citation for t in defaults)
    for article in ("安全生产法》第四十一条", "安全生产法》第六十五条", "第16号）第十四条",
                    "第16号）第二十条", "第16号）第二十三条", "行政复议法"):
        assert article in citations, article
    assert ("LA-JA", "金安区卫生健康委员会") in view.bodies
    assert all(code != "LA-JA-H01" for code, _ in view.bodies)  # a hospital issues none


def test_a_bodys_own_texts_replace_the_defaults_of_that_part(lc: Lifecycle) -> None:
    with lc.db.connect() as conn:
        jinan = legal_texts.texts_for(conn, "LA-JA", "appeal", {"general"})
        yuan = legal_texts.texts_for(conn, "LA-YA", "appeal", {"general"})
        general = legal_texts.texts_for(conn, "LA-YA", "notice_basis", {"general"})
        major = legal_texts.texts_for(conn, "LA-YA", "notice_basis", {"major"})
    assert [t.body for t in jinan] == [JINAN_APPEAL] and "金安区人民政府" in JINAN_APPEAL
    assert len(yuan) == 1 and "本级人民政府" in yuan[0].body
    assert not any("第二十条" in t.citation for t in general)
    assert any("第二十条" in t.citation for t in major) and len(major) > len(general)


def test_changing_the_wording_needs_the_legal_office_again(lc: Lifecycle) -> None:
    city = lc.actor("city")
    first = uc.texts(lc.rt, city).texts[0]
    confirmed = uc.confirm(lc.rt, city, first.id)
    assert confirmed.confirmed and confirmed.confirmed_by == "city"
    moved = uc.change(lc.rt, city, first.id, part=first.part, level=first.level,
                      position=9, citation=first.citation, body=first.body, active=True)
    assert moved.confirmed and moved.position == 9  # the same words: still confirmed
    reworded = uc.change(lc.rt, lc.actor("admin"), first.id, part=first.part, level="",
                         position=9, citation=first.citation, body=first.body + "（修订）")
    assert not reworded.confirmed and reworded.status == "待法制科确认"
    with lc.db.connect() as conn:
        actions = [e["action"] for e in events(conn, action_prefix="legal_text.")]
    assert sorted(actions) == ["legal_text.added", "legal_text.changed", "legal_text.changed",
                               "legal_text.confirmed"]


def test_only_the_city_and_administrators_edit_them(lc: Lifecycle) -> None:
    for name in ("jinan", "inspector", "safety", "leader"):
        with pytest.raises(Forbidden):
            uc.texts(lc.rt, lc.actor(name))
        with pytest.raises(Forbidden):
            uc.add(lc.rt, lc.actor(name), "LA-JA", part="appeal", citation="x", body="y")
    with pytest.raises(InvalidInput) as bad:
        uc.add(lc.rt, lc.actor("city"), "LA-JA-H01", part="appeal", citation="x", body="y")
    assert [d.field for d in bad.value.details] == ["unit_code"]
    with pytest.raises(InvalidInput) as empty:
        uc.add(lc.rt, lc.actor("city"), None, part="memo", citation="", body="")
    assert {d.field for d in empty.value.details} == {"part", "citation", "body"}
    added = uc.add(lc.rt, lc.actor("city"), "LA-YA", part="appeal", citation="复议",
                   body="向六安市裕安区人民政府申请行政复议")
    assert (added.unit_code, added.confirmed) == ("LA-YA", False)


def test_an_administrator_records_an_inspectors_certificate_number(lc: Lifecycle) -> None:
    with lc.db.connect() as conn:
        user = get_user(conn, "inspector")
    assert user is not None
    with pytest.raises(Forbidden):
        certificate_uc.set_certificate(lc.rt, lc.actor("city"), user.id, "皖卫执第1号")
    with pytest.raises(InvalidInput):
        certificate_uc.set_certificate(lc.rt, lc.actor("admin"), user.id, "<b>1</b>")
    kept = certificate_uc.set_certificate(lc.rt, lc.actor("admin"), user.id,
                                          " 皖卫执（2025）第 0099 号 ")
    assert kept.number == "皖卫执（2025）第 0099 号"
    assert certificate_uc.certificate(lc.rt, lc.actor("admin"), user.id).number == kept.number
    with lc.db.connect() as conn:
        assert certificate_of(conn, "inspector") == kept.number
        assert events(conn, action_prefix="user.certificate_set")[0]["subject"] == \
            "user:inspector"
