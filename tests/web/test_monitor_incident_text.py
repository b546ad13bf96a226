"""A failed automatic step reads as Chinese to a supervisor: the monitor's stuck list and the
case page say what failed and why in a Chinese sentence and name the step by the diagram's
name; the exception's own English text and the element id are only in the monitor's
technical view (a collapsed 技术信息)."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hazardflow.engine.schema import incident
from hazardflow.workflows.incident_text import FALLBACK, REASONS, summary

from .conftest import Login, hazard_data
from .pages import Browser
from .support import API, photo
from .test_cases import FAILING
from .test_strings import english_phrases

STEP = "发送整改通知"
ELEMENT = "ServiceTask_Notify"
TECHNICAL = re.compile(r'<details class="technical">.*?</details>', re.S)


def read(page: str) -> str:
    """The text a reader sees without opening the technical view."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = TECHNICAL.sub(" ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def failed_case(client: FlaskClient, login: Login) -> int:
    bpmn = FAILING.replace('id="ServiceTask_Notify" name="通知"',
                           f'id="{ELEMENT}" name="{STEP}"')
    deployed = client.post(f"{API}/definitions", headers=login("designer"),
                           data=bpmn.encode(), content_type="application/xml")
    assert deployed.status_code == 201, deployed.get_json()
    jinan = login("jinan")
    started = client.post(f"{API}/cases", headers=jinan, json={
        "definition": "failing_notice",
        "data": hazard_data(photos_before=[photo(client, jinan)])})
    assert started.get_json()["case"]["status"] == "incident"
    return int(started.get_json()["case"]["id"])


def test_a_failed_service_task_reads_as_chinese_with_its_step_name_on_both_pages(
        app: Flask, client: FlaskClient, login: Login) -> None:
    case_id = failed_case(client, login)
    supervisor = Browser(app, "city")  # the city sees every stuck case
    monitor = supervisor.html("/monitor/?kind=incident")
    case_page = supervisor.html(f"/cases/{case_id}")
    for page in (monitor, case_page):
        text = read(page)
        assert "服务任务失败：流程数据的取值不符合要求" in text  # ValueError, in Chinese
        assert STEP in text
        assert english_phrases(text) == []
        assert ELEMENT not in text and "no_such_kind" not in text
    # the monitor keeps the original text and the id, folded away
    [details] = TECHNICAL.findall(monitor)
    assert ELEMENT in details and "unknown notification kind" in html.unescape(details)
    assert TECHNICAL.findall(case_page) == []


@pytest.mark.parametrize("name", sorted(REASONS))
def test_each_common_exception_of_a_handler_is_told_in_chinese(name: str) -> None:
    stored = (f"服务 'notify' 的处理程序出错 (handler for topic 'notify' failed: {name}: "
              "the remote side said something long in English)")
    told = summary(stored)
    assert told == f"服务任务失败：{REASONS[name]}"
    assert english_phrases(told) == []


def test_an_unknown_exception_or_an_expression_is_still_a_chinese_sentence() -> None:
    assert summary("服务 'x' 的处理程序出错 (handler for topic 'x' failed: WeirdThing: no "
                   "idea what happened)") == f"服务任务失败：{FALLBACK}"
    assert summary("计算表达式 'a > b' 出错 (NameError: name 'a' is not defined in "
                   "'a > b')") == "条件表达式计算失败：引用了不存在的流程变量"
    assert english_phrases(summary("something went badly wrong here")) == []


def test_an_english_reader_reads_the_same_failure_in_english(
        app: Flask, client: FlaskClient, login: Login) -> None:
    """The sentence is composed again in the reader's language from the same parts: the
    stuck list, its drill-down on the diagram, the case page and its timeline."""
    case_id = failed_case(client, login)
    supervisor = Browser(app, "city")
    said = "Service task failed: a value in the process data is not allowed"
    monitor = read(supervisor.html("/monitor/?kind=incident&lang=en"))
    assert f"{said} (1 attempt(s))" in monitor
    case_page = read(supervisor.html(f"/cases/{case_id}"))  # the session keeps English
    assert said in case_page and STEP in case_page
    for text in (monitor, case_page):
        assert "服务任务失败" not in text and "流程数据的取值" not in text
    rt = app.extensions["hazardflow"]
    with rt.db.connect() as conn:
        definition_id = rt.engine.definitions.resolve(conn, "failing_notice").id
    drill = supervisor.get(f"/monitor/process/{definition_id}/elements/{ELEMENT}.json")
    assert [r["why"] for r in drill.get_json()["items"]] == [f"{said} (1 attempt(s))"]
    chinese = Browser(app, "city")
    assert "服务任务失败：流程数据的取值不符合要求（已尝试 1 次）" in read(
        chinese.html("/monitor/?kind=incident"))


def test_a_step_the_diagram_does_not_name_is_an_automatic_step_in_either_language(
        app: Flask, client: FlaskClient, login: Login) -> None:
    case_id = failed_case(client, login)
    rt = app.extensions["hazardflow"]
    with rt.db.begin() as conn:  # as for an unnamed element (a gateway's expression)
        conn.execute(sa.update(incident).where(incident.c.case_id == case_id)
                     .values(element_id="Gateway_unnamed"))
    chinese = Browser(app, "city")
    assert "自动步骤" in read(chinese.html("/monitor/?kind=incident"))
    english = Browser(app, "city")
    for page in ("/monitor/?kind=incident&lang=en", f"/cases/{case_id}"):
        text = read(english.html(page))
        assert "Automatic step" in text and "自动步骤" not in text
