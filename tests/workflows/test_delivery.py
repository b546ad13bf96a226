"""Notices outside the app, through the worker's job (``send_notices``): a new task reaches
people by e-mail (a real local SMTP server) and SMS (a local stub of Aliyun's API), at least
once with one idempotency key, never to someone who may not see it, not at night unless
urgent, not by a channel switched off, retried with backoff."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.engine import Actor, FixedClock
from hazardflow.engine.db import write_transaction
from hazardflow.workflows import delivery
from hazardflow.workflows.jobs import job
from hazardflow.workflows.notifications import KINDS, add_notification
from hazardflow.workflows.phrases import phrase
from hazardflow.workflows.schema_delivery import delivery as delivery_table
from hazardflow.workflows.schema_delivery import delivery_attempt
from hazardflow.workflows.usecases import notification_preferences as prefs
from hazardflow.workflows.users import create_user, get_user
from tests.factories import make_runtime

from .lifecycle import SHANGHAI, T0, Lifecycle
from .test_channels import SmtpSink, Stub, channel_settings, free_port, smtp, stub  # noqa: F401

SAFETY = {"mobile": "13800000001", "email": "safety@example.cn"}
JINAN = {"mobile": "13800000002", "email": "jinan@example.cn"}


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def make(db: sa.Engine, server: Stub, mail: SmtpSink | None, **more: Any) -> Lifecycle:
    return Lifecycle(db, **channel_settings(server, mail, **more))


def reach(lc: Lifecycle, username: str, contacts: dict[str, str],
          choices: dict[str, list[str]] | None = None) -> None:
    with lc.db.connect() as conn:
        user = get_user(conn, username)
    assert user is not None
    prefs.set_my_preferences(lc.rt, lc.actor(username), user.id, contacts, choices)


def run(lc: Lifecycle | Bare) -> dict[str, int]:
    """One run of the worker's job, at the clock's time."""
    result: dict[str, int] = job("send_notices").run(lc.rt, lc.now())
    return result


def rows(lc: Lifecycle | Bare) -> list[dict[str, Any]]:
    with lc.db.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            sa.select(delivery_table).order_by(delivery_table.c.id))]


@pytest.fixture
def lc(db: sa.Engine, stub: Stub, smtp: SmtpSink) -> Iterator[Lifecycle]:  # noqa: F811
    lifecycle = make(db, stub, smtp)
    reach(lifecycle, "safety", SAFETY, {"task_new": ["email", "sms"]})
    yield lifecycle


def test_a_new_task_sends_one_email_and_one_sms_with_one_key_and_none_by_a_channel_off(
        lc: Lifecycle, stub: Stub, smtp: SmtpSink) -> None:  # noqa: F811
    lc.report()
    planned = [(r["channel"], r["status"]) for r in rows(lc)]
    assert planned == [("email", "pending"), ("sms", "pending")]  # made with the notification
    assert run(lc)["sent"] == 2
    [mail] = smtp.mails
    [sms] = stub.at("/sms")
    key = sms.query["OutId"]
    assert mail["Message-ID"] == f"<{key}@wjw.example.cn>" and key.startswith("hf-")
    assert mail["X-Envelope-To"] == SAFETY["email"]
    assert sms.query["PhoneNumbers"] == SAFETY["mobile"]
    assert "【新待办】" in mail["Subject"]
    assert run(lc)["sent"] == 0 and len(stub.at("/sms")) == 1  # sent is sent
    # a channel switched off sends nothing
    reach(lc, "safety", {}, {"task_new": ["email"]})
    lc.report()
    assert [r["channel"] for r in rows(lc)][2:] == ["email"]  # no SMS planned
    reach(lc, "safety", {}, {"task_new": []})  # e-mail switched off after the notice was made
    lc.report()  # and this one is planned for no channel at all
    assert run(lc)["skipped"] == 1 and len(rows(lc)) == 3
    assert len(smtp.mails) == 1 and len(stub.calls) == 1


def test_a_hidden_unannounced_finding_is_sent_only_to_those_who_may_see_it(
        lc: Lifecycle, stub: Stub, smtp: SmtpSink) -> None:  # noqa: F811
    reach(lc, "jinan", JINAN, {"task_new": ["email", "sms"]})
    lc.report(by="jinan", source="unannounced")  # hidden from the hospital's staff
    counts = run(lc)
    assert (counts["sent"], counts["withheld"]) == (2, 2)
    assert [m["X-Envelope-To"] for m in smtp.mails] == [JINAN["email"]]
    assert [c.query["PhoneNumbers"] for c in stub.at("/sms")] == [JINAN["mobile"]]
    with lc.db.connect() as conn:
        safety = get_user(conn, "safety")
    assert safety is not None
    assert {r["status"] for r in rows(lc) if r["user_id"] == safety.id} == {"withheld"}


class Bare:
    """A runtime on the organisation tree with one person, no processes: enough to notify."""

    def __init__(self, db: sa.Engine, **settings: Any) -> None:
        self.db, self.clock = db, FixedClock(T0)
        self.rt = make_runtime(db, self.clock, **settings)
        with db.begin() as conn:
            self.user = create_user(conn, "safety", "password1", "安全管理员",
                                    [("safety_officer", "LA-JA-H01")], now=T0)

    def now(self) -> datetime:
        return self.clock.now()

    def set_time(self, at: datetime) -> None:
        self.clock.set(at)

    def notify(self, kind: str = "task_new") -> None:
        """A notice to the person, as a new task or an overdue one makes it."""
        with write_transaction(self.db) as conn:
            add_notification(conn, kind=kind, title=phrase(f"【{KINDS[kind]}】整改"),
                             body=phrase("请整改。"), now=self.now(), user_id=self.user.id)

    def reach(self, contacts: dict[str, str], choices: dict[str, list[str]]) -> None:
        prefs.set_my_preferences(self.rt, Actor("safety"), self.user.id, contacts, choices)


@pytest.fixture
def bare(org: sa.Engine, stub: Stub, smtp: SmtpSink) -> Bare:  # noqa: F811
    return Bare(org, **channel_settings(stub, smtp))


def test_a_worker_killed_after_the_provider_accepted_sends_again_with_the_same_key(
        bare: Bare, stub: Stub, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    bare.reach(SAFETY, {"task_new": ["sms"]})
    bare.notify()

    def die(*args: Any) -> str:
        raise SystemExit("worker killed between the provider's answer and the commit")

    monkeypatch.setattr(delivery, "_record", die)
    with pytest.raises(SystemExit):
        run(bare)
    monkeypatch.undo()
    assert len(stub.at("/sms")) == 1
    assert run(bare)["sent"] == 0  # still claimed by the dead worker
    bare.set_time(bare.now() + delivery.LEASE)
    assert run(bare)["sent"] == 1
    first, second = stub.at("/sms")
    assert first.query["OutId"] == second.query["OutId"]
    assert first.query["SignatureNonce"] != second.query["SignatureNonce"]
    [row] = rows(bare)
    assert (row["status"], row["attempts"]) == ("sent", 2)


def test_a_non_urgent_sms_waits_for_the_morning_an_overdue_one_goes_at_night(
        bare: Bare, stub: Stub, smtp: SmtpSink) -> None:  # noqa: F811
    bare.reach(SAFETY, {"task_new": ["email", "sms"], "overdue": ["sms"]})
    bare.set_time(local(2, 22, 30))
    bare.notify()
    bare.set_time(local(2, 23))
    counts = run(bare)
    assert (counts["sent"], counts["held"]) == (1, 1)  # the e-mail goes, the SMS waits
    assert stub.at("/sms") == [] and len(smtp.mails) == 1
    bare.set_time(local(3, 6, 59))
    assert run(bare)["sent"] == 0
    bare.set_time(local(3, 7))
    assert run(bare)["sent"] == 1 and len(stub.at("/sms")) == 1
    bare.set_time(local(3, 23, 30))
    bare.notify("task_overdue")  # urgent: at once
    assert run(bare)["sent"] == 1
    assert len(stub.at("/sms")) == 2 and "待办已超期" in stub.at("/sms")[1].query["TemplateParam"]


def test_a_failing_provider_is_retried_with_doubling_waits_and_every_attempt_logged(
        org: sa.Engine, stub: Stub) -> None:  # noqa: F811
    lc = Bare(org, **channel_settings(stub, None, sms_provider="webhook", smtp_port=free_port(),
                                      notify_backoff_seconds=60.0, notify_max_attempts=4))
    prefs.set_my_preferences(lc.rt, Actor("safety"), lc.user.id, {"mobile": SAFETY["mobile"]},
                             {"task_new": ["sms"]})
    answers = iter([(503, {"busy": True}), (502, {"busy": True}), (200, {"id": "m1"})])
    stub.routes["/webhook"] = lambda call: next(answers)
    lc.notify()
    start = lc.now()
    assert run(lc)["pending"] == 1
    [row] = rows(lc)
    assert row["next_attempt_at"] == start + timedelta(seconds=60)
    lc.set_time(start + timedelta(seconds=59))
    assert run(lc) == dict.fromkeys(run(lc), 0)  # not yet
    lc.set_time(start + timedelta(seconds=60))
    assert run(lc)["pending"] == 1
    [row] = rows(lc)
    assert row["next_attempt_at"] == start + timedelta(seconds=60 + 120)
    lc.set_time(row["next_attempt_at"])
    assert run(lc)["sent"] == 1
    with lc.db.connect() as conn:
        attempts = [(a.attempt, a.ok, a.status_code) for a in conn.execute(
            sa.select(delivery_attempt).order_by(delivery_attempt.c.id))]
    assert attempts == [(1, False, 503), (2, False, 502), (3, True, 200)]
    keys = {c.headers["Idempotency-Key"] for c in stub.at("/webhook")}
    assert len(keys) == 1 and len(stub.at("/webhook")) == 3
    assert rows(lc)[0]["status"] == "sent"
    stub.routes["/webhook"] = lambda call: (400, {"error": "bad number"})  # refused for good
    lc.notify()
    assert run(lc)["failed"] == 1 and len(stub.at("/webhook")) == 4
    assert "HTTP 400" in rows(lc)[1]["last_error"]
