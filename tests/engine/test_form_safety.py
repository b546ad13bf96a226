"""Forms are data, not programs: validating a submission never fetches anything and never
backtracks.

Before, a form's ``"$ref": "http://..."`` made the server fetch that URL on every
validation (and ``file://`` read a local file), and a ``pattern`` of ``^(a+)+$`` held a
worker for seconds on a short value.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hazardflow.engine.forms import check_form_schema, validate_submission

from .canary import Canary


@pytest.fixture
def canary() -> Iterator[Canary]:
    with Canary() as listener:
        yield listener


def test_a_form_ref_to_a_url_is_refused_and_never_fetched(canary: Canary) -> None:
    schema = {"type": "object",
              "properties": {"a": {"$ref": f"{canary.url}/evil.json"}}}
    problems = check_form_schema("evil_form", schema)
    assert problems and "evil_form" in problems[0].message
    assert "properties.a.$ref" in problems[0].message
    validate_submission(schema, {"a": 1})
    assert canary.hits == []


def test_a_form_ref_to_a_file_is_refused_and_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('{"const": "secret-from-file"}')
    schema = {"type": "object", "properties": {"a": {"$ref": secret.as_uri()}}}
    assert check_form_schema("evil_form", schema)
    problems = validate_submission(schema, {"a": 1})
    assert not any("secret-from-file" in p.message for p in problems)


@pytest.mark.parametrize("schema", [
    {"type": "object", "properties": {"a": {"type": "string", "pattern": "^(a+)+$"}}},
    {"type": "object", "patternProperties": {"^(a+)+$": {"type": "integer"}}},
])
def test_a_catastrophic_pattern_does_not_hold_a_worker(schema: dict) -> None:
    assert check_form_schema("f", schema) == []
    evil = "a" * 26 + "!"
    started = time.perf_counter()
    validate_submission(schema, {"a": evil, evil: 1})
    assert time.perf_counter() - started < 0.1


def test_a_catastrophic_pattern_behind_a_ref_to_the_root_still_runs_on_re2() -> None:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$id": "https://hazardflow.example/forms/tree.json", "type": "object",
              "properties": {"child": {"$ref": "#/$defs/leaf"}},
              "patternProperties": {"^(a+)+$": {"type": "integer"}},
              "additionalProperties": False,
              "$defs": {"leaf": {"type": "string", "pattern": "^(a+)+$"}}}
    assert check_form_schema("tree", schema) == []
    evil = "a" * 40 + "!"
    started = time.perf_counter()
    problems = validate_submission(schema, {"child": evil, evil: 1})
    assert time.perf_counter() - started < 0.1
    assert {p.field for p in problems} == {"child", evil}


@pytest.mark.parametrize(("schema", "where"), [
    ({"properties": {"a": {"type": "string", "pattern": "(a)\\1"}}}, "properties.a.pattern"),
    ({"properties": {"a": {"type": "string", "pattern": "x(?=y)"}}}, "properties.a.pattern"),
    ({"patternProperties": {"(?<!x)y": {}}}, "patternProperties.(?<!x)y"),
    ({"properties": {"a": {"$ref": "file:///etc/passwd"}}}, "properties.a.$ref"),
    ({"properties": {"a": {"$dynamicRef": "https://example.org/s#meta"}}},
     "properties.a.$dynamicRef"),
    ({"properties": {"a": {"items": {"$ref": "other.json#/x"}}}}, "properties.a.items.$ref"),
    ({"properties": {"a": {"$id": "https://example.org/a.json"}}}, "properties.a.$id"),
    ({"properties": {"a": {"$ref": "#/$defs/missing"}}}, "properties.a.$ref"),
    ({"$schema": "http://json-schema.org/draft-04/schema#"}, "$schema"),
    ({"properties": {"a": {"$ref": "#/$defs/x"}},
      "$defs": {"x": {"$ref": "#/$defs/y"}, "y": {"$ref": "#/$defs/x"}}}, "recursive $ref"),
    ({"unevaluatedProperties": False}, "unevaluatedProperties"),
])
def test_a_form_that_reaches_out_or_cannot_run_on_re2_is_refused_naming_the_place(
        schema: dict, where: str) -> None:
    problems = check_form_schema("hazard_form", {"type": "object", **schema})
    assert problems, "refused"
    assert "hazard_form" in problems[0].message and where in problems[0].message
    assert problems[0].field == "hazard_form"


def _doubling(levels: int) -> dict:
    defs = {f"d{i}": {"anyOf": [{"$ref": f"#/$defs/d{i + 1}"}, {"$ref": f"#/$defs/d{i + 1}"}]}
            for i in range(levels)}
    defs[f"d{levels}"] = {"type": "string"}
    return {"type": "object", "properties": {"a": {"$ref": "#/$defs/d0"}}, "$defs": defs}


def test_a_form_whose_references_multiply_is_refused() -> None:
    assert check_form_schema("f", _doubling(5)) == []  # 2^5 paths: fine
    problems = check_form_schema("f", _doubling(40))  # 2^40: a validation would never end
    assert problems and "subschemas" in problems[0].message


def _nested(levels: int) -> list:
    value: list = []
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize("schema", [
    {"type": "object", "description": "x" * 70_000},
    {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(201)}},
    {"type": "object", "x-deep": _nested(25)},
])
def test_a_form_past_the_size_limits_is_refused(schema: dict) -> None:
    assert check_form_schema("big", schema)


@pytest.mark.parametrize(("data", "field"), [
    ({"a": "x" * 20_001}, "a"),
    ({"x" * 20_001: 1}, "(form)"),
    ({"a": [[[[[[[[["deep"]]]]]]]]]}, "a.0.0.0.0.0.0.0"),
    ({"a": list(range(1_001))}, "a"),
    ({f"k{i}": "x" * 19_000 for i in range(11)}, "(form)"),
    ({"a": 2 ** 2_000}, "a"),
])
def test_a_submission_past_the_size_limits_is_refused_before_validation(
        data: dict, field: str) -> None:
    schema = {"type": "object"}
    started = time.perf_counter()
    problems = validate_submission(schema, data)
    assert time.perf_counter() - started < 0.1
    assert [p.field for p in problems] == [field]


def test_unique_items_is_checked_in_linear_time_with_json_equality() -> None:
    schema = {"type": "object", "properties": {"l": {"type": "array", "uniqueItems": True}}}
    many = [{"n": i, "tags": [i, str(i)]} for i in range(1_000)]
    started = time.perf_counter()
    assert validate_submission(schema, {"l": many}) == []
    assert time.perf_counter() - started < 0.5
    assert validate_submission(schema, {"l": [1, 1.0]})
    assert validate_submission(schema, {"l": [{"a": [1]}, {"a": [1]}]})
    assert validate_submission(schema, {"l": [1, True, "1", None, False, 0]}) == []


def test_the_regex_format_compiles_with_re2() -> None:
    schema = {"type": "object", "properties": {"r": {"type": "string", "format": "regex"}}}
    assert validate_submission(schema, {"r": "^[\\u4e00-\\u9fa5]+$"}) == []
    assert [p.field for p in validate_submission(schema, {"r": "(a)\\1"})] == ["r"]


def test_shipped_forms_and_unicode_patterns_pass() -> None:
    import json

    import hazardflow.bpmn
    shipped = sorted((Path(hazardflow.bpmn.__file__).parent / "forms").glob("*.json"))
    assert shipped
    for path in shipped:
        assert check_form_schema(path.stem, json.loads(path.read_text())) == [], path.name
    schema = {"type": "object",
              "properties": {"name": {"type": "string", "pattern": "^[\\u4e00-\\u9fa5]{2,4}$"}}}
    assert check_form_schema("f", schema) == []
    assert validate_submission(schema, {"name": "张三"}) == []
    assert validate_submission(schema, {"name": "zhang"})


@pytest.mark.parametrize(("schema", "data"), [
    (_doubling(40), {"a": 1}),
    ({"type": "object", "patternProperties": {"^(a+)+$": {}}, "unevaluatedProperties": False},
     {"a" * 40 + "!": 1}),
    ({"type": "object", "properties": {"a": {"$ref": "#/$defs/x"}},
      "$defs": {"x": {"allOf": [{"$ref": "#/$defs/x"}]}}}, {"a": 1}),
])
def test_a_schema_that_skipped_the_deploy_check_still_cannot_hold_a_worker(
        schema: dict, data: dict) -> None:
    assert check_form_schema("f", schema)  # deploy refuses each of these ...
    started = time.perf_counter()
    problems = validate_submission(schema, data)  # ... and validating stops all the same
    # unbounded, each would run for hours (2**40 branches); bounded, it stops in a fraction
    # of a second on a quiet machine: 5 s keeps the difference without failing under load
    assert time.perf_counter() - started < 5.0
    assert problems
