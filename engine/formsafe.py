"""Forms are data, not programs: JSON Schema validation that never fetches, never
backtracks and never grows past fixed limits.

* References stay inside the form: a ``$ref``/``$dynamicRef`` must be a ``#...`` fragment
  found in the same form, a nested ``$id`` (which would re-base them) is refused, and the
  validator's registry refuses to retrieve anything, so neither ``http://`` nor ``file://``
  is ever opened.
* Patterns run on RE2, which matches in linear time: ``pattern``, ``patternProperties``
  (also where ``additionalProperties`` consults them) and the ``regex`` format. A pattern
  RE2 cannot compile (backreferences, lookaround) is refused when the form is deployed.
* ``uniqueItems`` is checked in linear time; ``unevaluatedProperties``/``unevaluatedItems``
  (which re-run subschemas, and their patterns, with Python's ``re``) are refused.
* A form and a submission are measured before anything else looks at them (the limits
  below), with walks that stop as soon as a limit is passed.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

from .errors import Detail

# -- a form, as deployed
MAX_FORM_BYTES = 64 * 1024  # the schema as UTF-8 JSON
MAX_FORM_DEPTH = 20  # nesting of JSON objects and arrays in the schema
MAX_FORM_PROPERTIES = 200  # entries of every "properties" and "patternProperties" together
MAX_FORM_EXPANDED = 2_000  # subschemas visited once every $ref is followed
MAX_REF_FOLLOWS = 2_000  # references one validation may follow
# -- a submission
MAX_TEXT_CHARS = 20_000  # one string value or object key
MAX_SUBMISSION_CHARS = 200_000  # every string and key together
MAX_SUBMISSION_BYTES = 256 * 1024  # the data as UTF-8 JSON
MAX_SUBMISSION_DEPTH = 8  # nesting of objects and arrays
MAX_SUBMISSION_ITEMS = 1_000  # entries of one object or array
MAX_SUBMISSION_VALUES = 10_000  # values in all
MAX_NUMBER_BITS = 1_024  # a submitted integer

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SINGLE = ("additionalProperties", "unevaluatedProperties", "items", "contains",
          "propertyNames", "unevaluatedItems", "not", "if", "then", "else", "contentSchema")
MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
REFUSED_KEYWORDS = ("unevaluatedProperties", "unevaluatedItems")

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
_UNICODE_ESCAPE = re.compile(r"\\\\|\\u([0-9a-fA-F]{4})")


class PatternError(ValueError):
    """RE2 cannot compile the pattern."""


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Any:
    """An RE2 program for a JSON Schema (ECMA-262 style) pattern; ``\\uXXXX`` escapes are
    accepted. Raises :class:`PatternError` for what RE2 does not support."""
    translated = _UNICODE_ESCAPE.sub(
        lambda m: m.group(0) if m.group(1) is None else "\\x{" + m.group(1) + "}", pattern)
    try:
        return re2.compile(translated, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) \
            else str(exc)
        raise PatternError(reason) from None


def _search(pattern: str, text: str) -> bool:
    try:
        return compile_pattern(pattern).search(text) is not None
    except PatternError:
        return False  # refused at deploy; a form that slipped through matches nothing


# -- keywords replaced in the validator -----------------------------------------------------

def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "string") and not _search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: Mapping[str, Any], instance: Any,
                        schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Any, additional: Any, instance: Any,
                           schema: Mapping[str, Any]) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    declared = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [key for key in instance if key not in declared
              and not any(_search(p, key) for p in patterns)]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        names = ", ".join(repr(e) for e in sorted(extras, key=str))
        if patterns:
            yield ValidationError(f"{names} do not match any of the regexes: "
                                  f"{', '.join(repr(p) for p in sorted(patterns))}")
        else:
            verb = "was" if len(extras) == 1 else "were"
            yield ValidationError(f"Additional properties are not allowed ({names} {verb} "
                                  "unexpected)")


def _canonical(value: Any) -> Any:
    """A hashable form under which JSON values are equal exactly when JSON Schema says so."""
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, list):
        return ("array", tuple(_canonical(v) for v in value))
    if isinstance(value, dict):
        return ("object", frozenset((k, _canonical(v)) for k, v in value.items()))
    return (type(value).__name__, value if isinstance(value, str) else repr(value))


def _unique_items(validator: Any, unique: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if unique and validator.is_type(instance, "array"):
        seen = set()
        for item in instance:
            key = _canonical(item)
            if key in seen:
                yield ValidationError(f"{instance!r} has non-unique elements")
                return
            seen.add(key)


def _unsupported(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
    """unevaluatedProperties/Items re-run subschemas (and their patterns, with Python's
    ``re``): refused at deploy, and never run should a schema skip that check."""
    yield ValidationError("unevaluatedProperties/unevaluatedItems are not supported in forms")


class FormTooComplex(Exception):
    """A validation followed more references than :data:`MAX_REF_FOLLOWS`."""


_ref_budget: ContextVar[list[int] | None] = ContextVar("hazardflow_form_refs", default=None)


@contextlib.contextmanager
def ref_budget() -> Iterator[None]:
    """Count the references one validation follows; past the limit it stops (a schema
    whose references multiply is refused at deploy; this holds whatever slipped past)."""
    token = _ref_budget.set([0])
    try:
        yield
    finally:
        _ref_budget.reset(token)


def _counted(keyword: Any) -> Any:
    def follow(validator: Any, ref: Any, instance: Any, schema: Any) -> Iterator[Any]:
        spent = _ref_budget.get()
        if spent is not None:
            spent[0] += 1
            if spent[0] > MAX_REF_FOLLOWS:
                raise FormTooComplex(f"more than {MAX_REF_FOLLOWS} references followed")
        yield from keyword(validator, ref, instance, schema)
    return follow


FormValidator = validators.extend(Draft202012Validator, {
    "pattern": _pattern, "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties, "uniqueItems": _unique_items,
    "$ref": _counted(Draft202012Validator.VALIDATORS["$ref"]),
    "$dynamicRef": _counted(Draft202012Validator.VALIDATORS["$dynamicRef"]),
    **{word: _unsupported for word in REFUSED_KEYWORDS},
})

FORMAT_CHECKER = FormatChecker()


@FORMAT_CHECKER.checks("regex", raises=PatternError)
def _is_regex(instance: object) -> bool:
    if isinstance(instance, str):
        compile_pattern(instance)
    return True


def _refuse_retrieval(uri: str) -> Resource[Any]:
    raise NoSuchResource(uri)


REGISTRY: Registry[Any] = Registry(retrieve=_refuse_retrieval)  # type: ignore[call-arg]


def _without_dialect(schema: Any) -> Any:
    """The schema without ``$schema``: the validator would otherwise switch to the stock
    Draft 2020-12 class (and its backtracking patterns) wherever one appears."""
    if isinstance(schema, dict):
        return {k: _without_dialect(v) for k, v in schema.items() if k != "$schema"}
    if isinstance(schema, list):
        return [_without_dialect(v) for v in schema]
    return copy.copy(schema)


def make_validator(schema: Mapping[str, Any]) -> Any:
    return FormValidator(_without_dialect(schema), registry=REGISTRY,
                         format_checker=FORMAT_CHECKER)


def check_metaschema(schema: Mapping[str, Any]) -> None:
    """Raise ``SchemaError`` unless the form is valid Draft 2020-12 (RE2 ``regex`` format)."""
    Draft202012Validator.check_schema(schema, format_checker=FORMAT_CHECKER)


def encoded_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str).encode("utf-8"))


def data_problems(data: Any) -> list[Detail]:
    """The first way a submission passes the limits, located at its field; [] if none.

    Runs before the schema sees the data, and stops as soon as a limit is passed."""
    values = chars = 0
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        where = ".".join(path) or "(form)"
        values += 1
        if values > MAX_SUBMISSION_VALUES:
            return [Detail(f"表单内容过多 (more than {MAX_SUBMISSION_VALUES} values)",
                           field="(form)")]
        texts: list[str] = []
        if isinstance(value, str):
            texts = [value]
        elif isinstance(value, int) and not isinstance(value, bool) \
                and value.bit_length() > MAX_NUMBER_BITS:
            return [Detail(f"数值过大 (a number larger than {MAX_NUMBER_BITS} bits)",
                           field=where)]
        elif isinstance(value, (dict, list)):
            if len(path) >= MAX_SUBMISSION_DEPTH:
                return [Detail(f"嵌套过深 (nested deeper than {MAX_SUBMISSION_DEPTH} levels)",
                               field=where)]
            if len(value) > MAX_SUBMISSION_ITEMS:
                return [Detail(f"条目过多 (more than {MAX_SUBMISSION_ITEMS} entries)",
                               field=where)]
            if isinstance(value, dict):
                texts = [str(k) for k in value]
                stack.extend((v, (*path, str(k))) for k, v in value.items())
            else:
                stack.extend((v, (*path, str(i))) for i, v in enumerate(value))
        for text in texts:
            chars += len(text)
            if len(text) > MAX_TEXT_CHARS:
                return [Detail(f"内容过长 (longer than {MAX_TEXT_CHARS} characters)",
                               field=where)]
            if chars > MAX_SUBMISSION_CHARS:
                return [Detail(f"表单内容过多 (more than {MAX_SUBMISSION_CHARS} characters "
                               "in all)", field="(form)")]
    size = encoded_size(data)
    if size > MAX_SUBMISSION_BYTES:
        return [Detail(f"表单内容过多 ({size} bytes; at most {MAX_SUBMISSION_BYTES})",
                       field="(form)")]
    return []
