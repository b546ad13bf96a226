"""Evidence in forms, for the pages and the API alike: an evidence field (see
``forms.widget``) holds ``ev-…`` references to files the user uploaded. Before a form is
accepted every reference must be usable (``check_evidence``: nothing starts or completes
otherwise); once it is accepted they are attached to the case (``attach_evidence``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection

from hazardflow.engine import InvalidInput
from hazardflow.engine.db import read_transaction
from hazardflow.engine.forms import validate_submission
from hazardflow.workflows import evidence

from ..extensions import runtime
from .forms import fields


def evidence_fields(schema: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """The evidence fields of ``schema`` that ``data`` fills, with their values."""
    return {f["name"]: data[f["name"]] for f in fields(schema)
            if f["widget"] == "evidence" and f["name"] in data}


def check_evidence(schema: Mapping[str, Any], data: Mapping[str, Any], username: str,
                   case_id: int | None = None) -> None:
    """InvalidInput (naming the field) unless every evidence reference may be used."""
    named = evidence_fields(schema, data)
    if not named:
        return
    try:
        with read_transaction(runtime.db) as conn:
            evidence.check_form_evidence(conn, named, username, case_id)
    except InvalidInput as exc:
        # say everything wrong with the form at once, not the evidence first
        others = [d for d in validate_submission(schema, data) if d.field not in named]
        raise InvalidInput(exc.message, [*exc.details, *others], case_id=case_id) from None


def check_photo_fields(conn: Connection, named: dict[str, list[str]], username: str) -> None:
    """For forms outside JSON Schema (an inspection's items): the same evidence rule."""
    evidence.check_form_evidence(conn, named, username)


def attach_evidence(conn: Connection, schema: Mapping[str, Any], data: Mapping[str, Any],
                    case_id: int, username: str, task_id: int | None = None) -> None:
    ids = [ref for value in evidence_fields(schema, data).values()
           for ref in evidence.refs_in({"v": value})]
    if ids:
        evidence.attach(conn, ids, case_id, username, task_id=task_id)


def evidence_url(value: Any, thumb: bool = False) -> str:
    """``/evidence/<n>`` (or its thumbnail) for an evidence id as forms carry it."""
    number = evidence.parse_ref(value)
    if number is None:
        return "#"
    return f"/evidence/{number}" + ("/thumb" if thumb else "")
