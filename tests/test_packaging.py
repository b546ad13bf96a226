"""The package lists every folder it ships (code and data alike), so that an install shows
no setuptools warning and a new folder of templates, catalogs or checklists is not left out."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the front end's npm sources: built into web/static/vendor, which ships; they do not
NOT_SHIPPED = ("web/frontend/",)


def _config() -> dict[str, object]:
    setuptools: dict[str, object] = tomllib.loads(
        (ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    return setuptools


def _shipped_folders() -> set[str]:
    """Every folder under a mapped package directory that holds a file, as a package name."""
    config = _config()
    mapping = config["package-dir"]
    assert isinstance(mapping, dict)
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    names = set()
    for name in tracked:
        if name.startswith(NOT_SHIPPED):
            continue
        path = ROOT / name
        for package, folder in mapping.items():
            base = ROOT / folder
            if path.is_relative_to(base) and package == max(
                    (p for p, f in mapping.items() if path.is_relative_to(ROOT / f)),
                    key=lambda p: len(str(mapping[p]))):
                names.add(".".join([package, *path.parent.relative_to(base).parts]))
    return names


def test_every_folder_with_files_is_a_listed_package() -> None:
    listed = set(_config()["packages"])  # type: ignore[arg-type]
    assert _shipped_folders() - listed == set()


def test_every_listed_data_folder_ships_its_files() -> None:
    data = _config()["package-data"]
    assert isinstance(data, dict)
    code = {name for name in _shipped_folders()
            if any(p.suffix == ".py" for p in _folder(name).iterdir())}
    for name in _shipped_folders() - code:
        assert name in data, f"{name} holds data but ships none of it"


def _folder(package: str) -> Path:
    mapping = _config()["package-dir"]
    assert isinstance(mapping, dict)
    root = max((p for p in mapping if package == p or package.startswith(p + ".")), key=len)
    rest = package[len(root):].strip(".")
    return ROOT / mapping[root] / Path(*rest.split(".")) if rest else ROOT / mapping[root]
