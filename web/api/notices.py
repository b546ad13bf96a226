"""API v1: notices outside the app. One's own contacts and channel choices (anyone signed
in), the defaults per role and the delivery log (admins)."""

from __future__ import annotations

from typing import Any

from flask import g

from hazardflow.workflows.usecases import notification_preferences as prefs

from ..extensions import runtime
from . import bp, current_actor, login_required
from .models.notices import (
    DeliveryLog,
    DeliveryQuery,
    Preferences,
    PreferencesRequest,
    RoleDefaults,
    RoleDefaultsRequest,
)
from .serialize import jsonable
from .spec import endpoint

TAG = "notices"


def _answer(found: prefs.Preferences) -> dict[str, Any]:
    return {"contacts": found.contacts, "choices": found.choices, "kinds": prefs.kinds(),
            "channels": [{**c, "configured": c["code"] in found.configured}
                         for c in prefs.channels()]}


@bp.get("/me/notification-preferences")
@login_required
@endpoint("get_notification_preferences", TAG, {200: Preferences})
def my_preferences() -> dict[str, Any]:
    """我的联系方式和各类通知的渠道 (my contacts and the channels of each kind of notice)"""
    return _answer(prefs.my_preferences(runtime, current_actor(), g.user.id))


@bp.put("/me/notification-preferences")
@login_required
@endpoint("set_notification_preferences", TAG, {200: Preferences}, errors=(422,),
          json=PreferencesRequest)
def set_my_preferences(json: PreferencesRequest) -> dict[str, Any]:
    """修改我的联系方式或通知渠道（只改给出的部分）(change my contacts or channels: only what
    is given)"""
    contacts = json.contacts.model_dump(exclude_unset=True) if json.contacts else None
    found = prefs.set_my_preferences(runtime, current_actor(), g.user.id, contacts,
                                     json.choices)
    return _answer(found)


@bp.get("/admin/notification-defaults")
@login_required
@endpoint("get_notification_defaults", TAG, {200: RoleDefaults}, errors=(403,))
def role_defaults() -> dict[str, Any]:
    """各角色的默认通知渠道：管理员 (each role's default channels: admins)"""
    return {"items": prefs.defaults(runtime, current_actor())}


@bp.put("/admin/notification-defaults/<string(maxlength=64):role>")
@login_required
@endpoint("set_notification_defaults", TAG, {200: RoleDefaults}, errors=(403, 422),
          json=RoleDefaultsRequest)
def set_role_defaults(role: str, json: RoleDefaultsRequest) -> dict[str, Any]:
    """设置一个角色的默认通知渠道：管理员 (set a role's default channels: admins)"""
    return {"items": {role: prefs.set_role_defaults(runtime, current_actor(), role,
                                                    json.choices)}}


@bp.get("/admin/deliveries")
@login_required
@endpoint("list_deliveries", TAG, {200: DeliveryLog}, errors=(403, 422), query=DeliveryQuery)
def deliveries(query: DeliveryQuery) -> dict[str, Any]:
    """通知发送记录，新的在前：管理员 (the delivery log, newest first: admins)"""
    rows, total = prefs.delivery_log(runtime, current_actor(), query.page, query.status or None,
                                     query.per_page)
    return {"items": [jsonable(r) for r in rows], "total": total}

