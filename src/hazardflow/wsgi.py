"""The WSGI entry point for gunicorn: ``gunicorn hazardflow.wsgi:app``.

Settings come from ``HAZARDFLOW_*`` environment variables (see hazardflow.config). This is a
composition root: it builds the runtime, the app over it and, in embedded mode (no broker),
the scheduler thread. Every gunicorn worker starts one; only the worker holding the instance
folder's scheduler lock runs the jobs, and another takes over if it dies.
"""

from __future__ import annotations

from hazardflow import logs
from hazardflow.bootstrap import build_runtime, settle_process
from hazardflow.config import ensure_instance, load_settings
from hazardflow.web import create_app
from hazardflow.workflows.jobs import embedded_scheduler

settings = ensure_instance(load_settings())
if settings.log_format == "json":
    logs.configure("json")
runtime = build_runtime(settings)
app = create_app(runtime)
if settings.scheduler and not settings.broker_url:
    embedded_scheduler(runtime).start()
settle_process()
