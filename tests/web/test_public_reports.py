"""The public report pages and their API twin, without signing in: the page finds the unit
by name, files with a photo and answers the code and PIN; tracking shows the status; a
burst from one address is limited while another address is served and every accepted
report is kept; oversized and malformed photos are refused in Chinese and write nothing;
the triage desk reads the report page with the contact, a county supervisor without it."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hazardflow.engine import FixedClock
from hazardflow.workflows.public_reports import MAX_PHOTO_BYTES
from hazardflow.workflows.schema_files import evidence
from hazardflow.workflows.schema_reports import public_report

from .conftest import T0, make_app
from .pages import Browser, png_bytes

API = "/api/v1/public/reports"
HERE, THERE = "198.51.100.7", "203.0.113.9"  # documentation addresses: only labels here
FIELDS = {"unit_code": "LA-JA-H01", "place": "门诊楼三层东侧楼梯间",
          "description": "安全出口被杂物堵住，消防门上了锁"}


@pytest.fixture
def app(sqlite_template: Path, tmp_path: Path) -> Iterator[Flask]:
    """One backend (SQLite): the pages and the API are the same on both, and the use-cases'
    tests (tests/workflows/test_public_reports.py) run on PostgreSQL too."""
    shutil.copyfile(sqlite_template, tmp_path / "web.db")
    app = make_app(f"sqlite:///{tmp_path}/web.db", FixedClock(T0), tmp_path)
    yield app
    app.extensions["hazardflow"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def counts(app: Flask) -> tuple[int, int]:
    with app.extensions["hazardflow"].db.connect() as conn:
        return (conn.execute(sa.select(sa.func.count()).select_from(public_report))
                .scalar_one(),
                conn.execute(sa.select(sa.func.count()).select_from(evidence)).scalar_one())


def post(client: FlaskClient, address: str, photos: list[tuple[bytes, str]] | None = None,
         **fields: str) -> tuple[int, dict[str, object]]:
    data: dict[str, object] = {**FIELDS, **fields}
    if photos:
        data["photos"] = [(io.BytesIO(b), name) for b, name in photos]
    answer = client.post(API, data=data, content_type="multipart/form-data",
                         environ_base={"REMOTE_ADDR": address})
    return answer.status_code, answer.get_json() or {}


def test_the_page_finds_the_unit_files_with_a_photo_and_tracks_by_code_and_pin(
        app: Flask) -> None:
    public = Browser(app)
    page = public.html("/report?q=金安区人民")
    assert 'value="LA-JA-H01"' in page and "金安区人民医院" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    filed = public.client.post("/report", data={
        **FIELDS, "anonymous": "0", "name": "王小明", "phone": "13900001234",
        "csrf_token": token.group(1),
        "photos": [(io.BytesIO(png_bytes()), "现场.png")]},
        content_type="multipart/form-data")
    body = filed.get_data(as_text=True)
    assert filed.status_code == 201, body[:500]
    code = re.search(r'id="report-code">([A-Z0-9]+)<', body)
    pin = re.search(r'id="report-pin">([0-9]{6})<', body)
    assert code and pin
    assert counts(app) == (1, 1)
    tracked = public.post("/report/track", {"code": code.group(1), "pin": pin.group(1)})
    assert tracked.status_code == 200 and "已受理" in tracked.get_data(as_text=True)
    wrong = public.post("/report/track", {"code": code.group(1), "pin": "x"})
    assert wrong.status_code == 404 and "查询码或密码不正确" in wrong.get_data(as_text=True)
    with app.extensions["hazardflow"].db.connect() as conn:
        report_id = conn.execute(sa.select(public_report.c.id)).scalar_one()
    desk = Browser(app, "jubao").html(f"/reports/{report_id}")
    assert "王小明" in desk and "13900001234" in desk and "现场" in desk
    supervisor = Browser(app, "jinan").html(f"/reports/{report_id}")
    assert "王小明" not in supervisor and "仅县区举报受理人员可见" in supervisor
    Browser(app, "safety").html(f"/reports/{report_id}", status=403)


def test_a_burst_is_limited_per_address_others_are_served_and_bad_photos_write_nothing(
        client: FlaskClient, app: Flask) -> None:
    answers = [post(client, HERE, description=f"安全出口被杂物堵住，第{i}次看到")[0]
               for i in range(30)]
    accepted = answers.count(201)
    assert accepted == 5 and answers.count(429) == 25
    status, filed = post(client, THERE)
    assert status == 201 and str(filed["code"]).startswith("JB")
    assert counts(app)[0] == accepted + 1  # every accepted report is kept
    tracked = client.get(f"{API}/{filed['code']}", headers={"X-Report-PIN": str(filed["pin"])},
                         environ_base={"REMOTE_ADDR": THERE})
    assert tracked.status_code == 200 and tracked.get_json()["status_name"] == "已受理"
    before = counts(app)
    big = b"\x89PNG\r\n\x1a\n" + b"0" * MAX_PHOTO_BYTES
    status, answer = post(client, "192.0.2.1", photos=[(big, "big.png")])
    assert status == 413 and "照片过大" in str(answer["message"])
    status, answer = post(client, "192.0.2.2", photos=[(b"%PDF-1.4\n%fake", "fake.png")])
    assert status == 422 and re.search(r"[\u4e00-\u9fff]", str(answer["message"]))
    status, answer = post(client, "192.0.2.3", photos=[(png_bytes(), "a.png")] * 4)
    assert status == 422 and "最多上传3张照片" in str(answer["message"])
    assert counts(app) == before  # refused: no report, no stored photo
