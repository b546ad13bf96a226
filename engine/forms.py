"""JSON Schema forms: checking a form when it is deployed, and data when it is submitted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError

from .errors import Detail

_FORMAT_CHECKER = FormatChecker()

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
    try:
        Draft202012Validator.check_schema(schema)
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


_validators: dict[int, tuple[Mapping[str, Any], Draft202012Validator]] = {}


def _validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    """One compiled validator per deployed schema object (kept alive beside it)."""
    cached = _validators.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    validator = Draft202012Validator(schema, format_checker=_FORMAT_CHECKER)
    if len(_validators) > 1024:
        _validators.clear()
    _validators[id(schema)] = (schema, validator)
    return validator


def validate_submission(schema: Mapping[str, Any], data: Any) -> list[Detail]:
    """Field-located problems with submitted data, messages in Chinese with English beside."""
    if not isinstance(data, dict):
        return [Detail("表单数据必须是对象 (form data must be a JSON object)", field="(form)")]
    validator = _validator(schema)
    details = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        zh = _MESSAGES_ZH.get(str(error.validator), "不符合要求")
        if "{limit}" in zh:
            zh = zh.format(limit=error.validator_value)
        details.append(Detail(f"{zh} ({error.message})", field=_field_of(error)))
    return details
