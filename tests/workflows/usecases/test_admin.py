"""Administration as use-cases: each one asks the policy for the ``admin`` permission
itself, runs in one unit of work with its journal record, and says what it refused."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.engine import Actor, Forbidden, InvalidInput, NotFound
from hazardflow.engine.journal import system_event
from hazardflow.workflows.admin import LockedOut
from hazardflow.workflows.runtime import Runtime
from hazardflow.workflows.usecases import accounts
from hazardflow.workflows.usecases import admin as uc
from hazardflow.workflows.users import User, grants_of

from ..sheets import xlsx
from .conftest import WANG_PASSWORD, actor

# every use-case of the module, called as a page would; ``who`` is the actor, ``u`` a user id
CALLS: dict[str, Callable[[Runtime, Actor, int], Any]] = {
    "users": lambda rt, who, u: uc.users(rt, who),
    "user": lambda rt, who, u: uc.user(rt, who, u),
    "units": lambda rt, who, u: uc.units(rt, who),
    "unit": lambda rt, who, u: uc.unit(rt, who, "LA-JA"),
    "journal": lambda rt, who, u: uc.journal(rt, who),
    "create_user": lambda rt, who, u: uc.create_user(rt, who, "li", "李", []),
    "rename_user": lambda rt, who, u: uc.rename_user(rt, who, u, "改名"),
    "set_user_active": lambda rt, who, u: uc.set_user_active(rt, who, u, False),
    "reset_password": lambda rt, who, u: uc.reset_password(rt, who, u),
    "grant_role": lambda rt, who, u: uc.grant_role(rt, who, u, "verifier", "LA-JA-H01"),
    "revoke_role": lambda rt, who, u: uc.revoke_role(rt, who, u, "rectifier", "LA-JA-H01"),
    "create_unit": lambda rt, who, u: uc.create_unit(
        rt, who, code="LA-JA-H09", name="新医院", kind="institution", parent_code="LA-JA",
        short_name=None),
    "rename_unit": lambda rt, who, u: uc.rename_unit(rt, who, "LA-JA-H01", "新名"),
    "set_unit_short_name": lambda rt, who, u: uc.set_unit_short_name(rt, who, "LA-JA-H01", "新"),
    "set_unit_active": lambda rt, who, u: uc.set_unit_active(rt, who, "LA-JA-H01", False),
    "move_unit": lambda rt, who, u: uc.move_unit(rt, who, "LA-JA-H01", "LA-YA"),
    "change_unit": lambda rt, who, u: uc.change_unit(rt, who, "LA-JA-H01", "name", "新名"),
    "import_units": lambda rt, who, u: uc.import_units(
        rt, who, xlsx([["LA-JA-Z09", "某诊所", "诊所", "LA-JA"]]), dry_run=False),
    "import_template": lambda rt, who, u: uc.import_template(rt, who),
}


def _journal(rt: Runtime) -> list[tuple[str, str, str]]:
    with rt.db.connect() as conn:
        return [(r.action, r.subject, r.actor) for r in conn.execute(
            sa.select(system_event).order_by(system_event.c.seq))]


def test_the_table_names_every_use_case_of_the_module() -> None:
    public = {name for name, f in inspect.getmembers(uc, inspect.isfunction)
              if f.__module__ == uc.__name__ and not name.startswith("_")}
    assert public == set(CALLS)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_use_case_refuses_anyone_but_an_administrator(
        rt: Runtime, people: dict[str, User], name: str) -> None:
    wang = people["wang"]
    with pytest.raises(Forbidden) as refused:
        CALLS[name](rt, actor(rt, "wang"), wang.id)
    assert not isinstance(refused.value, LockedOut)
    assert "admin" in refused.value.message
    assert _journal(rt) == []
    assert accounts.sign_in(rt, "wang", WANG_PASSWORD) is not None  # nothing ended either


@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_use_case_serves_an_administrator(rt: Runtime, people: dict[str, User],
                                               name: str) -> None:
    assert CALLS[name](rt, actor(rt, "boss"), people["wang"].id) is not None


def test_a_change_is_journalled_under_the_administrator(rt: Runtime,
                                                        people: dict[str, User]) -> None:
    boss, wang = actor(rt, "boss"), people["wang"]
    made, password = uc.create_user(rt, boss, "li", "李医生", [("verifier", "LA-JA-H02")])
    assert len(password) == 12 and accounts.sign_in(rt, "li", password) is not None
    assert uc.grant_role(rt, boss, wang.id, "designer", "LA-JA-H01") is True
    with rt.db.connect() as conn:  # a role held without a unit is granted without one
        assert ("designer", None) in grants_of(conn, wang.id)
    uc.change_unit(rt, boss, "LA-JA-H01", "active", "0")
    assert uc.unit(rt, boss, "LA-JA-H01").unit.active is False
    assert _journal(rt) == [("user.created", "user:li", "boss"),
                            ("role.granted", "user:wang", "boss"),
                            ("unit.deactivated", "unit:LA-JA-H01", "boss")]
    assert [e["action"] for e in uc.journal(rt, boss)] == [
        "unit.deactivated", "role.granted", "user.created"]
    view = uc.user(rt, boss, made.id)
    assert view.grants == [("verifier", "LA-JA-H02")] and len(view.events) == 1


def test_refusals_of_an_administrators_change_change_nothing(rt: Runtime,
                                                              people: dict[str, User]) -> None:
    boss = actor(rt, "boss")
    with pytest.raises(LockedOut, match="不能停用自己的账号"):
        uc.set_user_active(rt, boss, people["boss"].id, False)
    with pytest.raises(NotFound):
        uc.reset_password(rt, boss, 9999)
    with pytest.raises(InvalidInput) as unknown:
        uc.change_unit(rt, boss, "LA-JA-H01", "colour", "red")
    assert unknown.value.details[0].field == "what"
    with pytest.raises(InvalidInput, match="can only be held at"):
        uc.create_user(rt, boss, "li", "李", [("city_supervisor", "LA-JA")])
    assert _journal(rt) == []
    assert uc.users(rt, boss, "li").page.total == 0


def test_a_moved_unit_offers_every_parent_but_itself(rt: Runtime,
                                                     people: dict[str, User]) -> None:
    view = uc.unit(rt, actor(rt, "boss"), "LA-JA-H01")
    codes = [u.code for _, u in view.parents]
    assert "LA-JA-H01" not in codes and {"LA", "LA-JA", "LA-YA"} <= set(codes)
