"""Roles and kinds of unit read as officials say them (Chinese first)."""

from __future__ import annotations

from hazardflow.workflows.roles import ROLES, UNIT_KINDS, role_name


def test_the_city_leader_is_called_by_the_title_officials_use() -> None:
    assert role_name("city_leader") == "市卫健委分管领导"
    assert not any("(" in name or "（" in name for name in ROLES.values())


def test_the_founding_notices_addressees_keep_their_names() -> None:
    assert [UNIT_KINDS[k] for k in ("city_commission", "county_commission", "dev_zone_office",
                                    "city_direct")] == ["市卫健委", "县区卫健委", "开发区卫健办",
                                                        "市直卫健单位"]
