"""Who holds a task, by name and role, as the pages say it
("金安区卫生健康委员会县区卫健委监管人员（张三、李四）"), each part through the catalogue."""

from __future__ import annotations

from flask_babel import gettext as _

from hazardflow.workflows.task_holders import Group, Holders


def _role(role: str, unit: str) -> str:
    """A role at a unit: "金安区人民医院单位安全管理员"."""
    if not role:
        return unit
    return _("%(unit)s%(role)s", unit=unit, role=_(role)) if unit else _(role)


def _group(group: Group) -> str:
    held = _role(group.role, group.unit)
    if not group.names or not held:
        return held or _("、").join(group.names)
    return _("%(role)s（%(names)s）", role=held, names=_("、").join(group.names))


def who_holds(found: Holders) -> str:
    """The assignee with their role, else each candidate group with its people's names."""
    if found.assignee:
        role = _role(found.assignee_role, found.assignee_unit)
        return _("%(name)s（%(role)s）", name=found.assignee, role=role) if role \
            else found.assignee
    return _("、").join(_group(group) for group in found.groups)


def next_step(found: Holders) -> str:
    """"下一步：整改（金安区人民医院整改责任人：王五）": the step and who holds it."""
    if found.assignee:
        role = _role(found.assignee_role, found.assignee_unit)
        who = _("%(role)s：%(name)s", role=role, name=found.assignee) if role \
            else found.assignee
    else:
        who = who_holds(found) or _("暂无可办理人员")
    return _("下一步：%(task)s（%(who)s）", task=_(found.task), who=who)
