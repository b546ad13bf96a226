"""A task's notices reach whoever may do it, never someone excluded from it: the verification
must not be done by the rectifier (``excludePerformersOf``, 验收须由非整改人完成), so the
rectifier who also holds the verifier's role hears of it neither in the app nor by e-mail,
through every kind of notice about a task's candidates (``notifications.TASK_KINDS``), while
the other verifier hears of it through each."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from hazardflow.workflows.jobs import job
from hazardflow.workflows.notifications import TASK_KINDS, notify_due_tasks
from hazardflow.workflows.schema import notification
from hazardflow.workflows.schema_delivery import delivery
from hazardflow.workflows.usecases import notification_preferences as prefs
from hazardflow.workflows.usecases import notifications as notices
from hazardflow.workflows.users import get_user

from .lifecycle import Lifecycle
from .lifecycle_forms import UNIT, order_form, rectify_form
from .test_channels import SmtpSink, Stub, channel_settings, smtp, stub  # noqa: F401

EVERY_KIND = {"task_new": ["email"], "due_soon": ["email"], "overdue": ["email"]}
MAIL = {"fixer": "fixer@example.cn", "verifier": "verifier@example.cn"}


def user_id(lc: Lifecycle, username: str) -> int:
    with lc.db.connect() as conn:
        user = get_user(conn, username)
    assert user is not None
    return user.id


def heard(lc: Lifecycle, username: str, task_id: int) -> set[str]:
    """The kinds of notice about the task the person's notification page lists."""
    page = notices.notification_page(lc.rt, lc.actor(username), user_id(lc, username),
                                     per_page=200)
    return {str(r["kind"]) for r in page.rows if r["task_id"] == task_id}


@pytest.fixture
def lc(db: sa.Engine, stub: Stub, smtp: SmtpSink) -> Iterator[Lifecycle]:  # noqa: F811
    lifecycle = Lifecycle(db, **channel_settings(stub, smtp))
    lifecycle.add_user("fixer", f"rectifier@{UNIT}", f"verifier@{UNIT}")
    for username, address in MAIL.items():
        prefs.set_my_preferences(lifecycle.rt, lifecycle.actor(username),
                                 user_id(lifecycle, username), {"email": address}, EVERY_KIND)
    yield lifecycle


def test_the_rectifier_hears_of_no_verification_notice_and_the_other_verifier_of_each(
        lc: Lifecycle, smtp: SmtpSink) -> None:  # noqa: F811
    case_id = lc.report(by="safety", source="self_inspection")
    lc.complete(case_id, "Task_Triage", "safety", order_form(date(2026, 11, 20), "fixer"))
    lc.complete(case_id, "Task_Rectify", "fixer", rectify_form())
    verify = lc.task_id(case_id, "Task_Verify")
    assert lc.candidates(verify) == {("verifier", UNIT)}  # a group both verifiers belong to
    due_at = lc.task(case_id, "Task_Verify").due_at
    notify_due_tasks(lc.db, due_at - timedelta(hours=1), lc.rt.calendar)
    lc.set_time(due_at + timedelta(hours=1))
    notify_due_tasks(lc.db, lc.now(), lc.rt.calendar)
    with lc.db.connect() as conn:
        made = {r.kind for r in conn.execute(
            sa.select(notification.c.kind).where(notification.c.task_id == verify))}
        about_tasks = set(conn.execute(sa.select(notification.c.kind).where(
            notification.c.task_id.is_not(None))).scalars())
    # every kind of notice that targets a task's candidates was made for the verification
    assert made == set(TASK_KINDS) and about_tasks <= set(TASK_KINDS)
    assert heard(lc, "verifier", verify) == set(TASK_KINDS)
    assert heard(lc, "fixer", verify) == set()
    assert heard(lc, "fixer", int(lc.tasks(case_id, "Task_Rectify")[0].id)) >= {"task_new"}
    # nor does the rectifier open one, or count it unread
    with lc.db.connect() as conn:
        ids = list(conn.execute(sa.select(notification.c.id)
                                .where(notification.c.task_id == verify)).scalars())
    fixer = user_id(lc, "fixer")
    assert all(notices.open_notification(lc.rt, lc.actor("fixer"), fixer, n) is None
               for n in ids)
    assert notices.mark_all_read(lc.rt, lc.actor("fixer"), fixer)[1] == 0
    # outside the app: each notice is e-mailed to the other verifier, withheld from the rectifier
    job("send_notices").run(lc.rt, lc.now())
    sent = [(m["X-Envelope-To"], str(m["Subject"])) for m in smtp.mails]
    about_verify = {to for to, subject in sent if "验收/复查" in subject}
    assert about_verify == {MAIL["verifier"]}
    assert len([to for to, subject in sent if "验收/复查" in subject]) == len(TASK_KINDS)
    assert statuses(lc, ids, fixer) == {"withheld"}
    assert statuses(lc, ids, user_id(lc, "verifier")) == {"sent"}


def statuses(lc: Lifecycle, notification_ids: list[int], person: int) -> set[Any]:
    with lc.db.connect() as conn:
        return set(conn.execute(sa.select(delivery.c.status).where(
            delivery.c.notification_id.in_(notification_ids),
            delivery.c.user_id == person)).scalars())
