"""Drive the pages as a browser would: a session per user, the CSRF token from the page."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from .conftest import PASSWORD

TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


def png_bytes(color: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


class Browser:
    """One signed-in user's session on an app."""

    def __init__(self, app: Flask, username: str | None = None) -> None:
        self.client: FlaskClient = app.test_client()
        self.username = None
        if username is not None:
            response = self.sign_in(username)
            self.username = username
            assert response.status_code == 302, response.get_data(as_text=True)[:500]

    def token(self) -> str:
        html = self.client.get("/login", follow_redirects=True).get_data(as_text=True)
        found = TOKEN.search(html)
        assert found, html[:300]
        return found.group(1)

    def sign_in(self, username: str, password: str = PASSWORD) -> TestResponse:
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": self.token()})

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, **kwargs)

    def html(self, path: str, status: int = 200) -> str:
        response = self.client.get(path)
        assert response.status_code == status, (path, response.status_code,
                                                response.get_data(as_text=True)[:800])
        return response.get_data(as_text=True)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        body = dict(data or {})
        body.setdefault("csrf_token", self.token())
        return self.client.post(path, data=body, **kwargs)

    def upload(self, content: bytes, filename: str = "photo.png", kind: str = "before") -> str:
        response = self.client.post("/evidence", data={
            "file": (io.BytesIO(content), filename), "kind": kind},
            headers={"X-CSRFToken": self.token(), "Accept": "application/json"},
            content_type="multipart/form-data")
        assert response.status_code == 201, response.get_data(as_text=True)
        ref: str = response.get_json()["id"]
        return ref


def task_links(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'href="/tasks/(\d+)"', html)]


def open_task_id(html: str, name: str) -> int:
    """On a case page: the id of the open task called ``name``."""
    found = re.search(r'<a href="/tasks/(\d+)">' + re.escape(name) + "</a>", html)
    assert found, f"no open task {name!r} on the page"
    return int(found.group(1))


def revision_of(html: str) -> str:
    found = re.search(r'name="revision" value="(\d+)"', html)
    assert found, "no revision on the task page"
    return found.group(1)
