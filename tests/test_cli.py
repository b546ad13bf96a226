"""The ``hazardflow`` command, run through click's CliRunner on SQLite and PostgreSQL.

Each test gets an empty database (``empty_url``) and an instance folder in tmp_path; what a
command did is checked in the database, not only in what it printed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from click.testing import CliRunner, Result

from hazardflow.cli import main
from hazardflow.engine import FixedClock
from hazardflow.engine.db import make_engine
from hazardflow.engine.schema import audit_event, human_task, process_definition
from hazardflow.workflows import users
from hazardflow.workflows.demo import DEMO_PASSWORD, USERS
from hazardflow.workflows.demo_cases import HAZARDS
from hazardflow.workflows.roles import DUTIES
from hazardflow.workflows.schema import app_user, notification
from hazardflow.workflows.usecases import cases, tasks

from .conftest import PG_URL, postgres_or_skip
from .factories import make_runtime, with_uploads
from .workflows.lifecycle import T0
from .workflows.lifecycle_forms import order_form, register_form

ENGINE_BPMN = Path(__file__).parent / "engine" / "bpmn"
FORMS = sorted(ENGINE_BPMN.glob("*.json"))
Run = Callable[..., Result]  # run(*args, env=None)
DEADLINE = date(2026, 11, 20)  # the reminder rung (D-3) lapses at 2026-11-18 00:00 China time


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: seed-demo hashes fourteen passwords per test."""
    monkeypatch.setattr(users, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=256, parallelism=1))


@pytest.fixture
def run(empty_url: str, tmp_path: Path) -> Run:
    """run(*args, env=...) → the Result of ``hazardflow --database-url <url> *args``."""

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(main, ["--database-url", empty_url, *args], env={
            "HAZARDFLOW_INSTANCE_PATH": str(tmp_path / "instance"), **(env or {})})

    return invoke


@pytest.fixture
def database(empty_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(empty_url)
    yield engine
    engine.dispose()


@pytest.fixture
def seeded(run: Run, database: sa.Engine) -> sa.Engine:
    result = run("seed-demo")
    assert result.exit_code == 0, result.output
    return database


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def refused(result: Result) -> str:
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), f"crashed: {result.exception!r}"
    return result.stderr


def review_for_this_app(tmp_path: Path, **replace: str) -> Path:
    """tests/engine/bpmn/review.bpmn with this application's roles and handler topics."""
    text = (ENGINE_BPMN / "review.bpmn").read_text(encoding="utf-8")
    for old, new in {'candidateStarterGroups="clerk"': 'candidateStarterGroups="safety_officer"',
                     "reviewer@unit": "verifier@unit", "test.remind": "notify",
                     "test.record": "notify", **replace}.items():
        text = text.replace(old, new)
    path = tmp_path / "review.bpmn"
    path.write_text(text, encoding="utf-8")
    return path


def rectifying_case(db: sa.Engine) -> int:
    """A general hazard reported at T0 with rectification ordered by DEADLINE."""
    rt = make_runtime(db, FixedClock(T0))
    with db.connect() as conn:
        safety = users.actor_for(conn, "safety")
    data = with_uploads(rt, register_form(), "safety")
    case_id = int(cases.report_hazard(rt, safety, data)["case"].case_id)
    with db.connect() as conn:
        task_id = conn.execute(sa.select(human_task.c.id).where(
            human_task.c.case_id == case_id, human_task.c.element_id == "Task_Triage")).scalar_one()
    tasks.complete(rt, safety, task_id, order_form(DEADLINE))
    return case_id


def test_init_db_prints_the_deployed_versions_and_a_second_run_deploys_nothing(
        run: Run, database: sa.Engine) -> None:
    first = ok(run("init-db"))
    assert "database ready" in first
    assert "  hazard_lifecycle v1\n" in first
    second = ok(run("init-db"))
    assert "  hazard_lifecycle v1 (already deployed)\n" in second
    with database.connect() as conn:
        count = sa.select(sa.func.count()).select_from(process_definition).where(
            process_definition.c.key == "hazard_lifecycle")
        assert conn.execute(count).scalar() == 1


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)  # SQLite has no password
def test_init_db_does_not_print_the_database_password(empty_url: str, tmp_path: Path) -> None:
    url = sa.engine.make_url(empty_url)
    password = str(url.password or "s3cret-pw")  # a local trust login ignores it
    url = url.set(password=password)
    result = CliRunner().invoke(main, ["--database-url", url.render_as_string(False), "init-db"],
                                env={"HAZARDFLOW_INSTANCE_PATH": str(tmp_path / "i")})
    out = ok(result)
    assert password not in out and "***" in out


def test_seed_demo_prints_every_login_and_the_password_and_is_idempotent(
        run: Run, database: sa.Engine) -> None:
    first = ok(run("seed-demo"))
    assert first.startswith("database ready: ")
    assert f"every demo password is {DEMO_PASSWORD}" in first
    assert f" {len(USERS)} user(s) created" in first
    for username, name, roles in USERS:  # one line per login: who, what they do, roles
        duties = "；".join(DUTIES[r.partition("@")[0]] for r in roles)
        assert f"\n  {username:<12} {name}：{duties} ({', '.join(roles)})\n" in first, \
            username
    # the reference data is one short line, not a listing of the 2023 list
    listed = [line for line in first.splitlines() if "判定清单" in line]
    assert len(listed) == 1 and len(listed[0]) < 40, listed
    second = ok(run("seed-demo"))
    assert "0 unit(s), 0 user(s) created" in second
    assert "判定清单" not in second
    with database.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(app_user)).scalar() == len(
            USERS)
        assert users.authenticate(conn, "safety", DEMO_PASSWORD) is not None


def test_deploy_a_valid_file_with_its_forms_is_v1_then_already_deployed_then_v2(
        run: Run, seeded: sa.Engine, tmp_path: Path) -> None:
    path = review_for_this_app(tmp_path)
    forms = [str(p) for p in FORMS]
    assert ok(run("deploy", str(path), *forms)) == "review v1\n"
    assert ok(run("deploy", str(path), *forms)) == "review v1 (already deployed)\n"
    changed = review_for_this_app(tmp_path, **{'camunda:priority="70"': 'camunda:priority="90"'})
    assert ok(run("deploy", str(changed))) == "review v2\n"  # reuses the deployed forms
    with seeded.connect() as conn:
        versions = conn.execute(sa.select(process_definition.c.version).where(
            process_definition.c.key == "review").order_by(process_definition.c.version))
        assert [v for (v,) in versions] == [1, 2]


def test_deploy_without_forms_is_refused_when_none_were_deployed_before(
        run: Run, seeded: sa.Engine, tmp_path: Path) -> None:
    err = refused(run("deploy", str(review_for_this_app(tmp_path))))
    assert "element StartEvent_1" in err and "start_form" in err
    assert "element Task_Review" in err and "review_form" in err
    assert "the BPMN file was refused" in err
    with seeded.connect() as conn:
        assert conn.execute(sa.select(process_definition.c.id).where(
            process_definition.c.key == "review")).first() is None


def test_deploy_an_invalid_file_prints_each_problem_with_element_and_line_on_stderr(
        run: Run, seeded: sa.Engine) -> None:
    # review.bpmn as the engine tests use it: roles and topics this application lacks
    result = run("deploy", str(ENGINE_BPMN / "review.bpmn"), *map(str, FORMS))
    err = refused(result)
    assert result.stdout == ""
    for element, line, what in [("review", 6, "unknown role 'clerk'"),
                                ("Task_Review", 12, "unknown role 'reviewer'"),
                                ("Service_Remind", 29, "'test.remind'"),
                                ("Service_Record", 57, "'test.record'")]:
        assert f"  element {element}, line {line}: " in err and what in err, element
    assert "4 problem(s)" in err


def test_deploy_hostile_xml_is_refused_naming_the_doctype_and_its_line(
        run: Run, seeded: sa.Engine, tmp_path: Path) -> None:
    body = review_for_this_app(tmp_path).read_text(encoding="utf-8").split("?>", 1)[1]
    hostile = tmp_path / "xxe.bpmn"
    hostile.write_text('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM '
                       f'"file:///etc/passwd">]>{body}', encoding="utf-8")
    err = refused(run("deploy", str(hostile), *map(str, FORMS)))
    assert "element !DOCTYPE, line 2" in err


def test_deploy_a_form_file_that_is_not_json_is_refused_naming_it(
        run: Run, seeded: sa.Engine, tmp_path: Path) -> None:
    broken = tmp_path / "review_form.json"
    broken.write_text('{"type": "object",\n oops}', encoding="utf-8")
    err = refused(run("deploy", str(review_for_this_app(tmp_path)), str(broken)))
    assert "review_form.json: not JSON (line 2" in err


def test_users_create_makes_a_user_who_can_log_in_with_unit_and_unitless_roles(
        run: Run, seeded: sa.Engine) -> None:
    out = ok(run("users", "create", "--username", "wang", "--password", "pass-word-1",
                 "--role", "safety_officer@LA-JA-H02", "--role", "inspector@LA-JA"))
    assert "created wang with safety_officer@LA-JA-H02, inspector@LA-JA" in out
    ok(run("users", "create", "--username", "boss", "--password", "pass-word-2",
           "--role", "admin", "--role", "designer"))
    with seeded.connect() as conn:
        wang = users.authenticate(conn, "wang", "pass-word-1")
        assert wang is not None and users.authenticate(conn, "wang", "wrong-pass") is None
        assert users.grants_of(conn, wang.id) == [("inspector", "LA-JA"),
                                                   ("safety_officer", "LA-JA-H02")]
        boss = users.actor_for(conn, "boss")
        assert boss.admin and boss.grants == {("admin", None), ("designer", None)}


@pytest.mark.parametrize(("role", "message"), [
    ("auditor@LA-JA", "unknown role 'auditor'"),
    ("safety_officer@LA-XX-H99", "unknown unit code 'LA-XX-H99'"),
    ("safety_officer", "must be held at a unit: write safety_officer@UNITCODE"),
    ("admin@LA", "is not held at a unit"),
])
def test_users_create_refuses_a_bad_role_and_creates_nobody(
        run: Run, seeded: sa.Engine, role: str, message: str) -> None:
    err = refused(run("users", "create", "--username", "li", "--password", "pass-word-1",
                      "--role", role))
    assert message in err
    with seeded.connect() as conn:
        assert users.get_user(conn, "li") is None


def test_units_list_prints_the_tree_indented_by_depth(run: Run, seeded: sa.Engine) -> None:
    lines = ok(run("units", "list")).splitlines()
    assert lines[0].startswith("LA ") and "六安市卫生健康委员会" in lines[0]
    county = next(i for i, line in enumerate(lines) if line.strip().startswith("LA-JA "))
    assert lines[county].startswith("  LA-JA ") and "金安区卫生健康委员会" in lines[county]
    below = lines[county + 1:next(i for i in range(county + 1, len(lines))
                                  if lines[i].startswith("  LA-"))]  # up to the next county
    assert "    LA-JA-H01    金安区人民医院" in below
    assert "    LA-JA-T01    金安区东桥镇卫生院" in below  # a 乡镇卫生院, its 村卫生室 below it
    assert "      LA-JA-T01-V01 金安区东桥镇东桥村卫生室" in below
    assert all(line.startswith("    ") and line.lstrip().startswith("LA-JA-")
               for line in below), below
    with seeded.connect() as conn:
        assert len(lines) == conn.execute(sa.text("select count(*) from unit")).scalar()


def test_timers_fire_sends_the_reminder_when_its_rung_is_due_and_only_once(
        run: Run, seeded: sa.Engine) -> None:
    case_id = rectifying_case(seeded)

    def reminders() -> list[str]:
        with seeded.connect() as conn:
            return [k for (k,) in conn.execute(sa.select(notification.c.kind).where(
                notification.c.case_id == case_id, notification.c.kind == "remind"))]

    assert "fired for 0 case(s)" in ok(run("timers", "fire", "--now", "2026-11-17T23:59:59+08:00"))
    assert reminders() == []
    assert "fired for 1 case(s)" in ok(run("timers", "fire", "--now", "2026-11-17T16:00:01Z"))
    assert reminders() == ["remind"]
    assert "fired for 0 case(s)" in ok(run("timers", "fire", "--now", "2026-11-18T08:00+08:00"))
    assert reminders() == ["remind"]


@pytest.mark.parametrize(("now", "message"), [
    ("2026-11-18T00:00:01", "give a time zone"),
    ("next tuesday", "'next tuesday' is not ISO-8601"),
])
def test_timers_fire_refuses_a_now_without_zone_or_unparseable(
        run: Run, now: str, message: str) -> None:
    err = refused(run("timers", "fire", "--now", now))
    assert "--now" in err and message in err


def test_audit_verify_passes_an_intact_log_and_names_a_tampered_record(
        run: Run, seeded: sa.Engine) -> None:
    case_id = rectifying_case(seeded)
    assert ok(run("audit", "verify")) == "audit log intact: 2 record(s) verified\n"
    with seeded.begin() as conn:
        conn.execute(sa.update(audit_event).where(
            audit_event.c.case_id == case_id, audit_event.c.seq == 2).values(
            payload='{"data":{"deadline":"2099-12-31"}}'))
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert result.stderr == f"case {case_id} record 2: record content does not match its hash\n"
    assert "intact" not in result.stdout


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # once: it takes seconds
def test_bench_engine_json_prints_one_object_with_every_figure(run: Run) -> None:
    started = time.monotonic()
    out = ok(run("bench", "engine", "--json", "--cases", "5"))
    elapsed = time.monotonic() - started
    figures = json.loads(out)  # one object and nothing else
    assert {"memory_completions_per_s", "sqlite_completions_per_s", "step_ms_loops_1",
            "step_ms_loops_100", "bytes_per_case", "naive_sqlite3_ratio",
            "naive_sqlalchemy_ratio", "goals"} <= figures.keys()
    assert figures["cases"] == 5 and isinstance(figures["goals"], dict)
    assert elapsed < 30, f"bench engine --cases 5 took {elapsed:.0f} s"


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_bench_engine_on_postgresql_prints_its_naive_floor_too(run: Run) -> None:
    postgres_or_skip()
    figures = json.loads(ok(run("bench", "engine", "--json", "--cases", "3",
                                "--database-url", PG_URL)))
    assert figures["naive_postgres_completions_per_s"] > 0
    assert {"postgres_ratio", "naive_postgres_ratio"} <= figures.keys()


def test_a_broker_is_refused_with_sqlite_and_accepted_with_postgresql(
        run: Run, seeded: sa.Engine, backend: str) -> None:
    result = run("units", "list", env={"HAZARDFLOW_BROKER_URL": "redis://127.0.0.1:6379/0"})
    if backend == "sqlite":
        err = refused(result)
        assert "HAZARDFLOW_BROKER_URL is set (distributed mode) but the database is SQLite" in err
    else:
        assert "LA-JA" in ok(result)


def test_an_unknown_business_time_zone_is_refused(run: Run) -> None:
    err = refused(run("units", "list", env={"HAZARDFLOW_BUSINESS_TZ": "Mars/Base"}))
    assert "HAZARDFLOW_BUSINESS_TZ='Mars/Base' is not a time zone name" in err


def test_a_database_url_that_is_not_a_url_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--database-url", "postgresql//u:hunter2@h/db", "units",
                                       "list"], env={"HAZARDFLOW_INSTANCE_PATH": str(tmp_path)})
    err = refused(result)
    assert "is not a SQLAlchemy URL" in err and "hunter2" not in err


def test_seed_demo_with_cases_runs_the_demo_hazards_once(run: Run, database: sa.Engine) -> None:
    first = ok(run("seed-demo", "--cases"))
    assert f"demo hazards: {HAZARDS} created" in first
    assert "demo hazards: 0 created" in ok(run("seed-demo", "--cases"))
    with database.connect() as conn:
        assert conn.execute(sa.text("select count(*) from hazard")).scalar() == HAZARDS
