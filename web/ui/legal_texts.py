"""Pages: the legal texts regulators' documents cite (法律依据配置), for the city's 综合监督科
and administrators (``legal_text.manage``), and an inspector's 执法证号 (administrators).

- ``GET /legal-texts``: every text by body and part, each 待法制科确认 until confirmed.
- ``POST /legal-texts`` (CSRF): add one; ``POST /legal-texts/<id>``: change one (new wording
  needs confirming again); ``POST /legal-texts/<id>/confirm``: the legal office confirmed it.
- ``GET|POST /admin/users/<id>/certificate``: read or set the user's 执法证号."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hazardflow.engine import InvalidInput, NotFound
from hazardflow.workflows.legal_texts import LEVELS, PARTS
from hazardflow.workflows.usecases import certificates as certificate_uc
from hazardflow.workflows.usecases import legal_texts as uc

from ..extensions import runtime
from . import bp, current_actor, login_required


def _values() -> dict[str, object]:
    form = request.form
    return {"part": form.get("part", ""), "level": form.get("level", ""),
            "position": form.get("position", "0"), "citation": form.get("citation", ""),
            "body": form.get("body", ""), "active": form.get("active", "1") == "1"}


def _change(action: Callable[[], object], done: str) -> Response:
    try:
        action()
        flash(done, "info")
    except (InvalidInput, NotFound) as exc:
        details = "；".join(d.message for d in getattr(exc, "details", []))
        flash(f"{exc.message}{'：' + details if details else ''}", "error")
    return redirect(url_for("ui.legal_texts"))


@bp.get("/legal-texts")
@login_required
def legal_texts() -> str:
    view = uc.texts(runtime, current_actor())
    return render_template("legal_texts.html", texts=view.texts, bodies=view.bodies,
                           parts=PARTS, levels=LEVELS)


@bp.post("/legal-texts")
@login_required
def add_legal_text() -> Response:
    values, body = _values(), request.form.get("unit_code") or None
    return _change(lambda: uc.add(runtime, current_actor(), body, **values),
                   _("已添加，待法制科确认。"))


@bp.post("/legal-texts/<int:text_id>")
@login_required
def change_legal_text(text_id: int) -> Response:
    values = _values()
    return _change(lambda: uc.change(runtime, current_actor(), text_id, **values),
                   _("已保存。"))


@bp.post("/legal-texts/<int:text_id>/confirm")
@login_required
def confirm_legal_text(text_id: int) -> Response:
    return _change(lambda: uc.confirm(runtime, current_actor(), text_id),
                   _("已记录法制科确认。"))


@bp.route("/admin/users/<int:user_id>/certificate", methods=["GET", "POST"])
@login_required
def admin_certificate(user_id: int) -> str | Response:
    if request.method == "POST":
        number = request.form.get("number", "")
        try:
            certificate_uc.set_certificate(runtime, current_actor(), user_id, number)
            flash(_("执法证号已保存。"), "info")
        except InvalidInput as exc:
            flash(exc.message, "error")
        return redirect(url_for("ui.admin_certificate", user_id=user_id))
    found = certificate_uc.certificate(runtime, current_actor(), user_id)
    return render_template("admin/certificate.html", user=found.user, number=found.number)
