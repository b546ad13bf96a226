"""Static files: URLs carry the content hash and are cached a year; otherwise revalidated
with an ETag, answered 304 Not Modified while the file is unchanged."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from .pages import Browser


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # no database involved
def test_versioned_static_url_is_cached_a_year_and_revalidates_with_304(app: Flask) -> None:
    page = Browser(app, "safety").get("/inbox").get_data(as_text=True)
    url = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', page)
    assert url is not None, "pages link static files by their content hash"
    client = app.test_client()
    first = client.get(url.group(1))
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert first.headers["Content-Security-Policy"]  # the policy is still sent
    etag = first.headers["ETag"]
    again = client.get(url.group(1), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    stale = client.get("/static/app.css?v=000000000000")  # an old page's link
    assert stale.status_code == 200 and "immutable" not in stale.headers["Cache-Control"]
    assert "no-cache" in stale.headers["Cache-Control"]
    assert client.get("/static/app.css", headers={"If-None-Match": etag}).status_code == 304
