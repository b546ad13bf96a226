"""API v1: public reports (举报投诉), no token needed: the twin of the ``/report`` pages.

``POST /public/reports`` (multipart/form-data: the fields and up to three ``photos``)
answers the tracking code and PIN; ``GET /public/reports/{code}`` with the PIN in the
``X-Report-PIN`` header (or ``?pin=``) answers the status and the public reply only. Both
are limited per address and overall (``web/security.py``, the sign-in limiter's storage):
429 with Retry-After beyond. A wrong code and a wrong PIN are the same 404.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from pydantic import BaseModel, Field

from hazardflow.engine import NotFound
from hazardflow.workflows.public_reports import MAX_PHOTOS
from hazardflow.workflows.usecases import public_reports as usecase

from .. import files, security, signin
from ..errors import error_response
from ..extensions import runtime
from . import bp
from .models.common import Envelope
from .spec import BINARY, endpoint

TAG = "public"
TEXT = {"type": "string"}
FORM = {"multipart/form-data": {"schema": {
    "type": "object", "required": ["unit_code", "place", "description"], "properties": {
        "unit_code": {**TEXT, "description": "被举报单位编码（GET /public/units?q= 查找）"},
        "place": {**TEXT, "maxLength": 255, "description": "具体地点"},
        "description": {**TEXT, "maxLength": 2000, "description": "看到的情况"},
        "anonymous": {"type": "boolean", "default": True,
                      "description": "匿名举报；实名须填姓名和电话或邮箱"},
        "name": TEXT, "phone": TEXT, "email": TEXT,
        "website": {**TEXT, "description": "留空 (leave empty)"},
        "photos": {"type": "array", "maxItems": MAX_PHOTOS, "items": BINARY}}}}}
PIN_HEADER = {"X-Report-PIN": "提交时答复的6位密码 (the PIN answered when filed)"}
CODE = {"code": {"pattern": "^[A-Za-z0-9-]{1,20}$", "examples": ["JB7K3M9Q2X"]}}


class FiledReport(Envelope):
    code: str = Field(description="查询码 (tracking code)")
    pin: str = Field(description="查询密码，只显示这一次 (the PIN, shown this once)")
    track_url: str


class TrackedReport(Envelope):
    code: str
    status: str = Field(description="received, rejected, verifying, substantiated, "
                                    "unfounded, closed")
    status_name: str = Field(description="已受理、不予受理、核查中、属实、不属实、已办结")
    finding: str | None = None
    unit_name: str
    public_reply: str
    created_at: str
    updated_at: str


class UnitQuery(BaseModel):
    q: str = Field("", max_length=50, description="单位名称中的字 (part of a unit's name)")


class UnitChoice(Envelope):
    code: str
    name: str


class UnitChoices(Envelope):
    items: list[UnitChoice]


def limited(what: str) -> tuple[Response, int] | None:
    """A 429 answer when the address (or everyone) asked too often, else None."""
    wait = security.public_report_wait(what)
    if not wait:
        return None
    response, status = error_response(429, "too_many_requests",
                                      f"提交过于频繁，请 {wait} 秒后再试 (too many requests: "
                                      f"try again in {wait} s)")
    response.headers["Retry-After"] = str(wait)
    return response, status


@bp.post("/public/reports")
@endpoint("file_public_report", TAG, {201: FiledReport}, errors=(413, 422, 429), body=FORM,
          public=True)
def file_public_report() -> Any:
    """举报投诉：无需登录，可匿名；答复查询码和密码 (file a public report, no sign-in,
    anonymous or named: answers the tracking code and PIN)"""
    refused = limited("file")
    if refused:
        return refused
    files.allow_upload_size()
    filed = usecase.file_report(runtime, request.form.to_dict(), security.public_report_photos(),
                                address=signin.client_address(), channel="api")
    return {"code": filed.code, "pin": filed.pin,
            "track_url": f"/api/v1/public/reports/{filed.code}"}, 201


@bp.get("/public/reports/<code>")
@endpoint("track_public_report", TAG, {200: TrackedReport}, errors=(404, 429),
          headers=PIN_HEADER, path=CODE, public=True)
def track_public_report(code: str) -> Any:
    """凭查询码和密码查看举报的办理状态和公开答复 (a report's status and public reply, for
    its code and PIN)"""
    refused = limited("track")
    if refused:
        return refused
    pin = request.headers.get("X-Report-PIN") or request.args.get("pin") or ""
    found = usecase.track(runtime, code, pin)
    if found is None:
        raise NotFound("查询码或密码不正确 (no report with this code and PIN)")
    return {"code": found["code"], "status": found["status"],
            "status_name": found["status_name"], "finding": found["finding"],
            "unit_name": found["unit_name"], "public_reply": found["public_reply"],
            "created_at": found["created_at"].isoformat(),
            "updated_at": found["updated_at"].isoformat()}


@bp.get("/public/units")
@endpoint("search_public_units", TAG, {200: UnitChoices}, query=UnitQuery, public=True)
def search_public_units(query: UnitQuery) -> dict[str, Any]:
    """按名称查找单位（举报表单的单位选择）(units by part of their name, for the form)"""
    return {"items": usecase.search_units(runtime, query.q)}

