"""An inspector's 行政执法证号, read and set by an administrator (``admin``), journaled."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection

from hazardflow.engine import Actor, NotFound

from .. import certificates, policy
from ..runtime import Runtime
from ..uow import reading, unit_of_work
from ..users import User, get_user


@dataclass(frozen=True)
class Certificate:
    user: User
    number: str | None


def _user(conn: Connection, user_id: int) -> User:
    found = get_user(conn, user_id)
    if found is None:
        raise NotFound(f"用户 {user_id} 不存在 (user {user_id} does not exist)")
    return found


def certificate(rt: Runtime, actor: Actor, user_id: int) -> Certificate:
    policy.require(actor, "admin")
    with reading(rt) as conn:
        user = _user(conn, user_id)
        return Certificate(user, certificates.certificate_of(conn, user.username))


def set_certificate(rt: Runtime, actor: Actor, user_id: int,
                    number: str | None) -> Certificate:
    """Record the user's 执法证号 (an empty one removes it)."""
    policy.require(actor, "admin")
    with unit_of_work(rt) as conn:
        user = _user(conn, user_id)
        kept = certificates.set_certificate(conn, username=user.username, number=number,
                                            by=actor.id, now=rt.now())
        return Certificate(user, kept)
