"""The 挂牌督办 register through the API: a major hazard listed at the plan review appears
for the county that listed it and for the city, not for another county, and a unit's staff
are refused; delisting at 核销 closes its row."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from .conftest import Login, assert_error
from .support import API, complete_ok, open_task, report

PLAN = {"plan_goal": "更换安全阀", "plan_methods": "停用更换", "plan_funding": "2万元",
        "plan_organisation": "设备科", "plan_timeline": "两周", "plan_safety": "停用期间转诊",
        "responsible_user": "principal", "deadline": "2026-11-20"}


def step(client: FlaskClient, login: Login, case_id: int, element: str, who: str,
         data: dict[str, Any]) -> None:
    complete_ok(client, login(who), open_task(client, login(who), case_id, element), data)


def register(client: FlaskClient, headers: dict[str, str], **query: str) -> list[Any]:
    response = client.get(f"{API}/supervision", headers=headers, query_string=query)
    assert response.status_code == 200, response.get_json()
    items: list[Any] = response.get_json()["items"]
    return items


def test_the_register_lists_what_the_county_listed_for_those_who_supervise_it(
        client: FlaskClient, login: Login) -> None:
    body = report(client, login("inspector"), level="major", category="medical_gas")
    case_id, code = body["case"]["id"], body["hazard"]["code"]
    step(client, login, case_id, "Task_MajorOrder", "jinan",
         {"order_measure": "stop_use", "order_requirements": "立即停用"})
    step(client, login, case_id, "Task_Controls", "principal", {
        "control_measures": "停用", "shutdown_scope": "partial", "evacuated": True,
        "warning_posted": True, "monitoring": True, "cause": "安全阀失效", "harm": "爆炸",
        "difficulty": "需更换", "report_summary": "已停用"})
    step(client, login, case_id, "Task_ReportEmergency", "jinan", {
        "emergency_reported_on": "2026-11-02", "emergency_department": "金安区应急管理局",
        "emergency_reporter": "金安区卫健委监管员", "emergency_summary": "已停用"})
    step(client, login, case_id, "Task_Plan", "principal", PLAN)
    step(client, login, case_id, "Task_ReviewPlan", "jinan", {
        "plan_decision": "approved", "listed_supervision": True, "listing_reason": "涉及供氧"})

    [row] = register(client, login("jinan"))
    assert (row["hazard_code"], row["listed_by_body"], row["listed_by_user"],
            row["listing_reason"], row["delisted_at"]) == (code, "LA-JA", "jinan", "涉及供氧",
                                                           None)
    assert [r["hazard_code"] for r in register(client, login("city"), listed="true")] == [code]
    assert register(client, login("yuan")) == []
    assert_error(client.get(f"{API}/supervision", headers=login("principal")), 403)
    hazard = client.get(f"{API}/hazards/{code}", headers=login("jinan")).get_json()["hazard"]
    assert (hazard["order_kind"], hazard["ordered_by_body"], hazard["emergency_reported_on"]) \
        == ("regulator", "LA-JA", "2026-11-02")
