"""The inbox lists a task only to those who may act on it: a step that must not be done by
whoever did an earlier step of the same case (``excludePerformersOf``, the engine's separation
of duties: 验收须由非整改人完成) is in none of that person's tabs, counts or lists, and stays in
everyone else's."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from hazardflow.engine import Forbidden
from hazardflow.workflows import inbox
from hazardflow.workflows.usecases import inbox as inbox_uc
from hazardflow.workflows.usecases import tasks
from hazardflow.workflows.users import get_user

from .lifecycle import Lifecycle
from .lifecycle_forms import UNIT, order_form, rectify_form, verify_passed


def _seen(lc: Lifecycle, username: str, task_id: int) -> tuple[int, bool, bool]:
    """The 待认领 count, whether the page's list and the API's list hold the task."""
    with lc.db.connect() as conn:
        user = get_user(conn, username)
    assert user is not None
    actor = lc.actor(username)
    counts = inbox_uc.counts(lc.rt, actor, user.id)["tabs"]
    page = inbox_uc.inbox_page(lc.rt, actor, user.id, inbox.TaskQuery(view="groups"))
    listed = tasks.list_tasks(lc.rt, actor, inbox.TaskQuery(view="groups"))
    return (counts["groups"], task_id in {t["id"] for t in page["result"]["items"]},
            task_id in {t["id"] for t in listed["items"]})


def test_rectifier_with_verifier_role_does_not_see_own_verification(db: sa.Engine) -> None:
    lc = Lifecycle(db)
    lc.add_user("fixer", f"rectifier@{UNIT}", f"verifier@{UNIT}")
    case_id = lc.report(by="safety", source="self_inspection")
    lc.complete(case_id, "Task_Triage", "safety", order_form(date(2026, 11, 20), "fixer"))
    lc.complete(case_id, "Task_Rectify", "fixer", rectify_form())
    verify = lc.task_id(case_id, "Task_Verify")
    assert lc.candidates(verify) == {("verifier", UNIT)}  # fixer holds the role …
    assert _seen(lc, "fixer", verify) == (0, False, False)  # … yet is not offered the task
    with pytest.raises(Forbidden):  # which the engine refuses them
        lc.complete(case_id, "Task_Verify", "fixer", verify_passed())
    # another verifier does see it, counted and listed, and may do it
    assert _seen(lc, "verifier", verify) == (1, True, True)
    lc.complete(case_id, "Task_Verify", "verifier", verify_passed())
    assert lc.hazard(case_id)["status"] == "closed"
