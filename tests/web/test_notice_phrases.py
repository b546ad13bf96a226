"""A notice reads in the reader's language from its stored parts; a notice without parts
reads as it was sent."""

from __future__ import annotations

from flask import Flask

from hazardflow.web.ui.phrases import notice_texts
from hazardflow.workflows.phrases import joined, phrase, stored


def _row() -> dict[str, object]:
    summary = joined([("金安区人民医院", False), ("消防", True), ("一般隐患", True)])
    title = phrase("【%(kind)s】隐患 %(code)s", words=("kind",), kind="重大隐患登记",
                   code="YH-2026-000001")
    body = phrase("隐患 %(code)s（%(summary)s）%(message)s。", words=("message",),
                  code="YH-2026-000001", summary=summary, message="重大隐患登记")
    return {"title": title.text, "body": body.text, "said": stored(title, body)}


def test_a_notice_reads_in_english_with_its_words_translated_and_its_data_as_is(
        app: Flask) -> None:
    row = _row()
    with app.test_request_context("/notifications?lang=en"):
        app.preprocess_request()
        title, body = notice_texts(row)
    assert title == "[Major hazard registered] Hazard YH-2026-000001"
    assert body == ("Hazard YH-2026-000001 (金安区人民医院, Fire safety, General hazard): "
                    "Major hazard registered.")


def test_a_notice_reads_in_chinese_as_it_was_sent(app: Flask) -> None:
    row = _row()
    with app.test_request_context("/notifications?lang=zh_CN"):
        app.preprocess_request()
        assert notice_texts(row) == (row["title"], row["body"])
        assert notice_texts({**row, "said": None, "title": "旧通知"}) == ("旧通知", row["body"])


def test_parts_that_do_not_read_fall_back_to_the_text_as_sent(app: Flask) -> None:
    row = _row()
    odd = stored(phrase("%(string)s：%(self)s", string="甲", self="乙"), phrase("正文"))
    with app.test_request_context("/notifications?lang=en"):
        app.preprocess_request()
        assert notice_texts({**row, "said": "{not json"}) == (row["title"], row["body"])
        assert notice_texts({**row, "said": '{"title": {}}'}) == (row["title"], row["body"])
        assert notice_texts({**row, "said": odd})[0] == "甲：乙"  # any value's name will do
