"""Plain HTTP for the channels' providers (urllib: no extra dependency, no proxy magic)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT = 10.0  # seconds; a provider slower than this is retried later


@dataclass(frozen=True)
class Answer:
    status: int
    text: str

    def json(self) -> dict[str, Any]:
        """The answer as a JSON object; an empty one when it is not one."""
        try:
            found = json.loads(self.text)
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}


def call(url: str, payload: Any | None = None, headers: dict[str, str] | None = None,
         timeout: float = TIMEOUT) -> Answer:
    """GET ``url``, or POST ``payload`` as JSON. An HTTP error status is an answer; a
    network failure raises OSError (URLError, timeouts)."""
    if not url.startswith(("http://", "https://")):
        raise OSError(f"not an http(s) URL: {url!r}")
    data = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        url, data=data, method="GET" if data is None else "POST")
    if data is not None:
        request.add_header("Content-Type", "application/json; charset=utf-8")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Answer(response.status, response.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode("utf-8", "replace"))
