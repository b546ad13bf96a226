"""A notice's sentence and its parts: the Chinese text as sent, and what a page needs to say
it again through the catalogue."""

from __future__ import annotations

import json

import pytest

from hazardflow.workflows.phrases import joined, phrase, stored


def test_a_phrase_reads_as_its_form_with_its_values_nested_ones_included() -> None:
    about = phrase("隐患 %(code)s", code="YH-2026-000001")
    body = phrase("%(about)s：%(task)s。", words=("task",), about=about, task="整改")
    assert body.text == "隐患 YH-2026-000001：整改。"
    assert body.parts() == {"form": "%(about)s：%(task)s。", "words": ["task"], "values": {
        "about": {"form": "隐患 %(code)s", "words": [], "values": {"code": "YH-2026-000001"}},
        "task": "整改"}}


def test_a_list_joins_its_non_empty_items_and_marks_its_words() -> None:
    parts = joined([("金安区人民医院", False), ("", False), ("消防", True), ("一般隐患", True)])
    assert not isinstance(parts, str)
    assert parts.text == "金安区人民医院，消防，一般隐患"
    assert parts.values["head"] == "金安区人民医院" and parts.words == frozenset()
    rest = parts.values["rest"]
    assert not isinstance(rest, str) and rest.words == frozenset({"head"})
    assert joined([("门诊楼", False)]) == "门诊楼" and joined([("", True)]) == ""


def test_a_word_must_name_a_value_and_stored_parts_are_json() -> None:
    with pytest.raises(ValueError, match="words name no value"):
        phrase("【%(kind)s】", words=("kind", "task"), kind="新待办")
    title = phrase("【%(kind)s】%(task)s", words=("kind", "task"), kind="新待办", task="整改")
    said = json.loads(stored(title, phrase("请整改。")))
    assert said["title"]["values"] == {"kind": "新待办", "task": "整改"}
    assert said["body"] == {"form": "请整改。", "words": [], "values": {}}


def test_a_report_reminder_reads_as_it_always_was_sent() -> None:
    from hazardflow.workflows.report_handlers import REMIND_TEXTS

    values = {"unit": "金安区人民医院", "period": "2026-11", "report": "月报", "due": "2026-12-05"}
    assert phrase(REMIND_TEXTS["due"], **values).text == \
        "金安区人民医院 2026-11 月报应于 2026-12-05 （含）前报送。"
    assert phrase(REMIND_TEXTS["overdue"], **values).text == \
        "金安区人民医院 2026-11 月报应于 2026-12-05 （含）前报送，现已逾期。"
