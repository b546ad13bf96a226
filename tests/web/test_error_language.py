"""Errors speak Chinese first, and JSON carries Chinese as is (not as \\u escapes)."""

from __future__ import annotations

from flask.testing import FlaskClient

from .conftest import Login, assert_error


def test_werkzeugs_own_errors_are_answered_in_chinese(client: FlaskClient,
                                                      login: Login) -> None:
    missing = assert_error(client.get("/api/v1/no-such-thing", headers=login("safety")), 404)
    assert missing["message"].startswith("找不到")
    wrong = assert_error(client.delete("/api/v1/hazards", headers=login("safety")), 405)
    assert wrong["message"].startswith("不支持")
    page = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "找不到" in page.get_data(as_text=True)
    assert "The requested URL was not found" not in page.get_data(as_text=True)


def test_json_answers_carry_chinese_unescaped(client: FlaskClient, login: Login) -> None:
    response = client.get("/api/v1/no-such-thing", headers=login("safety"))
    assert "找不到".encode() in response.data
    assert b"\\u627e" not in response.data


def test_the_favicon_is_bundled_and_no_page_404s_on_it(client: FlaskClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert client.get("/login").status_code == 200
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)
