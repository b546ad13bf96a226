"""The architecture, checked: imports run web → workflows → engine (import-linter contracts in
pyproject.toml), the pages and the API do not import each other, no transaction is opened
under ``web/`` (only use-cases open them), and the engine never begins or commits one."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# what opens, commits or reaches a transaction
TRANSACTION_NAMES = {"write_transaction", "read_transaction", "unit_of_work", "reading"}
TRANSACTION_METHODS = {"connect", "begin", "begin_nested", "commit", "rollback", "execute"}
RUNTIME_INTERNALS = {"db", "engine"}  # runtime.db / runtime.engine: a use-case's business


def _python_files(folder: str) -> Iterator[Path]:
    yield from sorted((ROOT / folder).rglob("*.py"))


def _offences(path: Path, names: set[str], methods: set[str],
              runtime_attrs: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Name) and node.id in names:
            found.append(f"{where} uses {node.id}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in methods:
            receiver = node.func.value
            if isinstance(receiver, ast.Name) and receiver.id == "savepoint":
                continue  # a savepoint lives and ends inside the caller's transaction
            found.append(f"{where} calls .{node.func.attr}()")
        elif isinstance(node, ast.Attribute) and node.attr in runtime_attrs \
                and isinstance(node.value, ast.Name) and node.value.id in ("runtime", "rt"):
            found.append(f"{where} reaches runtime.{node.attr}")
    return found


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "BROKEN" not in done.stdout


def test_no_transaction_is_opened_under_web() -> None:
    """Routes parse, call one use-case and answer: every database access of a request goes
    through ``workflows.usecases``, which owns the unit of work."""
    offences = [o for path in _python_files("web")
                for o in _offences(path, TRANSACTION_NAMES, TRANSACTION_METHODS,
                                   RUNTIME_INTERNALS)]
    assert offences == []


def test_the_engine_never_begins_or_commits() -> None:
    """Engine operations take the caller's connection; the transaction helpers live in
    engine/db.py for the callers, and the loops that need one transaction per case (the
    sweep, a migration batch) ask their caller for it."""
    allowed = {ROOT / "engine" / "db.py"}
    offences = [o for path in _python_files("engine") if path not in allowed
                for o in _offences(path, {"write_transaction", "read_transaction"},
                                   {"connect", "commit", "rollback"}, set())]
    assert offences == []


# Who may read an actor's grants and roles, or the role sets of visibility and scope: the one
# authorisation service, the role definitions, and the BPMN candidate resolver.
ROLE_READERS = {"policy.py", "policy_scope.py", "policy_visibility.py", "roles.py",
                "resolver.py"}
ACTOR_ROLE_ATTRIBUTES = {"grants", "roles", "holds"}  # Actor.grants, Actor.roles, Actor.holds
ROLE_SETS = {"SUPERVISORY_ROLES", "UNIT_LEVEL_ROLES", "SEE_ALL_ROLES", "STAFF_ROLES",
             "RECORDING_ROLES"}


def _role_reads(source: str, where: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, where)):
        at = f"{where}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Attribute) and node.attr in ACTOR_ROLE_ATTRIBUTES:
            found.append(f"{at} reads .{node.attr}")
        elif isinstance(node, ast.Attribute) and node.attr in ROLE_SETS:
            found.append(f"{at} reads {node.attr}")
        elif isinstance(node, ast.Name) and node.id in ROLE_SETS:
            found.append(f"{at} uses {node.id}")
        elif isinstance(node, ast.alias) and node.name in ROLE_SETS:
            found.append(f"{at} imports {node.name}")
    return found


def test_the_check_for_role_reads_finds_each_kind() -> None:
    source = ("from .roles import SUPERVISORY_ROLES as S\n"
              "codes = {u for _, u in actor.grants if u}\n"
              "city = actor.roles & {'city_leader'} or actor.holds('inspector', None)\n"
              "above = roles.UNIT_LEVEL_ROLES\n")
    assert {o.split(" ", 1)[1] for o in _role_reads(source, "x.py")} == {
        "imports SUPERVISORY_ROLES", "reads .grants", "reads .roles", "reads .holds",
        "reads UNIT_LEVEL_ROLES"}


def test_only_the_policy_reads_grants_and_role_sets() -> None:
    """Which units an actor works at or oversees, and what they may see, is written once, in
    ``workflows/policy.py`` (``within_held_units``, ``unit_scope_clause``, ``units_in_scope``,
    ``visible_hazards``…); every other module of the domain asks it, so no copy of the rule
    can be written beside it."""
    allowed = {ROOT / "workflows" / name for name in ROLE_READERS}
    offences = [o for path in _python_files("workflows") if path not in allowed
                for o in _role_reads(path.read_text(encoding="utf-8"),
                                     str(path.relative_to(ROOT)))]
    assert offences == []
