"""The ledger page and its Excel export: a hazard whose text holds characters a
spreadsheet's XML may not hold still exports (they are dropped), never a 500."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from .conftest import Login
from .pages import Browser
from .support import report


def test_the_export_drops_characters_xml_forbids(app: Flask, client: FlaskClient,
                                                 login: Login) -> None:
    body = report(client, login("inspector"), description="配电箱\x0b未上锁\uffff，线路老化")
    code = body["hazard"]["code"]
    safety = Browser(app, "safety")
    assert code in safety.html(f"/ledger?q={code}")
    export = safety.get(f"/ledger.xlsx?q={code}")
    assert export.status_code == 200, export.get_data(as_text=True)[:500]
    sheet = load_workbook(io.BytesIO(export.data))["隐患台账"]
    assert (sheet["A2"].value, sheet["F2"].value) == (code, "配电箱未上锁，线路老化")


def test_a_day_the_calendar_cannot_place_is_refused_never_a_500(
        app: Flask, client: FlaskClient, login: Login) -> None:
    """Found by schemathesis: GET /api/v1/hazards?from=0001-01-01 answered 500 (00:00 of
    that day in Asia/Shanghai is before the first moment Python has); the page too."""
    from .conftest import assert_error

    code = report(client, login("inspector"))["hazard"]["code"]
    city = login("city")
    for name, day in (("from", "0001-01-01"), ("to", "9999-12-31"),
                      ("overdue_on", "9999-12-31")):
        body = assert_error(client.get("/api/v1/hazards", query_string={name: day},
                                       headers=city), 400)
        assert [d["field"] for d in body["details"]] == [name]
    page = Browser(app, "city").get("/ledger?from=0001-01-01&to=9999-12-31")
    assert page.status_code == 200 and code in page.get_data(as_text=True)  # ignored, said
    assert "YYYY-MM-DD" in page.get_data(as_text=True)


def test_the_ledger_and_its_export_name_people_and_units(
        app: Flask, client: FlaskClient, login: Login) -> None:
    from .support import ordered_hazard

    ordered = ordered_hazard(client, login)
    code = ordered["code"]
    assert "LA-JA-H01" not in code  # a hazard number names no unit
    case_page = Browser(app, "safety").html(f"/cases/{ordered['case_id']}")
    assert "<dd>金安区人民医院整改责任人</dd>" in case_page
    assert "<dd>rectifier</dd>" not in case_page
    city = Browser(app, "city")
    page = city.html(f"/ledger?q={code}")
    assert '<option value="LA-JA-H01" >金安区人民医院</option>' in page
    assert ">LA-JA-H01<" not in page and "rectifier" not in page
    export = city.get(f"/ledger.xlsx?q={code}")
    sheet = load_workbook(io.BytesIO(export.data))["隐患台账"]
    row = [c.value for c in sheet[2]]
    assert row[0] == code and row[1] == "金安区人民医院"
    assert (row[11], row[12]) == ("金安区人民医院整改责任人", "金安区检查员")
    assert not {"rectifier", "inspector", "LA-JA-H01"} & {str(v) for v in row}
