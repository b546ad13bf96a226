"""Rewards for public reports (举报奖励): the city's tiers by hazard level, and the
report_reward process: proposal by the county → the city's approval → payment recorded.

A 属实 report is a ``public_report`` row as triage leaves it (closed, finding substantiated,
the hazard's level, whether the reporter can be reached); the reward starts from there."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.engine import Conflict, FixedClock, Forbidden, InvalidInput, NotFound
from hazardflow.engine.db import write_transaction
from hazardflow.engine.schema import process_case
from hazardflow.workflows.demo import seed_units
from hazardflow.workflows.runtime import bundled_files, bundled_forms
from hazardflow.workflows.schema import unit
from hazardflow.workflows.schema_reports import public_report
from hazardflow.workflows.schema_rewards import report_reward, reward_tier
from hazardflow.workflows.usecases import rewards
from hazardflow.workflows.users import create_user
from tests.autocommit import autocommit
from tests.factories import make_runtime

from .conftest import T0
from .lifecycle import Lifecycle

TIERS = {"general": "200", "major": "1000"}
CODES = itertools.count(1)
PEOPLE = [("city", "市卫健委综合监督科", "city_supervisor", "LA"),
          ("jinan", "金安区卫健委监管员", "county_supervisor", "LA-JA"),
          ("yuan", "裕安区卫健委监管员", "county_supervisor", "LA-YA"),
          ("safety", "金安区人民医院安全管理员", "safety_officer", "LA-JA-H01")]


class RewardLife(Lifecycle):
    """The lifecycle driver with only the reward process deployed and only the people these
    tests need (the rest cost time)."""

    def __init__(self, db: sa.Engine) -> None:
        self.db, self.clock = db, FixedClock(T0)
        self.rt = make_runtime(db, self.clock)
        self.engine = autocommit(self.rt.engine)
        shipped = {f.name: f.bpmn for f in bundled_files()}["report_reward.bpmn"]
        self.engine.deploy(shipped, bundled_forms(), actor="system")
        with db.begin() as conn:
            seed_units(conn)
            for name, display, role, unit_code in PEOPLE:
                create_user(conn, name, "password", display, [(role, unit_code)], now=T0)


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    life = RewardLife(db)
    rewards.set_reward_tiers(life.rt, life.actor("city"), TIERS, "2026年标准")
    yield life


def substantiated(lc: Lifecycle, level: str = "major", known: bool = True,
                  unit_code: str = "LA-JA-H01", finding: str = "substantiated") -> int:
    with lc.db.begin() as conn:
        unit_id = conn.execute(sa.select(unit.c.id).where(unit.c.code == unit_code)).scalar()
        return int(conn.execute(sa.insert(public_report).values(
            code=f"JB{next(CODES):08d}", pin_hash="x", unit_id=unit_id,
            county_code="LA-JA", place="门诊楼", description="消防通道堵塞",
            anonymous=not known, reporter_known=known, status="closed", finding=finding,
            hazard_level=level, created_at=lc.now(), updated_at=lc.now())
            .returning(public_report.c.id)).scalar_one())


def reward(lc: Lifecycle, reward_id: int) -> Any:
    with lc.db.connect() as conn:
        return conn.execute(sa.select(report_reward)
                            .where(report_reward.c.id == reward_id)).one()


def counts(lc: Lifecycle) -> tuple[int, int]:
    with lc.db.connect() as conn:
        return (conn.execute(sa.select(sa.func.count()).select_from(report_reward)).scalar_one(),
                conn.execute(sa.select(sa.func.count()).select_from(process_case)
                             .where(process_case.c.business_key.like("reward-%"))).scalar_one())


def test_tiers_by_level_are_the_citys_and_a_county_user_changes_nothing(lc: Lifecycle) -> None:
    shown = rewards.reward_tiers(lc.rt, lc.actor("jinan"))
    assert [(t["name"], t["amount"], t["updated_by_name"]) for t in shown] == [
        ("一般隐患", 200, "市卫健委综合监督科"), ("重大隐患", 1000, "市卫健委综合监督科")]
    with pytest.raises(Forbidden, match="设定举报奖励标准"):
        rewards.set_reward_tiers(lc.rt, lc.actor("jinan"), {"major": "5"})
    with pytest.raises(InvalidInput, match="amount.major"):
        rewards.set_reward_tiers(lc.rt, lc.actor("city"), {"general": "300", "major": "-1"})
    with pytest.raises(InvalidInput, match="unknown hazard level"):
        rewards.set_reward_tiers(lc.rt, lc.actor("city"), {"general": "300", "huge": "9"})
    with lc.db.connect() as conn:
        assert dict(conn.execute(sa.select(reward_tier.c.level, reward_tier.c.amount))
                    .all()) == {"general": 200, "major": 1000}
    with pytest.raises(Forbidden):
        rewards.reward_tiers(lc.rt, lc.actor("safety"))


def test_a_reward_is_proposed_at_its_tier_approved_by_the_city_and_its_payment_recorded(
        lc: Lifecycle) -> None:
    report_id = substantiated(lc, "general")
    assert [r["id"] for r in rewards.rewards_page(lc.rt, lc.actor("jinan"))["awaiting"]] == [
        report_id]
    assert rewards.rewards_page(lc.rt, lc.actor("yuan"))["awaiting"] == []  # another county
    reward_id = rewards.propose_reward(lc.rt, lc.actor("jinan"), report_id)
    assert rewards.rewards_page(lc.rt, lc.actor("jinan"))["awaiting"] == []
    row = reward(lc, reward_id)
    assert (row.status, row.tier_amount, row.hazard_level) == ("proposing", 200, "general")
    case_id = row.case_id
    assert lc.candidates(lc.task_id(case_id, "Task_Propose")) >= {("county_supervisor", "LA-JA")}
    lc.complete(case_id, "Task_Propose", "jinan", {"adjust": "tier"})
    assert (reward(lc, reward_id).status, reward(lc, reward_id).amount) == ("proposed", 200)
    assert lc.candidates(lc.task_id(case_id, "Task_Approve")) == {("city_supervisor", "LA")}
    lc.complete(case_id, "Task_Approve", "city", {"decision": "approve"})
    lc.complete(case_id, "Task_Pay", "city", {"paid_on": "2026-11-03", "paid_amount": 200,
                                              "payment_ref": "ZZ20261103001"})
    row = reward(lc, reward_id)
    assert (row.status, row.decided_by, row.paid_on.isoformat(), row.paid_amount,
            row.payment_ref) == ("paid", "city", "2026-11-03", 200, "ZZ20261103001")
    assert lc.case(case_id).status == "completed"
    assert [h["actor"] for h in lc.history(case_id)] == ["jinan", "jinan", "city", "city"]
    assert lc.ran(case_id)[-2:] == ["ServiceTask_Paid", "EndEvent_Paid"]


def test_an_adjusted_amount_needs_a_reason_a_send_back_reopens_and_a_refusal_is_recorded(
        lc: Lifecycle) -> None:
    reward_id = rewards.propose_reward(lc.rt, lc.actor("jinan"), substantiated(lc))
    case_id = reward(lc, reward_id).case_id
    with pytest.raises(InvalidInput):
        lc.complete(case_id, "Task_Propose", "jinan", {"adjust": "adjusted", "amount": 1500})
    lc.complete(case_id, "Task_Propose", "jinan",
                {"adjust": "adjusted", "amount": 1500, "amount_reason": "举报人协助取证"})
    assert (reward(lc, reward_id).amount, reward(lc, reward_id).tier_amount) == (1500, 1000)
    with pytest.raises(InvalidInput):
        lc.complete(case_id, "Task_Approve", "city", {"decision": "return"})
    lc.complete(case_id, "Task_Approve", "city",
                {"decision": "return", "decision_reason": "超出标准，请按标准拟定"})
    assert reward(lc, reward_id).status == "proposing"
    lc.complete(case_id, "Task_Propose", "jinan", {"adjust": "tier"})
    assert (reward(lc, reward_id).status, reward(lc, reward_id).amount) == ("proposed", 1000)
    lc.complete(case_id, "Task_Approve", "city",
                {"decision": "refuse", "decision_reason": "举报人系被举报单位职工"})
    row = reward(lc, reward_id)
    assert (row.status, row.decision_reason, row.paid_on) == (
        "refused", "举报人系被举报单位职工", None)
    assert lc.ran(case_id)[-2:] == ["ServiceTask_Refused", "EndEvent_Refused"]


def test_only_the_city_approves_and_a_refused_request_changes_nothing(lc: Lifecycle) -> None:
    reward_id = rewards.propose_reward(lc.rt, lc.actor("jinan"), substantiated(lc))
    case_id = reward(lc, reward_id).case_id
    lc.complete(case_id, "Task_Propose", "jinan", {"adjust": "tier"})
    with pytest.raises((Forbidden, NotFound)):
        lc.complete(case_id, "Task_Approve", "jinan", {"decision": "approve"})
    assert reward(lc, reward_id).status == "proposed"
    before = counts(lc)
    for who, report, error in (
            ("yuan", substantiated(lc, unit_code="LA-JA-H02"), NotFound),  # another county
            ("safety", substantiated(lc, unit_code="LA-JA-H02"), Forbidden),  # not the triage
            ("jinan", substantiated(lc, "general", known=False), Conflict),  # anonymous
            ("jinan", substantiated(lc, "general", finding="unfounded",
                                    unit_code="LA-JA-H02"), Conflict),
            ("jinan", 999_999, NotFound)):
        with pytest.raises(error):
            rewards.propose_reward(lc.rt, lc.actor(who), report)
    with pytest.raises(Conflict, match="已有奖励记录"):
        rewards.propose_reward(lc.rt, lc.actor("jinan"), reward(lc, reward_id).report_id)
    assert counts(lc) == before


OPENER_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_T" targetNamespace="t">
  <bpmn:process id="mini_triage" name="核查" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="收到"><bpmn:outgoing>F1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Task_Verify" />
    <bpmn:userTask id="Task_Verify" name="核查" camunda:formKey="reward_approve"
        camunda:candidateGroups="county_supervisor@county">
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Verify" targetRef="Service_Reward" />
    <bpmn:serviceTask id="Service_Reward" name="开启举报奖励" camunda:type="external"
        camunda:topic="reward.open"><bpmn:incoming>F2</bpmn:incoming>
      <bpmn:outgoing>F3</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:sequenceFlow id="F3" sourceRef="Service_Reward" targetRef="End_1" />
    <bpmn:endEvent id="End_1" name="完成"><bpmn:incoming>F3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_service_task_in_another_diagram_opens_the_reward_only_for_a_qualifying_report(
        lc: Lifecycle) -> None:
    lc.engine.deploy(OPENER_BPMN.encode(), bundled_forms(), actor="designer")
    opened = {}
    for known in (False, True):
        case_id = _start_mini(lc)
        report_id = substantiated(lc, known=known)
        with lc.db.begin() as conn:
            conn.execute(sa.update(public_report).where(public_report.c.id == report_id)
                         .values(case_id=case_id))
        lc.complete(case_id, "Task_Verify", "jinan", {"decision": "approve"})
        opened[known] = lc.data(case_id)["reward_opened"]
    assert opened == {False: False, True: True}
    with lc.db.connect() as conn:
        row = conn.execute(sa.select(report_reward)).one()
    assert (row.status, row.proposed_by, row.tier_amount) == ("proposing", "jinan", 1000)


def _start_mini(lc: Lifecycle) -> int:
    with write_transaction(lc.db) as conn:
        definition = lc.rt.engine.definition(conn, "mini_triage")
        return lc.rt.engine.start_case_within(conn, definition, {"unit_code": "LA-JA-H01"},
                                              lc.actor("jinan")).case_id
