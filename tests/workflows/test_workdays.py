"""Working days by China's official calendar: holidays, 调休 make-up workdays, the override
file for years chinese_calendar lacks, the Monday–Friday fallback, and the BPMN functions.

2026's Mid-Autumn and National Day: 25–27 September and 1–7 October off; Sunday 20 September
and Saturday 10 October are make-up workdays (调休)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from hazardflow.cli import main
from hazardflow.engine import Engine, FixedClock
from hazardflow.engine.errors import ExpressionError
from hazardflow.engine.schema import timer
from hazardflow.workflows import workdays as wd
from hazardflow.workflows.calendar import DEFAULT_CALENDAR, BusinessCalendar
from hazardflow.workflows.workdays import OfficialWorkdays, expression_functions
from tests.autocommit import autocommit
from tests.engine.support import CLERK, UnitResolver, load_forms

WED_BEFORE_HOLIDAY = date(2026, 9, 30)
MAKEUP_SATURDAY = date(2026, 10, 10)
MAKEUP_SUNDAY = date(2026, 9, 20)


def test_holidays_are_off_and_the_makeup_weekend_days_are_workdays() -> None:
    cal = DEFAULT_CALENDAR
    assert not cal.is_workday(date(2026, 10, 5))  # a Monday inside National Day
    assert not cal.is_workday(date(2026, 9, 25))  # a Friday, Mid-Autumn
    assert cal.is_workday(MAKEUP_SATURDAY)
    assert cal.is_workday(MAKEUP_SUNDAY)
    assert not cal.is_workday(date(2026, 10, 11))  # an ordinary Sunday


def test_adding_workdays_skips_the_holiday_and_counts_the_makeup_saturday() -> None:
    cal = DEFAULT_CALENDAR
    assert cal.add_workdays(WED_BEFORE_HOLIDAY, 1) == date(2026, 10, 8)
    assert cal.add_workdays(WED_BEFORE_HOLIDAY, 3) == MAKEUP_SATURDAY
    assert cal.add_workdays(WED_BEFORE_HOLIDAY, 4) == date(2026, 10, 12)
    assert cal.add_workdays(date(2026, 10, 12), -4) == WED_BEFORE_HOLIDAY
    assert cal.add_workdays(date(2026, 10, 3), 0) == date(2026, 10, 8)
    assert cal.workdays_between(WED_BEFORE_HOLIDAY, MAKEUP_SATURDAY) == 3
    assert cal.workdays_between(MAKEUP_SATURDAY, WED_BEFORE_HOLIDAY) == -3
    assert cal.workdays_between(date(2026, 9, 19), date(2026, 9, 20)) == 1  # the 调休 Sunday


def test_an_unknown_year_counts_monday_to_friday_and_says_so_once_in_the_log(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wd, "_warned", set())
    cal = OfficialWorkdays()
    assert cal.source_of(2027) is None and cal.unknown_years([2026, 2027]) == [2027]
    with caplog.at_level(logging.WARNING, logger="hazardflow.workdays"):
        assert cal.is_workday(date(2027, 1, 1))  # a Friday: no official data, so a workday
        assert not cal.is_workday(date(2027, 1, 2))
        assert cal.add_workdays(date(2027, 1, 1), 1) == date(2027, 1, 4)
    assert [r.getMessage()[:40] for r in caplog.records] == [
        "official holidays of 2027 are unknown (n"]
    # the pages warn about this year, and from December (publication time) next year too
    assert cal.unknown_soon(date(2026, 11, 30)) == []
    assert cal.unknown_soon(date(2026, 12, 1)) == [2027]


def test_the_override_file_gives_a_year_the_library_lacks(tmp_path: Path) -> None:
    path = tmp_path / "days.json"  # made-up dates: only the mechanism is tested
    path.write_text(json.dumps({"years": {"2031": {
        "holidays": ["2031-01-01", "2031-01-02"], "workdays": ["2031-01-04"]}}}))
    cal = OfficialWorkdays.from_file(path)
    assert cal.source_of(2031) == "override"
    assert [cal.is_workday(date(2031, 1, d)) for d in range(1, 7)] == [
        False, False, True, True, False, True]  # Wed, Thu off; Fri; Sat made up; Sun off; Mon
    path.write_text(json.dumps({"years": {"2031": {"holidays": ["2030-12-31"]}}}))
    with pytest.raises(ValueError, match="2030-12-31 is not in 2031"):
        OfficialWorkdays.from_file(path)


def test_the_shipped_override_file_invents_no_year() -> None:
    assert wd.DEFAULT_WORKDAYS.overrides == {}


def test_calendar_check_says_whether_a_year_is_known(tmp_path: Path) -> None:
    env = {"HAZARDFLOW_INSTANCE_PATH": str(tmp_path)}
    known = CliRunner().invoke(main, ["calendar", "check", "2026"], env=env)
    assert (known.exit_code, known.output) == (0, "2026: known (chinese-calendar)\n")
    unknown = CliRunner().invoke(main, ["calendar", "check", "2099"], env=env)
    assert unknown.exit_code == 1 and "2099: unknown: Monday to Friday" in unknown.output


def test_the_expression_functions_give_the_end_of_the_business_day() -> None:
    functions = expression_functions(DEFAULT_CALENDAR)
    assert functions["add_workdays"]("2026-09-30", 3) == "2026-10-11T00:00:00+08:00"
    assert functions["add_workdays"]("2026-09-29", 3) == "2026-10-10T00:00:00+08:00"
    # 2026-09-29 20:00 UTC is already the 30th in Lu'an
    assert functions["add_workdays"]("2026-09-29T20:00:00Z", 3) == "2026-10-11T00:00:00+08:00"
    assert functions["is_workday"]("2026-10-10") is True
    with pytest.raises(ExpressionError):
        functions["add_workdays"]("2026-09-30", 10**9)
    with pytest.raises(ExpressionError):
        functions["add_workdays"]("yesterday", 1)


TIMER_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_W" targetNamespace="t">
  <bpmn:process id="accept_in_3" name="受理" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Task_Accept" />
    <bpmn:userTask id="Task_Accept" name="受理" camunda:candidateGroups="clerk"
        camunda:formKey="fix_form">
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="Timer_Late" name="超期" attachedToRef="Task_Accept">
      <bpmn:outgoing>F3</bpmn:outgoing>
      <bpmn:timerEventDefinition id="TD"><bpmn:timeDate>${workdays_after(3)}</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Accept" targetRef="End_Done" />
    <bpmn:sequenceFlow id="F3" sourceRef="Timer_Late" targetRef="End_Late" />
    <bpmn:endEvent id="End_Done" name="受理"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="End_Late" name="超期"><bpmn:incoming>F3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_timer_of_three_workdays_fires_after_the_holiday_on_the_makeup_saturday(
        db: sa.Engine) -> None:
    received = datetime(2026, 9, 30, 1, 0, tzinfo=UTC)  # Wednesday 09:00 in Lu'an
    engine: Engine = autocommit(Engine(db, resolver=UnitResolver(), clock=FixedClock(received)))
    wd.register_functions(engine, BusinessCalendar.named())
    engine.deploy(TIMER_BPMN.encode(), load_forms(), actor="designer")
    case = engine.start_case("accept_in_3", {}, CLERK)
    end_of_makeup_saturday = datetime(2026, 10, 10, 16, 0, tzinfo=UTC)  # 24:00 in Lu'an
    with db.connect() as conn:
        due = conn.execute(sa.select(timer.c.due_at).where(timer.c.case_id == case.case_id))
        assert [d.replace(tzinfo=d.tzinfo or UTC) for (d,) in due] == [end_of_makeup_saturday]
    assert engine.fire_due_timers(end_of_makeup_saturday - timedelta(seconds=1)) == 0
    assert engine.fire_due_timers(end_of_makeup_saturday + timedelta(seconds=1)) == 1


def test_a_timer_function_outside_the_whitelist_is_still_refused_at_deploy(
        db: sa.Engine) -> None:
    engine: Engine = autocommit(Engine(db, resolver=UnitResolver()))
    wd.register_functions(engine, DEFAULT_CALENDAR)
    hostile = TIMER_BPMN.replace("workdays_after(3)", "workdays_after.__globals__")
    with pytest.raises(Exception, match="Attribute is not allowed"):
        engine.deploy(hostile.encode(), load_forms(), actor="designer")


@pytest.mark.parametrize("source", [
    "add_workdays('2026-09-30', 10 ** 60)", "workdays_after(True)", "workdays_after(501)",
    "is_workday([1] * 10)", "add_workdays('2026-09-30' * 1000, 1)", "add_workdays(None, 1)",
])
def test_hostile_arguments_to_the_workday_functions_are_refused_by_the_evaluator(
        source: str) -> None:
    from hazardflow.engine.expression_functions import default_functions
    from hazardflow.engine.expressions import Evaluator

    evaluator = Evaluator({**default_functions(DEFAULT_CALENDAR.tz),
                           **expression_functions(DEFAULT_CALENDAR)})
    with pytest.raises(ExpressionError):
        evaluator.evaluate(source, {})
