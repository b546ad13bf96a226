"""JSON Schema forms: checking a form when it is deployed, and data when it is submitted.

Forms are data, not programs: nothing is fetched, patterns run on RE2, and forms and
submissions are bounded in size (:mod:`.formsafe`, :mod:`.formcheck`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jsonschema.exceptions import SchemaError, ValidationError
from referencing.exceptions import Unresolvable

from .errors import Detail
from .formcheck import schema_problems
from .formsafe import FormTooComplex, check_metaschema, data_problems, make_validator, ref_budget

_TYPES = {"string": ("文字", "text"), "number": ("数字", "a number"),
          "integer": ("整数", "a whole number"), "boolean": ("是或否", "yes or no"),
          "array": ("列表", "a list"), "object": ("一组字段", "a group of fields"),
          "null": ("空值", "empty")}
_FORMATS = {"date": ("日期（如 2026-01-31）", "a date"),
            "date-time": ("日期和时间（如 2026-01-31T09:00+08:00）", "a date and time"),
            "time": ("时间（如 09:00）", "a time"), "email": ("电子邮件地址", "an e-mail address"),
            "uri": ("网址", "a web address"), "uuid": ("编号", "an id")}

# validator kind → (Chinese sentence, English sentence); {t} the field's form title,
# {n} its name, {v} the validator's value
_MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("「{t}」为必填项，请填写", "{n} is required"),
    "enum": ("「{t}」不是允许的选项，请从列表中选择", "{n} is not one of the choices"),
    "const": ("「{t}」不是允许的选项", "{n} is not the allowed value"),
    "oneOf": ("「{t}」不是允许的选项", "{n} is not one of the choices"),
    "anyOf": ("「{t}」不是允许的选项", "{n} is not one of the choices"),
    "maxLength": ("「{t}」最多 {v} 个字", "{n} is longer than {v} characters"),
    "minLength": ("「{t}」至少 {v} 个字", "{n} needs at least {v} characters"),
    "minItems": ("「{t}」至少需要 {v} 项", "{n} needs at least {v} items"),
    "maxItems": ("「{t}」最多 {v} 项", "{n} has more than {v} items"),
    "uniqueItems": ("「{t}」中有重复的项", "{n} repeats an item"),
    "minimum": ("「{t}」不能小于 {v}", "{n} is less than {v}"),
    "maximum": ("「{t}」不能大于 {v}", "{n} is greater than {v}"),
    "exclusiveMinimum": ("「{t}」须大于 {v}", "{n} must be greater than {v}"),
    "exclusiveMaximum": ("「{t}」须小于 {v}", "{n} must be less than {v}"),
    "multipleOf": ("「{t}」须为 {v} 的倍数", "{n} must be a multiple of {v}"),
    "pattern": ("「{t}」格式不正确", "{n} is not in the expected form"),
    "additionalProperties": ("表单中没有「{t}」这一项", "the form has no field {n}"),
    "patternProperties": ("表单中没有「{t}」这一项", "the form has no field {n}"),
}
_OTHER = ("「{t}」不符合要求", "{n} is not valid")


def check_form_schema(key: str, schema: Any) -> list[Detail]:
    """Problems with a form schema itself (as deployed).

    The answer depends on the key and the schema's content alone, and the check (above all
    against the metaschema, about 30 ms a form) ran for every form of the package on every
    deploy; so it is remembered by content."""
    if not isinstance(schema, dict):
        return [Detail(f"表单 {key!r} 不是 JSON 对象 (form {key!r} is not a JSON object)",
                       field=key)]
    try:
        canonical = json.dumps(schema, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return _form_schema_problems(key, schema)
    if len(canonical) > _REMEMBERED_CHARS:  # a hostile giant is checked, never kept
        return _form_schema_problems(key, schema)
    return list(_remembered_problems(key, canonical))


_REMEMBERED_CHARS = 64_000


@lru_cache(maxsize=512)
def _remembered_problems(key: str, canonical: str) -> tuple[Detail, ...]:
    return tuple(_form_schema_problems(key, json.loads(canonical)))


def _form_schema_problems(key: str, schema: dict[str, Any]) -> list[Detail]:
    problems = schema_problems(key, schema)
    if problems:
        return problems
    try:
        check_metaschema(schema)
    except SchemaError as exc:
        return [Detail(f"表单 {key!r} 不是有效的 JSON Schema (form {key!r} is not a valid JSON "
                       f"Schema: {exc.message})", field=key)]
    if schema.get("type") != "object":
        return [Detail(f"表单 {key!r} 须描述一个对象 (form {key!r} must describe an object "
                       "(\"type\": \"object\"))", field=key)]
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


def _message(error: ValidationError, field: str) -> str:
    """The validator's complaint as a sentence naming the field by its form title, Chinese
    first, English beside: 「整改期限」为必填项，请填写 (deadline is required), never the
    validator's own text ('deadline' is a required property)."""
    kind = str(error.validator)
    name = field.rsplit(".", 1)[-1] if field != "(form)" else "the form"
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if kind == "required":
        own = schema.get("properties", {}).get(name, {})
        title = own.get("title") if isinstance(own, Mapping) else None
    elif kind in ("additionalProperties", "patternProperties"):
        title = None
    else:
        title = schema.get("title")
    title = str(title or (name if field != "(form)" else "表单"))
    value: Any = error.validator_value
    if kind == "type":
        wanted = value if isinstance(value, str) else (value[0] if value else "")
        zh_type, en_type = _TYPES.get(str(wanted), (str(wanted), str(wanted)))
        return f"「{title}」须为{zh_type} ({name} must be {en_type})"
    if kind == "format":
        zh_format, en_format = _FORMATS.get(str(value), (str(value), str(value)))
        return f"「{title}」须为{zh_format} ({name} must be {en_format})"
    zh, en = _MESSAGES.get(kind, _OTHER)
    return f"{zh.format(t=title, v=value)} ({en.format(n=name, v=value)})"


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
        field = _field_of(error)
        details.append(Detail(_message(error, field), field=field))
    return details
