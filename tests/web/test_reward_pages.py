"""The rewards page (举报奖励): the city sets the tiers by hazard level, a county supervisor
reads them and the rewards of their units, a unit's staff is refused; a refused change of
the tiers changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from hazardflow.engine import FixedClock

from .pages import Browser


def test_the_city_sets_the_tiers_a_county_reads_them_and_next_years_unknown_calendar_shows(
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
    clock.set(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))  # 2027's holidays not shipped yet
    assert "2027 年的法定节假日和调休安排尚未载入" in Browser(app, "city").html("/rewards")
