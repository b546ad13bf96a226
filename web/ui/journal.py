"""A journal record's content on the administrators' pages, in people's words: each key by
its name, roles and unit kinds by their names, units by name (with the code), the rest as
recorded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from hazardflow.workflows.roles import ROLES, UNIT_KINDS
from hazardflow.workflows.usecases import accounts

from ..extensions import runtime
from . import bp

KEYS = {
    "display_name": lazy_gettext("姓名"), "roles": lazy_gettext("角色"),
    "role": lazy_gettext("角色"), "unit": lazy_gettext("单位"), "units": lazy_gettext("单位"),
    "name": lazy_gettext("名称"), "kind": lazy_gettext("单位类型"),
    "parent": lazy_gettext("上级单位"), "short_name": lazy_gettext("简称"),
    "from": lazy_gettext("原为"), "to": lazy_gettext("改为"), "county": lazy_gettext("所属县区"),
    "number": lazy_gettext("执法证号"),
}
SKIPPED = {"role_name"}  # said again by "role"
UNIT_VALUED = {"unit", "units", "parent", "county"}


def _units(codes: list[str]) -> dict[str, str]:
    return accounts.unit_names_of(runtime, codes) if codes else {}


def _unit(code: str, names: Mapping[str, str]) -> str:
    return _("%(name)s（%(code)s）", name=names[code], code=code) if code in names else code


def _role(grant: str, names: Mapping[str, str]) -> str:
    role, _at, code = grant.partition("@")
    named = _(ROLES[role]) if role in ROLES else role
    return _("%(role)s（%(unit)s）", role=named, unit=_unit(code, names)) if code else named


@bp.app_template_filter("journal_items")
def journal_items(event: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(what, value) of each item of the record's payload, in people's words."""
    payload: Mapping[str, Any] = event.get("payload") or {}
    moved = str(event.get("action", "")).startswith("unit.moved")
    codes = [str(c) for key, value in payload.items()
             if key in UNIT_VALUED or (moved and key in ("from", "to"))
             for c in (value if isinstance(value, list) else [value]) if isinstance(c, str)]
    codes += [str(g).partition("@")[2] for g in payload.get("roles") or [] if "@" in str(g)]
    if "role" in payload and isinstance(payload.get("unit"), str):
        codes.append(str(payload["unit"]))
    names = _units(sorted(set(codes)))
    out = []
    for key, value in payload.items():
        if key in SKIPPED:
            continue
        label = str(KEYS.get(key, key))
        if value is None:
            text = "—"
        elif key == "roles" and isinstance(value, list):
            text = _("、").join(_role(str(g), names) for g in value)
        elif key == "role":
            text = _(ROLES[value]) if value in ROLES else str(value)
        elif key == "kind" and value in UNIT_KINDS:
            text = _(UNIT_KINDS[value])
        elif key in UNIT_VALUED or (moved and key in ("from", "to")):
            items = value if isinstance(value, list) else [value]
            text = _("、").join(_unit(str(c), names) if isinstance(c, str) else str(c)
                                for c in items)
        else:
            text = str(value)
        out.append((label, text))
    return out
