"""A journal record's content on the administrators' pages, in people's words: each key by
its name, roles and unit kinds by their names, units by name (with the code; each unit
read once a request, ``people.unit_names``), the rest as recorded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from hazardflow.workflows.roles import ROLES, UNIT_KINDS

from . import bp
from .people import unit_named

KEYS = {
    "display_name": lazy_gettext("姓名"), "roles": lazy_gettext("角色"),
    "role": lazy_gettext("角色"), "unit": lazy_gettext("单位"), "units": lazy_gettext("单位"),
    "name": lazy_gettext("名称"), "kind": lazy_gettext("单位类型"),
    "parent": lazy_gettext("上级单位"), "short_name": lazy_gettext("简称"),
    "from": lazy_gettext("原为"), "to": lazy_gettext("改为"), "county": lazy_gettext("所属县区"),
    "number": lazy_gettext("执法证号"),
}
SKIPPED = {"role_name"}  # said again by "role"
MOVED_UNITS = lazy_gettext("随之调整的单位数")
UNIT_VALUED = {"unit", "units", "parent", "county"}


def _role(grant: str) -> str:
    role, _at, code = grant.partition("@")
    named = _(ROLES[role]) if role in ROLES else role
    return _("%(role)s（%(unit)s）", role=named, unit=unit_named(code)) if code else named


def _named(table: Mapping[str, str], value: Any) -> str:
    return _(table[value]) if isinstance(value, str) and value in table else str(value)


@bp.app_template_filter("journal_items")
def journal_items(event: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(what, value) of each item of the record's payload, in people's words."""
    payload: Mapping[str, Any] = event.get("payload") or {}
    moved = str(event.get("action", "")) == "unit.moved"
    out = []
    for key, value in payload.items():
        if key in SKIPPED:
            continue
        label = str(KEYS.get(key, key))
        if moved and key == "units":  # how many units moved with it, not a unit
            out.append((str(MOVED_UNITS), str(value)))
            continue
        if value is None or value == []:
            text = "—"
        elif key == "roles" and isinstance(value, list):
            text = _("、").join(_role(str(g)) for g in value)
        elif key == "role":
            text = _named(ROLES, value)
        elif key == "kind":
            text = _named(UNIT_KINDS, value)
        elif key in UNIT_VALUED or (moved and key in ("from", "to")):
            items = value if isinstance(value, list) else [value]
            text = _("、").join(unit_named(c) if isinstance(c, str) else str(c) for c in items)
        else:
            text = str(value)
        out.append((label, text))
    return out
