"""The rewards page (举报奖励): the city sets the tiers by hazard level, a county supervisor
reads them and proposes the reward of a 属实 report listed there, a unit's staff is refused;
a refused change of the tiers changes nothing; next year's unknown holidays are shown."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask

from hazardflow.engine import FixedClock
from hazardflow.engine.db import write_transaction
from hazardflow.workflows.schema import unit
from hazardflow.workflows.schema_reports import public_report

from .pages import Browser


def test_the_city_sets_tiers_a_county_proposes_a_reward_and_an_unknown_year_is_shown(
        app: Flask, clock: FixedClock) -> None:
    city = Browser(app, "city")
    page = city.html("/rewards")
    assert 'name="amount_major"' in page and "重大隐患" in page and "暂无奖励记录" in page
    assert "workday-warning" not in page
    saved = city.post("/rewards/tiers", {"amount_general": "200", "amount_major": "1000",
                                         "note": "市卫健委2026年标准"})
    assert saved.status_code == 302
    page = city.html("/rewards")
    assert 'value="1000"' in page and "奖励标准已保存" in page and "市卫健委综合监督科" in page
    bad = city.post("/rewards/tiers", {"amount_general": "-5", "amount_major": "1000"})
    assert bad.status_code == 302 and "amount.general" in city.html("/rewards")
    county = Browser(app, "jinan")
    read = county.html("/rewards")
    assert "1000" in read and 'name="amount_major"' not in read
    assert county.post("/rewards/tiers", {"amount_general": "1", "amount_major": "1"}
                       ).status_code == 403
    assert 'value="200"' in city.html("/rewards")
    assert Browser(app, "safety").get("/rewards").status_code == 403
    with write_transaction(app.extensions["hazardflow"].db) as conn:
        unit_id = conn.execute(sa.select(unit.c.id).where(unit.c.code == "LA-JA-H01")).scalar()
        conn.execute(sa.insert(public_report).values(
            code="JB00000001", pin_hash="x", unit_id=unit_id, county_code="LA-JA",
            place="住院部二楼消防通道", description="堆放杂物", anonymous=False,
            reporter_known=True, status="closed", finding="substantiated",
            hazard_level="general", created_at=clock.now(), updated_at=clock.now()))
    page = county.html("/rewards")
    assert "住院部二楼消防通道" in page and "拟定奖励" in page
    report_id = page.split('name="report_id" value="')[1].split('"')[0]
    assert county.post("/rewards/propose", {"report_id": report_id}).status_code == 302
    page = county.html("/rewards")
    assert "已开启奖励流程" in page and "awaiting-rewards" not in page and "拟定中" in page
    again = county.post("/rewards/propose", {"report_id": report_id})
    assert again.status_code == 302 and "已有奖励记录" in county.html("/rewards")
    clock.set(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))  # 2027's holidays not shipped yet
    assert "2027 年的法定节假日和调休安排尚未载入" in Browser(app, "city").html("/rewards")
