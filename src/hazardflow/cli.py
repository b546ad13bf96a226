"""The ``hazardflow`` command."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from hazardflow.config import ConfigError, Settings, ensure_instance, load_settings


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


@contextlib.contextmanager
def _database(settings: Settings) -> Iterator[Any]:
    """The configured database for one command, disposed when the command ends."""
    from hazardflow.db import open_database

    db = open_database(settings.database_url)
    try:
        yield db
    finally:
        db.dispose()


@contextlib.contextmanager
def _runtime(settings: Settings, clock: Any = None) -> Iterator[Any]:
    """The runtime for one command (hazardflow.bootstrap), closed when the command ends."""
    from hazardflow.bootstrap import build_runtime

    runtime = build_runtime(settings, clock=clock)
    try:
        yield runtime
    finally:
        runtime.close()


@click.group()
@click.option("--database-url", envvar="HAZARDFLOW_DATABASE_URL", default=None,
              help="SQLAlchemy URL; default: SQLite in the instance folder.")
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """hazardflow: 安全生产隐患排查治理 on BPMN."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        ctx.obj = load_settings(overrides={"database_url": database_url} if database_url else None)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        make_url(ctx.obj.database_url)
    except ArgumentError:
        # not echoed: a malformed URL may still hold a password
        raise click.ClickException(
            "the database URL (--database-url or HAZARDFLOW_DATABASE_URL) is not a SQLAlchemy "
            "URL such as sqlite:///path/hazardflow.db or postgresql+psycopg://user@host/db"
        ) from None


def _shown_url(url: str) -> str:
    """The URL with any password masked, fit to print."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command("init-db")
@click.pass_context
def init_db(ctx: click.Context) -> None:
    """Upgrade the schema to the latest revision, deploy the bundled BPMN if new and seed the
    reference data (the 2023 list of major-hazard triggers)."""
    for line in _init_db(ensure_instance(_settings(ctx))):
        click.echo(line)


def _init_db(settings: Settings) -> list[str]:
    """Set the database up; what was done, a line each."""
    from hazardflow.audit_commands import create_key
    from hazardflow.db import upgrade
    from hazardflow.workflows.classification import seed_major_hazard_list
    from hazardflow.workflows.runtime import seed_definitions

    with _runtime(settings) as runtime:
        upgrade(runtime.db)
        deployed = seed_definitions(runtime.engine)
        with runtime.db.begin() as conn:
            listed = seed_major_hazard_list(conn)  # reference data: the 2023 list
    lines = [f"database ready: {_shown_url(settings.database_url)}"]
    if listed:
        lines.append(f"  医疗机构重大事故隐患判定清单（试行）: {listed} items")
    lines += [f"  {d.key} v{d.version}" + ("" if d.created else " (already deployed)")
              for d in deployed]
    created = create_key(settings)
    if created:
        lines.append(created)
    return lines


@main.command("seed-demo")
@click.option("--cases", "with_cases", is_flag=True,
              help="Also run a dozen demo hazards through the process (once; needs init-db).")
@click.pass_context
def seed_demo(ctx: click.Context, with_cases: bool) -> None:
    """Create the demo organisation and users (idempotent)."""
    ctx.invoke(init_db)
    for line in _seed_demo(_settings(ctx), with_cases):
        click.echo(line)


def _seed_demo(settings: Settings, with_cases: bool = False) -> list[str]:
    from hazardflow.engine import EngineError, FixedClock
    from hazardflow.engine.db import write_transaction
    from hazardflow.workflows.demo import USERS
    from hazardflow.workflows.demo import seed_demo as seed
    from hazardflow.workflows.demo_cases import DemoCases, seed_demo_cases
    from hazardflow.workflows.emergency_plans_demo import seed_plans_demo
    from hazardflow.workflows.roles import DUTIES

    now = datetime.now(UTC)
    clock = FixedClock(now)
    with _runtime(settings, clock) as runtime:
        with write_transaction(runtime.db) as conn:
            result = seed(conn, now)
        try:
            hazards = seed_demo_cases(runtime, clock, now) if with_cases else 0
            if with_cases:  # 应急预案: one revision overdue, one drill due, one drilled
                seed_plans_demo(DemoCases(runtime, clock, now))
                clock.set(now)
        except EngineError as exc:
            raise click.ClickException(f"demo hazards need the processes deployed "
                                       f"(hazardflow init-db): {exc}") from exc
    lines = [f"demo data: {result['units_created']} unit(s), {result['users_created']} "
             f"user(s) created; every demo password is {result['password']}"]
    if with_cases:
        lines.append(f"demo hazards: {hazards} created (none when hazards already exist)")
    names = {username: name for username, name, _ in USERS}
    for username, roles in result["users"]:  # who each login is, and what they do
        duties = "；".join(DUTIES[r.partition("@")[0]] for r in roles
                          if r.partition("@")[0] in DUTIES)
        lines.append(f"  {username:<12} {names.get(username, '')}：{duties} "
                     f"({', '.join(roles)})")
    return lines


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Set up the database and demo data first.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, demo: bool) -> None:
    """Serve the app with the embedded scheduler (timers and the outbox)."""
    from werkzeug.serving import run_simple

    from hazardflow.bootstrap import build_runtime, settle_process
    from hazardflow.web import create_app
    from hazardflow.workflows.jobs import embedded_scheduler

    settings = ensure_instance(_settings(ctx))
    logins: list[str] = []
    if demo:  # quietly: a person needs the address, who to sign in as, where the data is
        _init_db(settings)
        logins = [line for line in _seed_demo(settings, with_cases=True)
                  if line.startswith("  ")]  # one line a login: who, and what they do
    if settings.log_format == "json":
        from hazardflow import logs

        logs.configure("json")
    runtime = build_runtime(settings)
    app = create_app(runtime)
    if settings.scheduler and not settings.broker_url:
        embedded_scheduler(runtime).start()
    click.echo(f"hazardflow 已启动 (running): http://{host}:{port}/")
    click.echo(f"数据 (data): {_shown_url(settings.database_url)}; "
               f"文件 (files): {settings.instance_path}")
    if logins:
        from hazardflow.workflows.demo import DEMO_PASSWORD

        click.echo(f"演示账号，密码均为 {DEMO_PASSWORD} (demo logins, every password "
                   f"{DEMO_PASSWORD}):")
        for line in logins:
            click.echo(line)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no banner, no request lines
    settle_process()
    run_simple(host, port, app, threaded=True, use_reloader=False)


@main.command()
@click.argument("bpmn_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("forms", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--actor", default="cli", show_default=True)
@click.pass_context
def deploy(ctx: click.Context, bpmn_file: Path, forms: tuple[Path, ...], actor: str) -> None:
    """Deploy a BPMN file with its JSON Schema forms (named <formKey>.json)."""
    from hazardflow.engine import EngineError

    schemas: dict[str, Any] = {}
    for path in forms:
        try:
            schemas[path.name.removesuffix(".json")] = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise click.ClickException(f"form {path}: not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise click.ClickException(f"form {path}: not JSON (line {exc.lineno}, column "
                                       f"{exc.colno}: {exc.msg})") from None
    from hazardflow.engine.db import write_transaction

    settings = _settings(ctx)
    try:
        with _runtime(settings) as runtime, write_transaction(runtime.db) as conn:
            deployed = runtime.engine.deploy(conn, bpmn_file.read_bytes(), schemas,
                                             actor=actor, filename=bpmn_file.name)
    except EngineError as exc:
        for detail in exc.details:
            where = ", ".join(f"{k} {v}" for k, v in (("element", detail.element),
                                                       ("field", detail.field),
                                                       ("line", detail.line)) if v is not None)
            click.echo(f"  {where}: {detail.message}" if where else f"  {detail.message}",
                       err=True)
        raise click.ClickException(exc.message) from None
    for d in deployed:
        click.echo(f"{d.key} v{d.version}" + ("" if d.created else " (already deployed)"))


@main.group()
def users() -> None:
    """Manage users."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--display-name", default=None)
@click.option("--role", "roles", multiple=True, help="ROLE or ROLE@UNITCODE; repeatable.")
@click.pass_context
def users_create(ctx: click.Context, username: str, password: str, display_name: str | None,
                 roles: tuple[str, ...]) -> None:
    from hazardflow.engine.db import write_transaction
    from hazardflow.workflows.users import create_user, parse_role_spec

    try:
        with _database(_settings(ctx)) as db, write_transaction(db) as conn:
            grants = [parse_role_spec(conn, spec) for spec in roles]
            user = create_user(conn, username, password, display_name or username, grants)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {user.username} with {', '.join(roles) or 'no roles'}")


@main.group()
def units() -> None:
    """The organisational units."""


@units.command("list")
@click.pass_context
def units_list(ctx: click.Context) -> None:
    from hazardflow.workflows.units import list_units

    with _database(_settings(ctx)) as db, db.connect() as conn:
        for depth, unit in list_units(conn):
            click.echo(f"{'  ' * depth}{unit.code:<12} {unit.name}")


@main.group()
def timers() -> None:
    """Timers."""


@timers.command("fire")
@click.option("--now", "now_text", default=None, help="ISO-8601 time; default: now.")
@click.pass_context
def timers_fire(ctx: click.Context, now_text: str | None) -> None:
    """Fire every timer due at NOW (each fires once), then drain the outbox."""
    now = datetime.now(UTC)
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError:
            raise click.BadParameter(f"{now_text!r} is not ISO-8601", param_hint="--now") from None
        if now.tzinfo is None:
            raise click.BadParameter("give a time zone (e.g. +08:00 or Z)", param_hint="--now")
    from hazardflow.workflows.jobs import sweep_due

    with _runtime(_settings(ctx)) as runtime:
        done = sweep_due(runtime, now)
    click.echo(f"timers fired for {done['fired'] + done['started']} case(s); "
               f"{done['continued']} case(s) continued")


@main.group()
def calendar() -> None:
    """The official working-day calendar (holidays and 调休)."""


@calendar.command("check")
@click.argument("year", type=click.IntRange(1900, 2999))
@click.pass_context
def calendar_check(ctx: click.Context, year: int) -> None:
    """Say whether YEAR's official holidays are known; exit 1 when it falls back to
    Monday-Friday (add it to the override file or update chinese-calendar)."""
    from hazardflow.workflows.workdays import configured

    try:
        workdays = configured(_settings(ctx).workday_overrides)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    source = workdays.source_of(year)
    if source == "override":
        click.echo(f"{year}: known (override file {workdays.origin})")
    elif source == "library":
        click.echo(f"{year}: known (chinese-calendar)")
    else:
        click.echo(f"{year}: unknown: Monday to Friday count as workdays; update chinese-calendar "
                   f"or add {year} to the override file (HAZARDFLOW_WORKDAY_OVERRIDES)")
        ctx.exit(1)


@main.group()
def reports() -> None:
    """Public reports (举报投诉)."""


@reports.command("rotate-key")
@click.option("--reencrypt-only", is_flag=True,
              help="Keep the keys as they are (HAZARDFLOW_REPORT_KEY already has the new key "
                   "first): only re-encrypt with the first key.")
@click.pass_context
def reports_rotate_key(ctx: click.Context, reencrypt_only: bool) -> None:
    """Put a new key first in the report key file (old keys stay, to decrypt) and re-encrypt
    every reporter's contact details with it."""
    from hazardflow.workflows.usecases.public_reports import rotate_key

    with _runtime(_settings(ctx)) as runtime:
        try:
            done = rotate_key(runtime, new_key=not reencrypt_only)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"{done} contact(s) re-encrypted with the first key")


def _celery(ctx: click.Context, role: str, extra: tuple[str, ...]) -> None:
    settings = _settings(ctx)
    if not settings.broker_url:
        raise click.ClickException("set HAZARDFLOW_BROKER_URL (e.g. redis://127.0.0.1:6379/0) "
                                   "and a PostgreSQL HAZARDFLOW_DATABASE_URL to run Celery")
    args = [sys.executable, "-m", "celery", "-A", "hazardflow.worker", role, *extra]
    os.execv(sys.executable, args)  # noqa: S606  (becomes the Celery process)


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def worker(ctx: click.Context, celery_args: tuple[str, ...]) -> None:
    """Run a Celery worker (distributed mode); extra arguments go to Celery."""
    _celery(ctx, "worker", celery_args or ("--loglevel=INFO",))


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def beat(ctx: click.Context, celery_args: tuple[str, ...]) -> None:
    """Run Celery beat: the periodic timer and outbox sweep (distributed mode)."""
    _celery(ctx, "beat", celery_args or ("--loglevel=INFO",))


from hazardflow.audit_commands import audit  # noqa: E402
from hazardflow.bench.commands import bench  # noqa: E402  (the benchmark commands)

main.add_command(bench)
main.add_command(audit)


if __name__ == "__main__":
    main()
