"""The 挂牌督办 register's answer: one row per listing of a major hazard."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from .common import Envelope, Query, Row


class RegisterQuery(Query):
    listed: bool | None = Field(None, description="true：仅未摘牌的 (only those still listed)")


class SupervisionListing(Row):
    """挂牌督办：谁（部门、人员）何时为何挂牌，何时由谁为何摘牌 (who listed the hazard, body
    and person, when and why; when, by whom and why it was delisted)."""

    id: int
    hazard_code: str = Field(examples=["YH-2026-000123"])
    case_id: int
    unit_code: str
    unit_name: str
    level: str
    status: Literal["open", "closed", "voided"]
    location: str
    deadline: str | None = Field(description="YYYY-MM-DD")
    listed_level: str = Field(description="county 或 city (the listing body's level)")
    listed_by_body: str = Field(description="挂牌部门的单位代码 (the listing body's unit code)")
    listed_by_name: str | None
    listed_by_user: str
    listed_at: datetime
    listing_reason: str
    delisted_at: datetime | None
    delisted_by_body: str | None
    delisted_by_user: str | None
    delisting_reason: str | None


class Register(Envelope):
    items: list[SupervisionListing]
