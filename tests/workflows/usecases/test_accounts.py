"""One's own account as use-cases: sign in (page session or API token), sign out, change
one's own password, and who a session key or a token is."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hazardflow.engine import FixedClock, Forbidden, InvalidInput
from hazardflow.engine.journal import system_event
from hazardflow.workflows import admin
from hazardflow.workflows.runtime import Runtime
from hazardflow.workflows.sessions import api_token, user_session
from hazardflow.workflows.usecases import accounts
from hazardflow.workflows.users import User, set_active

from .conftest import BOSS_PASSWORD, WANG_PASSWORD, actor


def _live_sessions(rt: Runtime) -> int:
    with rt.db.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(user_session)
                                .where(user_session.c.revoked_at.is_(None))).scalar_one())


def test_signing_in_opens_a_session_that_says_who_it_is(rt: Runtime,
                                                        people: dict[str, User]) -> None:
    assert accounts.sign_in(rt, "wang", "wrong-password") is None
    assert accounts.sign_in(rt, "nobody", WANG_PASSWORD) is None
    assert _live_sessions(rt) == 0  # a failure opens nothing
    opened = accounts.sign_in(rt, "wang", WANG_PASSWORD)
    assert opened is not None and opened.user == people["wang"]
    assert opened.expires_at == rt.now() + timedelta(seconds=rt.settings.token_ttl_seconds)
    who = accounts.session_identity(rt, opened.secret)
    assert who is not None and who.user == people["wang"] and who.session_id is not None
    assert who.actor.grants == frozenset({("rectifier", "LA-JA-H01")})
    assert who.must_change_password is False
    assert accounts.session_identity(rt, opened.secret + "x") is None


def test_signing_in_over_a_session_ends_it_and_signing_out_ends_the_new_one(
        rt: Runtime, people: dict[str, User]) -> None:
    first = accounts.sign_in(rt, "wang", WANG_PASSWORD)
    assert first is not None
    second = accounts.sign_in(rt, "wang", WANG_PASSWORD, replacing=first.secret)
    assert second is not None
    assert accounts.session_identity(rt, first.secret) is None
    assert accounts.session_identity(rt, second.secret) is not None
    assert accounts.sign_out(rt, second.secret) is True
    assert accounts.sign_out(rt, second.secret) is False
    assert accounts.session_identity(rt, second.secret) is None


def test_a_session_is_no_one_once_its_user_is_disabled(rt: Runtime,
                                                       people: dict[str, User]) -> None:
    opened = accounts.sign_in(rt, "wang", WANG_PASSWORD)
    assert opened is not None
    with rt.db.begin() as conn:
        set_active(conn, people["wang"].id, False, rt.now())
    assert accounts.session_identity(rt, opened.secret) is None
    assert accounts.sign_in(rt, "wang", WANG_PASSWORD) is None


def test_last_seen_is_written_when_a_minute_has_passed(rt: Runtime, clock: FixedClock,
                                                       people: dict[str, User]) -> None:
    opened = accounts.sign_in(rt, "wang", WANG_PASSWORD)
    assert opened is not None

    def last_seen() -> object:
        with rt.db.connect() as conn:
            return conn.execute(sa.select(user_session.c.last_seen_at)).scalar_one()

    start = rt.now()
    clock.advance(timedelta(seconds=30))
    assert accounts.session_identity(rt, opened.secret) is not None
    assert last_seen() == start
    clock.advance(timedelta(seconds=30))
    assert accounts.session_identity(rt, opened.secret) is not None
    assert last_seen() == rt.now()


def test_a_token_opens_the_api_until_it_is_revoked(rt: Runtime,
                                                   people: dict[str, User]) -> None:
    assert accounts.issue_token(rt, "wang", "wrong-password") is None
    opened = accounts.issue_token(rt, "wang", WANG_PASSWORD)
    assert opened is not None
    who = accounts.token_identity(rt, opened.secret)
    assert who is not None and who.user == people["wang"] and who.session_id is None
    assert accounts.revoke_token(rt, opened.secret) is True
    assert accounts.token_identity(rt, opened.secret) is None


def test_no_token_for_a_password_an_administrator_set(rt: Runtime,
                                                      people: dict[str, User]) -> None:
    with rt.db.begin() as conn:
        issued = admin.reset_password(conn, people["boss"], people["wang"].id, rt.now())
    with pytest.raises(accounts.PasswordChangeRequired) as refused:
        accounts.issue_token(rt, "wang", issued)
    assert isinstance(refused.value, Forbidden)
    assert refused.value.code == "password_change_required"
    with rt.db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(api_token)).scalar() == 0
    opened = accounts.sign_in(rt, "wang", issued)  # the pages let them in, to choose one
    assert opened is not None
    who = accounts.session_identity(rt, opened.secret)
    assert who is not None and who.must_change_password is True


def test_an_own_new_password_keeps_this_session_and_ends_the_rest(
        rt: Runtime, people: dict[str, User]) -> None:
    here, there = (accounts.sign_in(rt, "wang", WANG_PASSWORD) for _ in range(2))
    token = accounts.issue_token(rt, "wang", WANG_PASSWORD)
    assert here is not None and there is not None and token is not None
    who = accounts.session_identity(rt, here.secret)
    assert who is not None
    accounts.change_password(rt, who.actor, WANG_PASSWORD, "a-new-password",
                             keep_session=who.session_id)
    assert accounts.session_identity(rt, here.secret) is not None
    assert accounts.session_identity(rt, there.secret) is None
    assert accounts.token_identity(rt, token.secret) is None
    assert accounts.sign_in(rt, "wang", "a-new-password") is not None
    with rt.db.connect() as conn:
        recorded = conn.execute(sa.select(system_event.c.action, system_event.c.actor)
                                .where(system_event.c.subject == "user:wang")).all()
    assert [tuple(r) for r in recorded] == [("user.password_changed", "wang")]


@pytest.mark.parametrize(("current", "new", "field"), [
    (WANG_PASSWORD, "short", "new"), ("not-my-password", "a-new-password", "current"),
    (BOSS_PASSWORD, "a-new-password", "current")])
def test_a_refused_password_change_names_the_field_and_changes_nothing(
        rt: Runtime, people: dict[str, User], current: str, new: str, field: str) -> None:
    opened = accounts.sign_in(rt, "wang", WANG_PASSWORD)
    assert opened is not None
    with pytest.raises(InvalidInput) as refused:
        accounts.change_password(rt, actor(rt, "wang"), current, new)
    assert [d.field for d in refused.value.details] == [field]
    assert accounts.session_identity(rt, opened.secret) is not None
    assert accounts.sign_in(rt, "wang", WANG_PASSWORD) is not None
    with rt.db.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(system_event)).scalar() == 0
