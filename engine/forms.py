"""JSON Schema forms: checking a form when it is deployed, and data when it is submitted.

Forms are data, not programs: nothing is fetched, patterns run on RE2, and forms and
submissions are bounded in size (:mod:`.formsafe`, :mod:`.formcheck`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema.exceptions import SchemaError, ValidationError
from referencing.exceptions import Unresolvable

from .errors import Detail
from .formcheck import schema_problems
from .formsafe import FormTooComplex, check_metaschema, data_problems, make_validator, ref_budget

_MESSAGES_ZH = {
    "required": "此项为必填项",
    "type": "类型不正确",
    "enum": "不是允许的选项",
    "const": "不是允许的选项",
    "oneOf": "不是允许的选项",
    "maxLength": "内容过长",
    "minLength": "内容过短",
    "minItems": "至少需要 {limit} 项",
    "maxItems": "最多 {limit} 项",
    "format": "格式不正确",
    "minimum": "数值过小",
    "maximum": "数值过大",
    "additionalProperties": "不允许的字段",
    "pattern": "格式不正确",
}


def check_form_schema(key: str, schema: Any) -> list[Detail]:
    """Problems with a form schema itself (as deployed)."""
    if not isinstance(schema, dict):
        return [Detail(f"form {key!r} is not a JSON object", field=key)]
    problems = schema_problems(key, schema)
    if problems:
        return problems
    try:
        check_metaschema(schema)
    except SchemaError as exc:
        return [Detail(f"form {key!r} is not a valid JSON Schema: {exc.message}", field=key)]
    if schema.get("type") != "object":
        return [Detail(f"form {key!r} must describe an object (\"type\": \"object\")", field=key)]
    return []


def form_fields(schema: Mapping[str, Any]) -> set[str]:
    """Every property a form can set, including those under if/then/else and allOf."""
    names: set[str] = set(schema.get("properties", {}))
    for branch in ("then", "else", "if"):
        sub = schema.get(branch)
        if isinstance(sub, dict):
            names |= form_fields(sub)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            if isinstance(sub, dict):
                names |= form_fields(sub)
    return names


def _field_of(error: ValidationError) -> str:
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        path.append(missing)
    if error.validator == "additionalProperties":
        extra = error.message.split("'")[1] if "'" in error.message else ""
        path.append(extra)
    return ".".join(p for p in path if p) or "(form)"


_validators: dict[int, tuple[Mapping[str, Any], Any]] = {}


def _validator(schema: Mapping[str, Any]) -> Any:
    """One compiled validator per deployed schema object (kept alive beside it)."""
    cached = _validators.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    validator = make_validator(schema)
    if len(_validators) > 1024:
        _validators.clear()
    _validators[id(schema)] = (schema, validator)
    return validator


def validate_submission(schema: Mapping[str, Any], data: Any) -> list[Detail]:
    """Field-located problems with submitted data, messages in Chinese with English beside."""
    if not isinstance(data, dict):
        return [Detail("表单数据必须是对象 (form data must be a JSON object)", field="(form)")]
    too_large = data_problems(data)
    if too_large:
        return too_large
    validator = _validator(schema)
    try:
        with ref_budget():
            errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    except FormTooComplex as exc:
        return [Detail(f"表单定义有误 (the form is too complex to check: {exc})",
                       field="(form)")]
    except Unresolvable as exc:
        return [Detail(f"表单定义有误 (the form refers to {exc!s:.200}, which it does not "
                       "contain; nothing outside a form is ever fetched)", field="(form)")]
    except RecursionError:
        return [Detail("表单定义有误 (the form's references loop)", field="(form)")]
    details = []
    for error in errors:
        zh = _MESSAGES_ZH.get(str(error.validator), "不符合要求")
        if "{limit}" in zh:
            zh = zh.format(limit=error.validator_value)
        details.append(Detail(f"{zh} ({error.message})", field=_field_of(error)))
    return details
