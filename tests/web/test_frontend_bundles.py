"""The committed front-end bundles, without a browser: pinned sources, what the bundles
hold, and nothing loaded from outside hosts (their behaviour in Chromium:
``test_frontend.py``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "web" / "frontend"
VENDOR = ROOT / "web" / "static" / "vendor"
TEMPLATES = ROOT / "web" / "templates"

# minimum sizes: a truncated or placeholder bundle fails
VENDOR_FILES = {
    "bpmn-viewer.js": 100_000,
    "bpmn.css": 20_000,
    "bpmn-modeler.js": 1_000_000,
    "bpmn-modeler.css": 50_000,
    "echarts.min.js": 500_000,
    "README.md": 300,
}

OUTSIDE_HOST = re.compile(
    r"""(?:\b(?:src|href|action)\s*=\s*["']?|url\(\s*["']?|@import\s+["'])(?:https?:)?//""",
    re.IGNORECASE)


def test_package_json_pins_exact_versions_matching_the_lockfile() -> None:
    package = json.loads((FRONTEND / "package.json").read_text())
    lock = json.loads((FRONTEND / "package-lock.json").read_text())
    pins = {**package.get("dependencies", {}), **package.get("devDependencies", {})}
    for name in ("bpmn-js", "bpmn-js-properties-panel", "@bpmn-io/properties-panel",
                 "camunda-bpmn-moddle", "bpmnlint", "bpmn-js-bpmnlint",
                 "bpmn-js-token-simulation", "esbuild", "echarts"):
        assert name in pins, name
    for name, version in pins.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version, name
    assert pins["bpmn-js"].startswith("18.")
    assert pins["bpmn-js-properties-panel"].startswith("5.")
    assert pins["camunda-bpmn-moddle"].startswith("8.")


@pytest.mark.parametrize("name", sorted(VENDOR_FILES))
def test_vendor_file_is_committed_and_non_trivial(name: str) -> None:
    path = VENDOR / name
    assert path.is_file(), f"{path} missing: run bash scripts/build-frontend.sh"
    assert path.stat().st_size >= VENDOR_FILES[name]


def test_bundles_expose_their_globals_and_styles() -> None:
    assert "HfBpmn" in (VENDOR / "bpmn-viewer.js").read_text()
    assert "HfBpmn" in (VENDOR / "bpmn-modeler.js").read_text()
    assert "echarts" in (VENDOR / "echarts.min.js").read_text()[:5000]
    css = (VENDOR / "bpmn.css").read_text()
    for marker in ("hf-done", "hf-active", "hf-incident", "hf-added", "hf-removed",
                   "hf-changed", "hf-badge-overdue", "hf-heat-legend", ".djs-container"):
        assert marker in css, marker


@pytest.mark.parametrize("name", ["bpmn.css", "bpmn-modeler.css"])
def test_vendor_css_loads_fonts_and_images_only_from_data_urls(name: str) -> None:
    css = (VENDOR / name).read_text()
    urls = re.findall(r"url\(\s*[\"']?([^\"')]{0,30})", css)
    assert any(u.startswith("data:font/woff2") for u in urls)  # the bpmn icon font, inlined
    assert [u for u in urls if not u.startswith("data:")] == []


def test_templates_load_nothing_from_outside_hosts() -> None:
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert templates
    offenders = [f"{path.relative_to(ROOT)}: {match.group(0)}"
                 for path in templates
                 for match in OUTSIDE_HOST.finditer(path.read_text())]
    assert offenders == []


def test_outside_host_pattern_catches_the_usual_forms() -> None:
    for bad in ('<script src="https://cdn.example/x.js">', "<link href='//cdn.example/a.css'>",
                "@import url(http://fonts.example/f.css)", '@import "https://x/y.css"'):
        assert OUTSIDE_HOST.search(bad), bad
    for good in ('<script src="/static/vendor/bpmn-viewer.js">', '<a href="{{ url_for(\'x\') }}">',
                 'xmlns="http://www.w3.org/2000/svg"'):
        assert not OUTSIDE_HOST.search(good), good
