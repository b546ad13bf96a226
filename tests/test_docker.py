"""docker/ checked without a Docker engine: the compose file, the Dockerfile and the gunicorn
entry points must agree with the config module, the CLI and the package layout."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from hazardflow.cli import main as cli
from hazardflow.config import PREFIX, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"
SETTING_NAMES = {PREFIX + f.name.upper() for f in fields(Settings)}
APP_SERVICES = ("migrate", "web", "worker", "beat")
GUNICORN_CMD = ["gunicorn", "--config", "python:hazardflow.gunicorn_conf", "hazardflow.wsgi:app"]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))
    return data


def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = compose["services"]
    return result


_VAR = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error} and $$, against env."""
    def one(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        if op in (":?", "?"):
            if not env.get(name):
                raise AssertionError(f"${{{name}}} is required: {arg}")
            return env[name]
        if op in (":-", "-"):
            return env.get(name) or arg
        return env.get(name, "")

    return _VAR.sub(one, value.replace("$$", "\0")).replace("\0", "$")


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the "KEY=value" form
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def command(service: dict[str, Any]) -> list[str]:
    cmd = service["command"]
    return cmd.split() if isinstance(cmd, str) else [str(part) for part in cmd]


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: "service_started" for name in deps}
    return {name: spec.get("condition", "service_started") for name, spec in deps.items()}


# --- compose.yaml ------------------------------------------------------------------------

def test_compose_has_the_six_services(compose: dict[str, Any]) -> None:
    assert set(services(compose)) == {"postgres", "redis", "migrate", "web", "worker", "beat"}


def test_app_services_run_the_right_commands(compose: dict[str, Any]) -> None:
    svc = services(compose)
    assert command(svc["migrate"]) == ["hazardflow", "init-db"]
    assert command(svc["web"]) == GUNICORN_CMD
    worker = command(svc["worker"])
    assert worker[:2] == ["hazardflow", "worker"]
    assert "--loglevel=INFO" in worker and "--concurrency=4" in worker
    assert command(svc["beat"]) == ["hazardflow", "beat"]
    for name in ("migrate", "worker", "beat"):  # each is a real `hazardflow` subcommand
        assert command(svc[name])[1] in cli.commands, name


def test_every_hazardflow_variable_in_compose_is_a_setting(compose: dict[str, Any]) -> None:
    used = set(re.findall(r"\bHAZARDFLOW_[A-Z0-9_]+", (DOCKER / "compose.yaml").read_text()))
    assert used, "compose.yaml sets no HAZARDFLOW_* variable"
    assert used <= SETTING_NAMES, f"not fields of config.Settings: {used - SETTING_NAMES}"
    for name, service in services(compose).items():
        unknown = {k for k in environment(service) if k.startswith(PREFIX)} - SETTING_NAMES
        assert not unknown, f"{name}: {unknown}"


def test_app_services_share_one_environment(compose: dict[str, Any]) -> None:
    svc = services(compose)
    envs = [environment(svc[name]) for name in APP_SERVICES]
    assert all(env == envs[0] for env in envs), "app services must share the x- environment"
    env = envs[0]
    for key in ("DATABASE_URL", "BROKER_URL", "RESULT_BACKEND", "SECRET_KEY"):
        assert PREFIX + key in env
    assert env[PREFIX + "SCHEDULER"] == "false"  # beat drives timers, not the web processes
    assert env[PREFIX + "INSTANCE_PATH"] == "/var/lib/hazardflow"
    for name in APP_SERVICES:
        volumes = [str(v) for v in svc[name].get("volumes", [])]
        assert any(v.endswith(":/var/lib/hazardflow") for v in volumes), name


def test_compose_environment_is_valid_distributed_settings(compose: dict[str, Any],
                                                           tmp_path: Path) -> None:
    raw = environment(services(compose)["web"])
    with pytest.raises(AssertionError, match="secret"):  # refuses to start without a secret
        interpolate(raw[PREFIX + "SECRET_KEY"], {})
    env = {k: interpolate(v, {PREFIX + "SECRET_KEY": "dummy-secret"}) for k, v in raw.items()}
    env[PREFIX + "INSTANCE_PATH"] = str(tmp_path / "instance")  # load_settings creates it
    settings = load_settings(env=env)
    assert settings.secret_key == "dummy-secret"
    assert settings.scheduler is False
    url = make_url(settings.database_url)
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port, url.database) == ("postgres", 5432, "hazardflow")
    assert url.password == "hazardflow"  # ${POSTGRES_PASSWORD:-hazardflow}
    url.get_dialect()  # the psycopg driver the image installs is importable
    assert settings.broker_url == "redis://redis:6379/0"
    assert settings.result_backend == "redis://redis:6379/1"


def test_postgres_and_redis_have_healthchecks_and_volumes(compose: dict[str, Any]) -> None:
    svc = services(compose)
    assert svc["postgres"]["image"].startswith("postgres:15")
    assert svc["redis"]["image"].startswith("redis:7")
    assert "pg_isready" in " ".join(svc["postgres"]["healthcheck"]["test"])
    assert "redis-cli ping" in " ".join(svc["redis"]["healthcheck"]["test"])
    pg_env = environment(svc["postgres"])
    app_url = make_url(interpolate(environment(svc["web"])[PREFIX + "DATABASE_URL"],
                                   {"POSTGRES_PASSWORD": "pw"}))
    assert interpolate(pg_env["POSTGRES_PASSWORD"], {"POSTGRES_PASSWORD": "pw"}) == "pw"
    assert (pg_env["POSTGRES_USER"], pg_env["POSTGRES_DB"]) == (app_url.username,
                                                                app_url.database)
    declared = set(compose.get("volumes") or {})
    for name in ("postgres", "redis"):
        for volume in svc[name]["volumes"]:
            source = str(volume).split(":", 1)[0]
            assert source in declared, f"{name}: {source} is not a named volume"
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in svc["postgres"]["volumes"])


def test_migrate_is_a_one_shot_everything_waits_for(compose: dict[str, Any]) -> None:
    svc = services(compose)
    assert svc["migrate"]["restart"] == "no"
    assert depends_on(svc["migrate"])["postgres"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        deps = depends_on(svc[name])
        assert deps.get("migrate") == "service_completed_successfully", name
        assert deps.get("redis") == "service_healthy", name


def test_web_worker_and_beat_shape(compose: dict[str, Any]) -> None:
    svc = services(compose)
    web = svc["web"]
    assert any(str(p).endswith(":8000") for p in web["ports"])
    assert "/healthz" in " ".join(web["healthcheck"]["test"])
    assert "container_name" not in svc["worker"]  # --scale worker=N
    assert "ports" not in svc["worker"]
    assert svc["beat"].get("deploy", {}).get("replicas", 1) == 1  # one beat only
    for name in APP_SERVICES:  # one image, built from the repository root
        assert svc[name]["build"]["dockerfile"] == "docker/Dockerfile"
        assert (DOCKER / svc[name]["build"]["context"]).resolve() == ROOT


# --- Dockerfile ---------------------------------------------------------------------------

def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    result = []
    for line in joined.splitlines():
        if line.strip():
            word, _, args = line.strip().partition(" ")
            result.append((word.upper(), args.strip()))
    return result


def test_dockerfile_is_multi_stage_non_root_with_healthcheck() -> None:
    steps = dockerfile()
    stages = [args for word, args in steps if word == "FROM"]
    assert len(stages) >= 2
    assert stages[-1].startswith("python:3.11-slim")
    final = steps[max(i for i, (word, _) in enumerate(steps) if word == "FROM"):]
    runs = " ".join(args for word, args in steps if word == "RUN")
    assert "pip wheel" in runs
    assert re.search(r"pip install .*hazardflow\[distributed\]", runs)
    users = [args for word, args in final if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert ("EXPOSE", "8000") in final
    env = " ".join(args for word, args in final if word == "ENV")
    assert "HAZARDFLOW_INSTANCE_PATH=/var/lib/hazardflow" in env
    assert set(re.findall(r"\bHAZARDFLOW_[A-Z0-9_]+", env)) <= SETTING_NAMES
    health = [args for word, args in final if word == "HEALTHCHECK"]
    assert health and "/healthz" in health[0] and "urllib" in health[0]
    cmd = [args for word, args in final if word in ("CMD", "ENTRYPOINT")]
    assert cmd and "gunicorn" in cmd[-1] and "hazardflow.wsgi:app" in cmd[-1]
    assert "python:hazardflow.gunicorn_conf" in cmd[-1]


def test_dockerfile_copies_every_package_folder() -> None:
    """The wheel is built from what the builder copies: every package-dir must be there."""
    copied = {source.rstrip("/") for word, args in dockerfile()
              if word == "COPY" and "--from" not in args
              for source in args.split()[:-1] if not source.startswith("--")}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    needed = {path.split("/")[0] for path in
              pyproject["tool"]["setuptools"]["package-dir"].values()}
    assert needed <= copied, f"Dockerfile does not COPY {needed - copied}"
    assert {"pyproject.toml", pyproject["project"]["readme"]} <= copied
    for source in copied:
        assert (ROOT / source).exists(), source


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", "build", "instance", "**/node_modules", "**/__pycache__"} <= ignored


# --- gunicorn entry points ----------------------------------------------------------------

def test_wsgi_app_builds_answers_healthz_and_settles_its_heap(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(PREFIX)}
    env[PREFIX + "INSTANCE_PATH"] = str(tmp_path / "instance")
    env[PREFIX + "DATABASE_URL"] = f"sqlite:///{tmp_path / 'hazardflow.db'}"
    code = ("import gc; from hazardflow.wsgi import app; frozen = gc.get_freeze_count(); "
            "r = app.test_client().get('/healthz'); print(r.status_code, frozen)")
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    status, frozen = done.stdout.split()
    # the objects a worker built at start-up are out of the full collections' walk
    assert status == "200" and int(frozen) > 10_000


def test_gunicorn_accepts_the_config_and_app(tmp_path: Path) -> None:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed (pip install -e '.[test]')")
    env = {k: v for k, v in os.environ.items() if not k.startswith(PREFIX)}
    env[PREFIX + "INSTANCE_PATH"] = str(tmp_path / "instance")
    env[PREFIX + "DATABASE_URL"] = f"sqlite:///{tmp_path / 'hazardflow.db'}"
    done = subprocess.run([str(gunicorn), "--check-config", *GUNICORN_CMD[1:]], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_gunicorn_conf_values(monkeypatch: pytest.MonkeyPatch) -> None:
    import hazardflow.gunicorn_conf as conf

    for name in ("PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    conf = importlib.reload(conf)
    assert conf.bind == "0.0.0.0:8000"
    assert 1 <= conf.workers <= conf.MAX_DEFAULT_WORKERS
    assert (conf.worker_class, conf.threads) == ("gthread", 2)
    assert conf.timeout == 60 and conf.graceful_timeout == 30
    assert conf.accesslog == "-"
    assert conf.forwarded_allow_ips == "127.0.0.1,::1"

    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.1")
    conf = importlib.reload(conf)
    assert (conf.bind, conf.workers, conf.forwarded_allow_ips) == ("0.0.0.0:9123", 3, "10.0.0.1")

    monkeypatch.setenv("WEB_CONCURRENCY", "many")
    with pytest.raises(ValueError, match="WEB_CONCURRENCY"):
        importlib.reload(conf)
    monkeypatch.delenv("WEB_CONCURRENCY")
    importlib.reload(conf)


def test_gunicorn_conf_names_only_gunicorn_settings() -> None:
    """gunicorn silently ignores a misspelt setting; catch it here."""
    config = pytest.importorskip("gunicorn.config")
    import hazardflow.gunicorn_conf as conf

    known = {setting.name for setting in config.KNOWN_SETTINGS}
    public = {name for name, value in vars(conf).items()
              if not name.startswith("_") and name.islower()
              and isinstance(value, str | int | float | list | None)}
    assert public and public <= known, public - known


def test_the_runtime_image_can_print_chinese_pdfs() -> None:
    """The documents (整改通知书, 复查意见书) need Pango and a CJK font in the image."""
    text = (ROOT / "docker" / "Dockerfile").read_text()
    runtime = text[text.index("AS runtime"):]
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-noto-cjk"):
        assert package in runtime, package
