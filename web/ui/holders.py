"""Who holds a task, by name and role, as the pages say it
("金安区卫健委县区监管员（张三、李四）")."""

from __future__ import annotations

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
