"""Sentences the domain composes in Chinese, composed again in the reader's language: why a
case is stuck (``workflows.monitor.why_args``) and what an incident was
(``workflows.incident_text.parts``). The phrases are the catalogue's (their Chinese is the
source text), so a Chinese page reads exactly as the domain's own sentence."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hazardflow.workflows import incident_text

from . import tr as _  # gettext that leaves empty text empty


def incident(message: str) -> str:
    """What failed and why, for a stored incident message."""
    what, why = incident_text.parts(message)
    return _incident(what, why)


def _incident(what: str, why: str) -> str:
    return _("%(what)s：%(why)s", what=_(what), why=_(why))


def stuck(kind: str, args: Mapping[str, Any]) -> str:
    """Why a case is stuck, from the monitor's ``why_args``."""
    task, days = _(str(args.get("task") or "")), args.get("days")
    if kind == "overdue":
        return _("%(task)s 已超期 %(days)s 天", task=task, days=days)
    if kind == "unclaimed":
        return _("%(task)s %(days)s 天无人认领", task=task, days=days)
    if kind == "idle":
        return _("停留在 %(task)s 已 %(days)s 天", task=task, days=days)
    if kind == "incident":
        return _("%(incident)s（已尝试 %(n)s 次）",
                 incident=_incident(str(args.get("what")), str(args.get("reason"))),
                 n=args.get("attempts"))
    return _("已挂起 %(days)s 天", days=days)
