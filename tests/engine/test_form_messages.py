"""A form's validation errors read as sentences naming the field by its form title, Chinese
first with English beside, never the JSON Schema validator's own text."""

from __future__ import annotations

from typing import Any

import pytest

from hazardflow.engine.forms import validate_submission

SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["deadline", "description"], "additionalProperties": False,
    "properties": {
        "deadline": {"type": "string", "format": "date", "title": "整改期限"},
        "description": {"type": "string", "minLength": 5, "maxLength": 10, "title": "隐患描述"},
        "code": {"type": "string", "pattern": "^[A-Z]+$", "title": "编号"},
        "people": {"type": "integer", "minimum": 1, "maximum": 5, "title": "人数"},
        "level": {"type": "string", "enum": ["general", "major"], "title": "隐患级别"},
    },
}
VALID = {"deadline": "2026-01-31", "description": "护栏缺失一处"}


@pytest.mark.parametrize(("data", "field", "expected"), [
    ({"description": "护栏缺失一处"}, "deadline",
     "「整改期限」为必填项，请填写 (deadline is required)"),
    ({**VALID, "people": "三"}, "people", "「人数」须为整数 (people must be a whole number)"),
    ({**VALID, "deadline": "明天"}, "deadline",
     "「整改期限」须为日期（如 2026-01-31） (deadline must be a date)"),
    ({**VALID, "description": "缺"}, "description",
     "「隐患描述」至少 5 个字 (description needs at least 5 characters)"),
    ({**VALID, "description": "护栏缺失护栏缺失护栏缺失"}, "description",
     "「隐患描述」最多 10 个字 (description is longer than 10 characters)"),
    ({**VALID, "people": 0}, "people", "「人数」不能小于 1 (people is less than 1)"),
    ({**VALID, "people": 9}, "people", "「人数」不能大于 5 (people is greater than 5)"),
    ({**VALID, "level": "huge"}, "level",
     "「隐患级别」不是允许的选项，请从列表中选择 (level is not one of the choices)"),
    ({**VALID, "code": "ab"}, "code", "「编号」格式不正确 (code is not in the expected form)"),
    ({**VALID, "extra": 1}, "extra", "表单中没有「extra」这一项 (the form has no field extra)"),
])
def test_each_validator_kind_reads_as_a_chinese_sentence_naming_the_title(
        data: dict[str, Any], field: str, expected: str) -> None:
    details = validate_submission(SCHEMA, data)
    assert [(d.field, d.message) for d in details] == [(field, expected)]


def test_no_validator_text_reaches_the_message() -> None:
    details = validate_submission(SCHEMA, {"people": "x", "extra": 1, "level": 3})
    text = " ".join(d.message for d in details)
    for validator_words in ("is a required property", "is not of type", "is not one of [",
                            "Additional properties", "was unexpected", "'"):
        assert validator_words not in text
    assert all(d.message[0] in "「表" for d in details)
