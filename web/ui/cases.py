"""The case page: the hazard, its diagram with the path taken, the history, the evidence,
and its documents."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Response, render_template
from flask_babel import lazy_gettext

from hazardflow.workflows.ledger import CATEGORIES, LEVELS, STATUSES
from hazardflow.workflows.usecases import cases

from .. import security
from ..extensions import runtime
from . import bp, current_actor, login_required, why
from .holders import next_step

ACTIONS = {
    "start": lazy_gettext("发起"), "complete": lazy_gettext("完成"),
    "completion": lazy_gettext("完成"), "timer": lazy_gettext("定时触发"),
    "message": lazy_gettext("收到消息"), "incident": lazy_gettext("发生异常"),
    "incident_resolved": lazy_gettext("异常已解决"), "retry": lazy_gettext("重试"),
    "claim": lazy_gettext("认领"), "unclaim": lazy_gettext("退回待认领"),
    "assign": lazy_gettext("指派"), "reassign": lazy_gettext("改派"),
    "return_to_group": lazy_gettext("退回组"), "reschedule_timer": lazy_gettext("调整期限"),
    "suspend": lazy_gettext("挂起"), "resume": lazy_gettext("恢复"),
    "terminate": lazy_gettext("终止"), "move": lazy_gettext("调整节点"),
    "migrate": lazy_gettext("迁移版本"), "comment": lazy_gettext("留言"),
    "continue": lazy_gettext("继续执行"), "outbox": lazy_gettext("后台继续"),
}


def _note(entry: dict[str, Any]) -> str | None:
    """What an audit entry says beside its action: a reason given, or a message; an
    incident's technical message is told as a Chinese sentence (the text: the monitor's)."""
    payload = entry["payload"] or {}
    if entry["action"] == "incident":
        return why.incident(str(payload.get("message") or ""))
    found = payload.get("reason") or payload.get("message")
    return str(found) if found is not None else None


def timeline(detail: dict[str, Any], comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The audit log and the comments, oldest first, each with who, what and when."""
    names = {t["element_id"]: t["name"] for t in detail["tasks"]}
    names.update({i["element_id"]: i["step_name"] for i in detail["incidents"]
                  if i.get("element_id") and i.get("step_name")})
    items = [{"at": h["at"], "actor": h["actor"], "action": ACTIONS.get(h["action"], h["action"]),
              "element": names.get(h["element_id"] or "", ""),  # ids stay in the monitor
              "note": _note(h)}
             for h in detail["history"]]
    items += [{"at": c["created_at"].isoformat(), "actor": c["author"], "action": "留言",
               "element": "", "note": c["body"]} for c in comments]
    return sorted(items, key=lambda i: str(i["at"]))


@bp.get("/cases/<int:case_id>")
@login_required
def case(case_id: int) -> str:
    page = cases.case_page(runtime, current_actor(), case_id)  # NotFound when not visible
    return render_template("ui/case.html", case=page["case"], values=page["values"],
                           issued=page["documents"], issuable=page["issuable"],
                           files=page["files"], record=page["record"], report=page["report"],
                           next_steps=[next_step(h) for h in page["next"]],
                           events=timeline(page["case"], page["comments"]),
                           categories=CATEGORIES, levels=LEVELS, statuses=STATUSES)


@bp.get("/cases/<int:case_id>/diagram")
@login_required
def diagram(case_id: int) -> dict[str, Any]:
    return asdict(cases.diagram(runtime, current_actor(), case_id))


@bp.get("/cases/<int:case_id>/dossier.pdf")
@login_required
def dossier(case_id: int) -> Response:
    """The 隐患档案: the case's whole record, printable."""
    name, pdf = cases.dossier_pdf(runtime, current_actor(), case_id)
    response = security.document_response(pdf, name)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
