"""One county's month, end to end: 金安区 (LA-JA) in November 2026, on a fixed clock, through
the real use-cases and engine — its hospitals' self-inspections, the county's inspection, the
city's 暗访 with a 重大 finding, a hazard registered late on the month's last day, the
documents in the name of the body that ordered, the re-checks by the right people, the
monthly round up the reporting chain, and the year's assessment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.engine import Conflict, Forbidden
from hazardflow.workflows import documents as docs
from hazardflow.workflows.campaigns import FOUNDING
from hazardflow.workflows.ledger import get_hazard
from hazardflow.workflows.usecases import campaigns as campaign_uc
from hazardflow.workflows.usecases import documents as document_uc
from hazardflow.workflows.usecases import inspections as inspection_uc

from .campaign_support import cst, findings, inspect, report_of, reporters_to, staff, submit
from .lifecycle import Lifecycle
from .lifecycle_forms import major_order_form, order_form, rectify_form, verify_passed

DEADLINE = date(2026, 11, 20)


@pytest.fixture
def lc(db: sa.Engine) -> Iterator[Lifecycle]:
    yield Lifecycle(db, start=cst(2026, 11, 2, 9))


def lines(assessed: dict[str, Any], code: str) -> dict[str, dict[str, Any]]:
    rows = [*assessed["rows"], *([assessed["own"]] if assessed["own"] else [])]
    return {line["code"]: line for line in next(
        r for r in rows if r["unit_code"] == code)["breakdown"]}


def refs(line: dict[str, Any]) -> list[str]:
    return [item["ref"] for item in line["items"]]


def sees(lc: Lifecycle, who: str, code: str) -> bool:
    with lc.db.connect() as conn:
        return get_hazard(conn, lc.actor(who), code) is not None


def issued(lc: Lifecycle, doc: docs.Document) -> tuple[str, str, str, str, str]:
    """(form, issuing unit, the name it speaks in, number, date) of an issued document."""
    with lc.db.connect() as conn:
        return (doc.form, docs.issuer_of(conn, doc).code,
                docs.content_of(conn, doc.id)["issuer_name"], doc.number, str(doc.dated_on))


def checked_by(lc: Lifecycle, doc: docs.Document) -> list[str]:
    with lc.db.connect() as conn:
        return [s["check"]["by"] for s in docs.snapshots(conn, doc.id)]


def test_one_countys_month_from_self_inspections_to_the_assessment(lc: Lifecycle) -> None:
    h02_safety, _ = staff(lc, "LA-JA-H02")
    h03_safety, h03_head = staff(lc, "LA-JA-H03")
    lc.add_user("both_hats", "rectifier@LA-JA-H01", "verifier@LA-JA-H01")

    # 1. self-inspections (自查): 金安区人民医院 finds a general hazard and orders it itself;
    # 金安区中医院 goes through every checklist of the campaign and finds nothing
    own_visit = inspect(lc, "safety", "self", "LA-JA-H01", {1: "三楼疏散通道堆放杂物"})
    own = findings(own_visit)[0]
    lc.complete(own["case_id"], "Task_Triage", "safety",
                order_form(DEADLINE, responsible="both_hats"))
    for theme in FOUNDING["themes"]:
        assert findings(inspect(lc, h03_safety, "self", "LA-JA-H03", {},
                                checklist=str(theme[3]))) == []
    own_row = lc.hazard(own["case_id"])
    assert (own_row["source"], own_row["found_by_level"], own_row["order_kind"],
            own_row["ordered_by_body"]) == ("self_inspection", "unit", "unit", "LA-JA-H01")

    # 2. the county's inspector inspects the hospital; the county orders the finding
    lc.set_time(cst(2026, 11, 4, 10))
    county_visit = inspect(lc, "inspector", "supervision", "LA-JA-H01", {4: "管道井未封堵"})
    county = findings(county_visit)[0]
    lc.complete(county["case_id"], "Task_Triage", "jinan", order_form(DEADLINE))
    county_row = lc.hazard(county["case_id"])
    assert (county_row["found_by_level"], county_row["order_kind"],
            county_row["ordered_by_body"], county_row["ordered_on"]) == \
        ("county", "regulator", "LA-JA", "2026-11-04")

    # 3. the city's 暗访 at 金安区妇幼保健院: a 重大 hazard (a major-hazard trigger item),
    # hidden from the hospital (never from the county) until the city orders it
    lc.set_time(cst(2026, 11, 10, 10))
    visit = inspect(lc, "city", "unannounced", "LA-JA-H02", {2: "自动喷水灭火系统被关闭"})
    major = findings(visit)[0]
    assert major["level"] == "major" and lc.open_elements(major["case_id"]) == \
        ["Task_MajorOrder"]
    assert not sees(lc, h02_safety, major["hazard_code"])
    assert sees(lc, "jinan", major["hazard_code"])
    lc.complete(major["case_id"], "Task_MajorOrder", "city", major_order_form())
    assert sees(lc, h02_safety, major["hazard_code"])
    assert lc.hazard(major["case_id"])["ordered_by_body"] == "LA"
    assert lc.open_elements(major["case_id"]) == ["Task_Controls"]

    # 6. re-checks: the hospital's verifier verifies its own finding, never its rectifier
    # (who holds the verifier role too); the county re-checks its finding, not the hospital
    lc.set_time(cst(2026, 11, 13, 10))
    lc.complete(own["case_id"], "Task_Rectify", "both_hats", rectify_form())
    with pytest.raises(Forbidden):
        lc.complete(own["case_id"], "Task_Verify", "both_hats", verify_passed())
    lc.complete(own["case_id"], "Task_Verify", "verifier", verify_passed())
    lc.set_time(cst(2026, 11, 16, 10))
    lc.complete(county["case_id"], "Task_Rectify", "rectifier", rectify_form())
    assert lc.open_elements(county["case_id"]) == ["Task_Recheck"]
    with pytest.raises(Forbidden):
        lc.complete(county["case_id"], "Task_Recheck", "verifier", verify_passed())
    lc.complete(county["case_id"], "Task_Recheck", "inspector", verify_passed())
    assert [lc.hazard(c)["status"] for c in (own["case_id"], county["case_id"])] == \
        ["closed", "closed"]

    # 5. documents, issued days later: each in the name of the body that ordered (re-checked),
    # numbered by it, dated on the order's (re-check's) business day
    lc.set_time(cst(2026, 11, 19, 15))
    with pytest.raises(Forbidden):  # the county did not order the hospital's own finding
        inspection_uc.issue_notice(lc.rt, lc.actor("jinan"), own_visit["id"])
    with pytest.raises(Forbidden):  # nor does the hospital sign the county's directive
        inspection_uc.issue_notice(lc.rt, lc.actor("safety"), county_visit["id"])
    hospital_notice = inspection_uc.issue_notice(lc.rt, lc.actor("safety"), own_visit["id"])
    county_notice = inspection_uc.issue_notice(lc.rt, lc.actor("jinan"), county_visit["id"])
    assert issued(lc, hospital_notice) == ("unit_notice", "LA-JA-H01", "金安区人民医院",
                                           "金安区人民医院隐改〔2026〕001号", "2026-11-02")
    assert issued(lc, county_notice) == ("directive", "LA-JA", "金安区卫生健康委员会",
                                         "金安卫健责改〔2026〕1号", "2026-11-04")
    assert (hospital_notice.issued_by, county_notice.issued_by) == ("safety", "jinan")
    assert lc.rt.calendar.today(county_notice.issued_at) == date(2026, 11, 19)
    acceptance = document_uc.issue(lc.rt, lc.actor("principal"), own["case_id"],
                                   "opinion").document
    review = document_uc.issue(lc.rt, lc.actor("jinan"), county["case_id"], "opinion").document
    assert issued(lc, acceptance) == ("unit_acceptance", "LA-JA-H01", "金安区人民医院",
                                      "金安区人民医院验收〔2026〕001号", "2026-11-13")
    assert issued(lc, review) == ("review", "LA-JA", "金安区卫生健康委员会",
                                  "金安卫健复查〔2026〕1号", "2026-11-16")
    assert (checked_by(lc, acceptance), checked_by(lc, review)) == \
        (["金安区人民医院验收人"], ["金安区检查员"])
    # the city's order on its 暗访's major finding gets its notice while the visit is still
    # unpublished, in the city's name; the visit's notice, once published, has nothing left
    with pytest.raises(Conflict):
        inspection_uc.issue_notice(lc.rt, lc.actor("city"), visit["id"])
    city_notice = document_uc.issue(lc.rt, lc.actor("city"), major["case_id"],
                                    "notice").document
    assert issued(lc, city_notice) == ("directive", "LA", "六安市卫生健康委员会",
                                       "六卫健责改〔2026〕1号", "2026-11-10")
    inspection_uc.publish(lc.rt, lc.actor("city"), visit["id"])
    with pytest.raises(Conflict, match="已在通报前另行下达整改通知"):
        inspection_uc.issue_notice(lc.rt, lc.actor("city"), visit["id"])

    # 4. a hazard registered at 23:30 on the month's last day is November's; one registered
    # ten minutes into December is not
    lc.set_time(cst(2026, 11, 30, 23, 30))
    last_day = lc.report("safety", category="electrical", location="住院部配电间",
                         description="配电箱箱门缺失，线路裸露")
    lc.engine.fire_due_timers(cst(2026, 12, 1))  # 7. the monthly round opens
    lc.set_time(cst(2026, 12, 1, 0, 10))
    lc.report("safety", category="management", description="值班记录缺失")
    lc.set_time(cst(2026, 12, 1, 9))
    lc.complete(last_day, "Task_Triage", "safety",
                order_form(date(2026, 12, 10), responsible="rectifier"))  # never done

    # 7. hospitals report to the county by the 20th: one on time, one late, one missing
    lc.set_time(cst(2026, 12, 18, 9))
    hospital = submit(lc, "monthly", "2026-11", "LA-JA-H01", "safety", "principal")
    assert (hospital["reports_to"], hospital["due_on"], hospital["late"]) == \
        ("LA-JA", "2026-12-20", False)
    assert hospital["figures"]["new"]["total"] == 3  # its own, the county's, the last day's
    assert hospital["figures"]["new"]["by_category"]["electrical"] == 1
    lc.set_time(cst(2026, 12, 21, 9))
    assert submit(lc, "monthly", "2026-11", "LA-JA-H03", h03_safety, h03_head)["late"]
    lc.set_time(cst(2026, 12, 24, 16))  # the county reports to the city on the 24th
    report = submit(lc, "monthly", "2026-11", "LA-JA", "jinan", "jinan_head")
    assert (report["reports_to"], report["due_on"], report["status"], report["late"]) == \
        ("LA", "2026-12-24", "submitted", False)
    made = {u["unit_code"]: u for u in report["figures"]["units"]}
    assert set(made) == {r.code for r in reporters_to(lc, "LA-JA")}
    assert (made["LA-JA-H01"]["status"], made["LA-JA-H01"]["late"]) == ("submitted", False)
    assert (made["LA-JA-H03"]["status"], made["LA-JA-H03"]["late"]) == ("submitted", True)
    assert (made["LA-JA-H02"]["status"], made["LA-JA-H02"]["missing"]) == ("open", True)
    area = report["figures"]
    assert (area["new"]["total"], area["new"]["by_level"]["general"],
            area["new"]["by_level"]["major"]) == (4, 3, 1)
    assert area["new"]["by_category"]["electrical"] == 1  # the last day's
    assert [m["code"] for m in area["major_open"]] == [major["hazard_code"]]
    work = area["supervision"]  # its own work: not the city's 暗访, not the self-inspections
    assert (work["inspections"], work["by_kind"], work["units_inspected"]) == \
        (1, {"supervision": 1}, ["LA-JA-H01"])
    assert work["findings"] == [county["hazard_code"]]
    assert work["follow_up"] == {"on_time": [county["hazard_code"]], "late": [], "open": []}
    assert report_of(lc, "monthly", "2026-11", "LA-JA-H02")["status"] == "open"

    # 8. the year's assessment: finding hazards costs nothing; the overdue one, the late and
    # the missing report and the self-inspections not done do
    lc.set_time(cst(2026, 12, 28, 9))
    ranked = campaign_uc.assessment(lc.rt, lc.actor("jinan"), 2026)
    h01, h02, h03 = (lines(ranked, c) for c in ("LA-JA-H01", "LA-JA-H02", "LA-JA-H03"))
    last_code = lc.hazard(last_day)["code"]
    assert (refs(h01["overdue_open"]), h01["overdue_open"]["deduction"]) == ([last_code], 2.0)
    assert {c for c, line in h01.items() if line["deduction"]} == \
        {"overdue_open", "self_inspection"}  # four found, one left overdue
    assert len(h01["self_inspection"]["items"]) == len(FOUNDING["themes"]) - 1
    assert refs(h02["missing_monthly"]) == ["2026-11"]  # not the backfilled months
    assert refs(h02["overdue_open"]) == []  # its 重大 hazard has no deadline yet
    assert refs(h02["failed_spot_check"]) == [visit["code"]]  # the city's 暗访 failed it
    assert {c for c, line in h03.items() if line["deduction"]} == {"late_monthly"}
    assert refs(h03["late_monthly"]) == ["2026-11"]
    city_view = campaign_uc.assessment(lc.rt, lc.actor("city"), 2026)
    jinan = lines(city_view, "LA-JA")
    assert refs(jinan["late_monthly"]) == [] and refs(jinan["missing_monthly"]) == []
    assert refs(jinan["overdue_open"]) == [last_code]  # its area's
    assert refs(jinan["unfollowed_finding"]) == []
    assert refs(jinan["failed_spot_check"]) == [visit["code"]]  # the city's 暗访 in its area
    assert set(refs(jinan["supervision_coverage"])) == \
        {r.code for r in reporters_to(lc, "LA-JA")} - {"LA-JA-H01"}
