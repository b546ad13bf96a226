"""The readiness pages (应急一张图, 应急预案, 值班备勤, 信息报告, 专题会商) each need sign-in and
have a JSON twin under /api/v1 that needs a token (SQLite only: routes, not queries)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .conftest import Login, assert_error
from .pages import Browser

TWINS = {"/map": "/api/v1/map/layers", "/plans": "/api/v1/plans",
         "/duty/today": "/api/v1/duty/today", "/events": "/api/v1/events",
         "/consultations": "/api/v1/consultations"}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_each_readiness_page_needs_sign_in_and_its_api_twin_a_token(
        app: Flask, client: FlaskClient, login: Login) -> None:
    visitor, county = Browser(app), Browser(app, "jinan")
    for page, api in TWINS.items():
        sent = visitor.get(page)
        assert (sent.status_code, sent.headers.get("Location", "").split("?")[0]) == \
            (302, "/login"), page
        assert county.get(page).status_code == 200, page
        assert_error(client.get(api), 401)
        answer = client.get(api, headers=login("jinan"))
        assert answer.status_code == 200 and answer.is_json, api
    assert visitor.get("/duty").status_code == 302
