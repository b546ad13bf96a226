"""The runtime the app was built with, for the routes: ``runtime.engine``, ``runtime.db``…

``create_app(runtime)`` keeps the :class:`~hazardflow.workflows.runtime.Runtime` the shell
built (``hazardflow.bootstrap.build_runtime``); ``runtime`` here is a proxy to it for the
request being served.
"""

from __future__ import annotations

from typing import cast

from flask import current_app
from werkzeug.local import LocalProxy

from hazardflow.workflows.runtime import Runtime

KEY = "hazardflow"


def current_runtime() -> Runtime:
    return cast(Runtime, current_app.extensions[KEY])


runtime: Runtime = cast(Runtime, LocalProxy(current_runtime))
