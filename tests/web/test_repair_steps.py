"""The bulk repair form offers the steps to move to by name (the diagram's names, grouped by
process name); the element id is only the value sent, never typed."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from .conftest import Login
from .pages import Browser
from .support import report


def test_bulk_repair_offers_the_steps_by_name(app: Flask, client: FlaskClient,
                                               login: Login) -> None:
    report(client, login("inspector"))
    page = Browser(app, "city").html("/monitor/")
    assert '<select name="target">' in page
    assert '<option value="Task_Rectify" >整改</option>' in page
    assert "元素ID" not in page and 'name="target" maxlength' not in page
    assert '<optgroup label="hazard_lifecycle"' not in page
