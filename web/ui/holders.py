"""Who holds a task, by name and role, as the pages say it
("金安区卫健委县区监管员（张三、李四）")."""

from __future__ import annotations

from flask_babel import gettext as _

from hazardflow.workflows.task_holders import Holders


def who_holds(found: Holders) -> str:
    """The assignee with their role, else each candidate group with its people's names."""
    if found.assignee:
        return f"{found.assignee}（{found.assignee_role}）" if found.assignee_role \
            else found.assignee
    parts = []
    for group in found.groups:
        names = f"（{'、'.join(group.names)}）" if group.names else ""
        parts.append(f"{group.unit}{group.role}{names}")
    return "、".join(parts)


def next_step(found: Holders) -> str:
    """"下一步：整改（金安区人民医院整改责任人：王五）": the step and who holds it."""
    if found.assignee:
        who = f"{found.assignee_role}：{found.assignee}" if found.assignee_role \
            else found.assignee
    else:
        who = who_holds(found) or _("暂无可办理人员")
    return _("下一步：%(task)s（%(who)s）", task=_(found.task), who=who)
