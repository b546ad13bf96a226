"""Candidate expressions: who may pick up a human task (and who gets a notification).

A user task names its candidates in ``camunda:candidateGroups`` as a comma-separated list;
the engine hands each item to :class:`OrgResolver`, which turns it into (role, unit code)
pairs. A user may take the task when they hold one of those pairs (a pair whose unit is
empty matches the role at any unit).

One item is ``ROLE`` or ``ROLE@SCOPE``:

=========================  ===============================================================
``ROLE``                   that role at any unit, e.g. ``city_supervisor``, ``designer``
``ROLE@unit``              at the case's unit, ``data["unit_code"]``, e.g.
                           ``safety_officer@unit``, ``principal@unit``
``ROLE@county``            at the county-level body supervising the case's unit:
                           its 县区卫健委 (``LA-JA``) or the 开发区卫健办 (``LA-KF``), which
                           counts as a county-level body for the units under it, however
                           deep the unit sits (a 村卫生室 under its 乡镇卫生院,
                           ``LA-JA-T01-V01``, resolves to ``LA-JA``). For a
                           city-direct unit (市直单位, ``LA-ZS-01``), for anything else directly
                           under the city, and for the city itself, the supervising body is
                           the city commission (``LA``): ``county_supervisor@county``
                           then resolves to ``county_supervisor@LA``. Either grant
                           ``county_supervisor@LA`` to the city staff who supervise
                           city-direct units, or list both bodies:
                           ``county_supervisor@county, city_supervisor@county`` (the second
                           item resolves to ``city_supervisor@LA-JA`` for a 金安区 case,
                           which nobody holds, so it adds no one there).
``ROLE@city``              at the city commission, the root unit of kind city_commission
``ROLE@unit:CODE``         at a fixed unit, e.g. ``inspector@unit:LA-JA``
=========================  ===============================================================

Roles: inspector, safety_officer, rectifier, principal, verifier, county_supervisor,
city_supervisor, city_leader, designer, admin (see ``hazardflow.workflows.roles``).
An inspector or county_supervisor of a 卫生监督所 (``LA-JA-WJ``) holds the role at its
commission too (``users.grants_of``), so ``inspector@county`` for a 金安区 case names them.
``admin`` and ``designer`` are held without a unit and take no scope.

Whitespace around the item is ignored; role and scope names are lower case. The case's
unit code must be in the case data under ``unit_code`` for the ``unit`` and ``county``
scopes; a missing or unknown unit is an error (the step fails with a message), never an
empty candidate list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection

from hazardflow.engine.services import Grant

from .roles import ROLES, UNITLESS_ROLES
from .units import city_unit, county_of, require_unit

SCOPES = ("unit", "county", "city")
_ITEM = re.compile(r"^(?P<role>[a-z_]+)(?:@(?P<scope>[a-z]+)(?::(?P<code>[A-Za-z0-9_.-]+))?)?$")


def _parse(expression: str) -> tuple[str, str | None, str | None]:
    """(role, scope, fixed unit code) or ValueError with the reason."""
    item = expression.strip()
    if not item:
        raise ValueError("empty candidate expression")
    if "," in item:
        raise ValueError(f"{item!r}: one candidate per item; the engine splits comma lists")
    match = _ITEM.match(item)
    if match is None:
        raise ValueError(f"{item!r} is not ROLE, ROLE@unit, ROLE@county, ROLE@city or "
                         f"ROLE@unit:CODE")
    role, scope, code = match["role"], match["scope"], match["code"]
    if role not in ROLES:
        raise ValueError(f"{item!r}: unknown role {role!r}; known roles: {', '.join(ROLES)}")
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"{item!r}: unknown scope {scope!r}; use unit, county, city or "
                         f"unit:CODE")
    if code is not None and scope != "unit":
        raise ValueError(f"{item!r}: only the unit scope takes a code (ROLE@unit:CODE)")
    if scope is not None and role in UNITLESS_ROLES:
        raise ValueError(f"{item!r}: role {role} is not held at a unit; write {role} alone")
    return role, scope, code


class OrgResolver:
    """Resolves candidate expressions against the organisation tree (a CandidateResolver)."""

    def check(self, expression: str) -> str | None:
        try:
            _parse(expression)
        except ValueError as exc:
            return str(exc)
        return None

    def resolve(self, expression: str, data: Mapping[str, Any],
                conn: Connection) -> list[Grant]:
        role, scope, code = _parse(expression)
        if scope is None:
            return [(role, None)]
        if scope == "city":
            return [(role, city_unit(conn).code)]
        if code is not None:
            return [(role, require_unit(conn, code).code)]
        case_unit = data.get("unit_code")
        if not isinstance(case_unit, str) or not case_unit:
            raise ValueError(f"{expression.strip()!r} needs the case's unit, but the case data "
                             f"has no unit_code")
        try:
            found = require_unit(conn, case_unit)
        except ValueError:
            raise ValueError(f"{expression.strip()!r}: the case's unit_code {case_unit!r} "
                             f"is not a known unit") from None
        if scope == "unit":
            return [(role, found.code)]
        return [(role, county_of(conn, found.code).code)]


def split_candidates(expressions: str) -> list[str]:
    """A comma-separated candidate list as items, blanks dropped."""
    return [item.strip() for item in expressions.split(",") if item.strip()]
