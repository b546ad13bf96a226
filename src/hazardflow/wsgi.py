"""The WSGI entry point for gunicorn: ``gunicorn hazardflow.wsgi:app``.

Settings come from ``HAZARDFLOW_*`` environment variables (see hazardflow.config).
"""

from __future__ import annotations

from hazardflow.web import create_app

app = create_app()
