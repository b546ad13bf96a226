"""The look-back (回头看): a commission's sample rule draws, months after closing, a seeded
sample of its closed hazards; each sampled hazard's re-check lands in the inbox of the
supervising county's inspectors; found back (隐患复现), the hazard is registered again as a
repeat that goes back into rectification and costs the unit points in the assessment;
已整改到位 changes nothing; a county sets no rule but its own."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.engine import Forbidden, InvalidInput, NotFound
from hazardflow.engine.journal import events
from hazardflow.engine.schema import human_task
from hazardflow.workflows import lookback
from hazardflow.workflows.inbox import TaskQuery
from hazardflow.workflows.schema import hazard
from hazardflow.workflows.schema_lookback import lookback_round, lookback_rule, lookback_sample
from hazardflow.workflows.usecases import campaigns as campaign_uc
from hazardflow.workflows.usecases import inbox
from hazardflow.workflows.usecases import lookback as uc

from .campaign_support import cst
from .lifecycle import Lifecycle
from .lifecycle_forms import order_form, rectify_form, verify_passed

DRAWN_AT = cst(2026, 12, 3, 9)
Row = namedtuple("Row", "code level")


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db)


def closed(lc: Lifecycle, on: datetime, **overrides: Any) -> str:
    """金安区人民医院 finds a hazard, orders it fixed and closes it at ``on``. Its code."""
    case_id = lc.report(by="safety", **overrides)
    lc.complete(case_id, "Task_Triage", "safety", order_form(date(2026, 12, 20)))
    before = lc.now()
    lc.clock.set(on)
    lc.complete(case_id, "Task_Rectify", "rectifier", rectify_form())
    lc.complete(case_id, "Task_Verify", "verifier", verify_passed())
    lc.clock.set(before)
    return str(lc.hazard(case_id)["code"])


def county_rule(lc: Lifecycle, **given: Any) -> None:
    uc.set_rule(lc.rt, lc.actor("jinan"), {"body_code": "LA-JA", "months": 1,
                                           "share_pct": 40, "at_least": 1, **given})


def draw(lc: Lifecycle, at: datetime = DRAWN_AT) -> list[int]:
    lc.clock.set(at)
    return uc.draw_due(lc.rt, at)


def samples(lc: Lifecycle) -> dict[str, Any]:
    with lc.db.connect() as conn:
        return {r.code: r for r in conn.execute(
            sa.select(lookback_sample, hazard.c.code)
            .join(hazard, hazard.c.id == lookback_sample.c.hazard_id))}


def repeats(lc: Lifecycle) -> list[dict[str, str]]:
    """The repeat items of 金安区人民医院 in the 2026 assessment, an hour on."""
    lc.clock.set(lc.now() + timedelta(hours=1))
    result = campaign_uc.assessment(lc.rt, lc.actor("jinan"), 2026)
    row = next(r for r in result["rows"] if r["unit_code"] == "LA-JA-H01")
    return next(line for line in row["breakdown"] if line["code"] == "repeat")["items"]


def case_of(lc: Lifecycle, code: str) -> int:
    with lc.db.connect() as conn:
        return int(conn.execute(sa.select(hazard.c.case_id).where(hazard.c.code == code))
                   .scalar_one())


def inbox_cases(lc: Lifecycle, username: str) -> set[int]:
    found = set()
    for view in ("mine", "groups"):
        page = inbox.inbox_page(lc.rt, lc.actor(username), 0, TaskQuery(view=view))
        found |= {t["case_id"] for t in page["result"]["items"]}
    return found


def test_the_sample_takes_every_major_then_the_seeded_order_up_to_the_share() -> None:
    pool = [Row(f"YH-2026-{n:06d}", "major" if n in (3, 7) else "general")
            for n in range(1, 11)]
    rule = lookback.Rule(months=3, share_pct=30, at_least=0, majors_always=True)
    chosen = lookback.choose(pool, rule, "LA-JA:2026-08")
    assert len(chosen) == 3
    assert {r.code for r, why in chosen if why == "major"} == {"YH-2026-000003",
                                                               "YH-2026-000007"}
    assert chosen == lookback.choose(list(reversed(pool)), rule, "LA-JA:2026-08")
    assert len(lookback.choose(pool, lookback.Rule(3, 10, at_least=5), "s")) == 5
    assert len(lookback.choose(pool, lookback.Rule(3, 0, majors_always=False), "s")) == 0
    others = {frozenset(r.code for r, _ in lookback.choose(
        pool, lookback.Rule(3, 30, majors_always=False), f"LA-JA:2026-0{m}"))
        for m in range(1, 10)}
    assert len(others) > 1  # the seed, not the codes' order, decides
    assert lookback.period_due(date(2026, 11, 30), 3) == "2026-08"
    assert lookback.period_due(date(2027, 2, 1), 3) == "2026-11"


def test_a_round_draws_the_rules_share_of_last_months_closed_hazards_once(
        lc: Lifecycle) -> None:
    county_rule(lc)
    codes = [closed(lc, cst(2026, 11, 10 + n, 10)) for n in range(5)]
    closed(lc, cst(2026, 12, 1, 10))  # closed this month: not yet due
    rule = lookback.Rule(1, 40, 1)
    with lc.db.connect() as conn:
        body = lookback.require_body(conn, "LA-JA")
        before = lookback.pool(conn, body, rule, "2026-11", lc.rt.calendar)
    assert draw(lc) != []
    assert draw(lc) == []  # the month's round is drawn once
    with lc.db.connect() as conn:
        (head,) = conn.execute(sa.select(lookback_round)).all()
        left = lookback.pool(conn, body, rule, "2026-11", lc.rt.calendar)
    assert (head.period, head.seed, head.pool) == ("2026-11", "LA-JA:2026-11", 5)
    assert sorted(r.code for r in before) == codes
    drawn = samples(lc)
    assert len(drawn) == 2 and set(drawn) <= set(codes)  # 40% of 5
    assert set(drawn) == {r.code for r, _ in lookback.choose(before, rule, head.seed)}
    assert {r.code for r in left} == set(codes) - set(drawn)  # never drawn twice
    with lc.db.connect() as conn:
        (record,) = events(conn, action_prefix="lookback.drawn")
    assert sorted(record["payload"]["hazards"]) == sorted(drawn)
    assert record["payload"]["rule"]["share_pct"] == 40


def test_the_recheck_lands_in_the_supervising_countys_inbox(lc: Lifecycle) -> None:
    county_rule(lc, share_pct=100)
    closed(lc, cst(2026, 11, 12, 10))
    draw(lc)
    (sample,) = samples(lc).values()
    assert sample.recheck_body == "LA-JA" and sample.outcome == "pending"
    assert lc.open_elements(sample.case_id) == ["Task_Lookback"]
    assert sample.case_id in inbox_cases(lc, "inspector")
    assert sample.case_id in inbox_cases(lc, "jinan")
    assert sample.case_id not in inbox_cases(lc, "yuan")  # another county's
    assert sample.case_id not in inbox_cases(lc, "safety")  # not the unit's own


def test_a_hazard_found_back_reopens_as_a_repeat_the_assessment_counts(
        lc: Lifecycle) -> None:
    county_rule(lc, share_pct=100)
    original = closed(lc, cst(2026, 11, 12, 10))
    draw(lc)
    assert repeats(lc) == []
    (sample,) = samples(lc).values()
    lc.complete(sample.case_id, "Task_Lookback", "inspector",
                {"lookback_result": "found_back", "recheck_note": "安全出口又被杂物堵塞",
                 "photos_site": ["ev-site-1"]})
    after = samples(lc)[original]
    assert (after.outcome, after.done_by) == ("back", "inspector")
    again = lc.hazard(after.repeat_case_id)
    assert again["code"] == after.repeat_hazard_code != original
    assert (again["status"], again["unit_code"]) == ("open", "LA-JA-H01")
    assert again["description"].startswith(f"【回头看复现 {original}】")
    assert lc.open_elements(after.repeat_case_id) == ["Task_Triage"]  # rectified again
    items = repeats(lc)
    assert [(i["ref"], i["note"]) for i in items] == [(again["code"], f"复现 {original}")]
    with lc.db.connect() as conn:  # the ledger links both ways
        assert lookback.repeat_of(conn, after.repeat_case_id)["original"] == original
        assert lookback.repeat_of(conn, case_of(lc, original))["repeat_hazard_code"] \
            == again["code"]


def test_a_rectification_that_held_changes_nothing(lc: Lifecycle) -> None:
    county_rule(lc, share_pct=100)
    original = closed(lc, cst(2026, 11, 12, 10))
    draw(lc)
    (sample,) = samples(lc).values()
    with lc.db.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(hazard)).scalar()
    lc.complete(sample.case_id, "Task_Lookback", "inspector",
                {"lookback_result": "held", "recheck_note": "通道畅通，整改到位"})
    after = samples(lc)[original]
    assert (after.outcome, after.repeat_case_id) == ("held", None)
    with lc.db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(hazard)).scalar() == before
        assert conn.execute(sa.select(human_task.c.state).where(
            human_task.c.case_id == sample.case_id)).scalar() == "completed"
    assert repeats(lc) == []


def test_a_county_sets_no_rule_but_its_own_and_nothing_is_written(lc: Lifecycle) -> None:
    with pytest.raises(Forbidden):  # 金安区 for 裕安区
        uc.set_rule(lc.rt, lc.actor("jinan"), {"body_code": "LA-YA", "months": 3,
                                               "share_pct": 20})
    with pytest.raises(Forbidden):  # a county for the whole city
        uc.set_rule(lc.rt, lc.actor("jinan"), {"body_code": "LA", "months": 3,
                                               "share_pct": 20})
    with pytest.raises(InvalidInput):  # a hospital sets no rule
        uc.set_rule(lc.rt, lc.actor("jinan"), {"body_code": "LA-JA-H01", "months": 3,
                                               "share_pct": 20})
    with pytest.raises(NotFound):
        uc.set_rule(lc.rt, lc.actor("jinan"), {"body_code": "XX", "months": 3,
                                               "share_pct": 20})
    with pytest.raises(InvalidInput) as bad:
        uc.set_rule(lc.rt, lc.actor("jinan"), {"body_code": "LA-JA", "months": 0,
                                               "share_pct": 20})
    assert bad.value.details[0].field == "months"
    with lc.db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(lookback_rule)).scalar() == 0
    stored = uc.set_rule(lc.rt, lc.actor("city"), {"body_code": "LA", "months": 3,
                                                   "share_pct": 20, "level": "major"})
    assert (stored["body_name"], stored["level_name"]) == ("六安市卫生健康委员会", "重大隐患")


def test_the_citys_rule_leaves_a_county_with_its_own_rule_to_it(lc: Lifecycle) -> None:
    uc.set_rule(lc.rt, lc.actor("city"), {"body_code": "LA", "months": 1, "share_pct": 100})
    county_rule(lc, share_pct=0, at_least=0)
    closed(lc, cst(2026, 11, 12, 10))
    draw(lc)
    with lc.db.connect() as conn:
        pools = dict(conn.execute(sa.select(lookback_round.c.seed, lookback_round.c.pool)).all())
    assert pools == {"LA:2026-11": 0, "LA-JA:2026-11": 1}
    assert samples(lc) == {}
