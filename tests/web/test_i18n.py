"""The English catalog: complete, compiled, placeholder-safe, and the pages switch to it."""

from __future__ import annotations

import importlib.util
import io
import re
from collections import Counter
from datetime import UTC, datetime
from gettext import GNUTranslations
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import get_timezone

from hazardflow.engine import FixedClock
from hazardflow.web import i18n

from .conftest import make_app
from .pages import Browser

TRANSLATIONS = i18n.TRANSLATIONS
POT = TRANSLATIONS / "messages.pot"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")


def _read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def _pairs(mo_bytes: bytes) -> dict[str, str]:
    catalog = dict(GNUTranslations(io.BytesIO(mo_bytes))._catalog)  # type: ignore[attr-defined]
    catalog.pop("", None)  # the header
    return catalog


def test_every_extracted_message_has_an_english_translation() -> None:
    english = _read(PO)
    untranslated = []
    for message in _read(POT):
        if not message.id:
            continue
        found = english.get(message.id)
        if found is None or not str(found.string).strip() or found.fuzzy:
            untranslated.append(message.id)
    assert len(english) >= 600
    assert untranslated == []


def test_committed_mo_is_compiled_from_the_current_po() -> None:
    compiled = io.BytesIO()
    write_mo(compiled, _read(PO), use_fuzzy=True)
    fresh = _pairs(compiled.getvalue())
    assert fresh["待认领"]
    assert _pairs(MO.read_bytes()) == fresh


def test_translations_keep_exactly_the_placeholders_of_the_source() -> None:
    mismatched = [
        (message.id, message.string) for message in _read(PO)
        if message.id and message.string
        and Counter(PLACEHOLDER.findall(str(message.id)))
        != Counter(PLACEHOLDER.findall(str(message.string)))
    ]
    assert PLACEHOLDER.findall("共 %(n)d 条，第 %(p)s 页") == ["n", "p"]
    assert mismatched == []


def test_inbox_switches_between_english_and_chinese(app: Flask) -> None:
    english = _read(PO)
    unclaimed = str(english["待认领"].string)
    overdue = str(english["已超期"].string)
    safety = Browser(app, "safety")

    html = safety.html("/inbox?lang=en")
    assert unclaimed in html and overdue in html
    assert "待认领" not in html and "已超期" not in html
    assert str(english["登记隐患"].string) in html  # the header's links too

    kept = safety.html("/inbox?tab=groups")  # the choice stays in the session
    assert unclaimed in kept and "待认领" not in kept

    chinese = safety.html("/inbox?lang=zh_CN")
    assert "待认领" in chinese and "已超期" in chinese
    assert unclaimed not in chinese


@pytest.mark.parametrize(("zone", "reported", "due"), [
    ("Asia/Shanghai", "2027-01-01 01:00", "2027-01-10"),
    ("UTC", "2026-12-31 17:00", "2027-01-10 16:00"),
])
def test_pages_show_times_in_the_business_time_zone_that_is_set(
        database_url: str, clock: FixedClock, tmp_path: Path, zone: str, reported: str,
        due: str) -> None:
    """``HAZARDFLOW_BUSINESS_TZ`` is Babel's zone and the ``localdt``/``localdue`` filters':
    a moment of New Year's Eve in UTC is 2027 in Lu'an; 16:00 UTC is the end of a date
    deadline there (24:00), a time of the day in UTC."""
    app = make_app(database_url, clock, tmp_path, business_tz=zone)
    try:
        assert app.config["BABEL_DEFAULT_TIMEZONE"] == zone
        with app.test_request_context("/"):
            assert str(get_timezone()) == zone
            localdt, localdue = app.jinja_env.filters["localdt"], app.jinja_env.filters["localdue"]
            assert localdt(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == reported
            assert localdue(datetime(2027, 1, 10, 16, 0, tzinfo=UTC)) == due
    finally:
        app.extensions["hazardflow"].close()


def _vocabulary_script() -> Any:
    path = Path(__file__).resolve().parents[2] / "scripts" / "i18n_vocab.py"
    spec = importlib.util.spec_from_file_location("i18n_vocab", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_catalog_holds_every_label_table_of_the_domain() -> None:
    """A label table added to workflows/ or web/ is found by reading the source; the
    committed catalog must hold its words (run scripts/i18n.sh), and every table left out
    must still exist."""
    vocab = _vocabulary_script()
    tables = vocab.label_tables()
    assert "workflows/public_reports.py:STATUSES" in tables  # read from the source
    assert "核查中" in tables["workflows/public_reports.py:STATUSES"]
    assert sorted(set(vocab.NOT_VOCABULARY) - set(tables)) == []
    extracted = {str(m.id) for m in _read(POT) if m.id}
    assert sorted(vocab.vocabulary() - extracted) == []


def test_the_json_behind_the_dashboard_and_the_map_speaks_the_readers_language(
        app: Flask) -> None:
    city = Browser(app, "city")
    chinese = city.get("/monitor/dashboard.json?lang=zh_CN").get_json()
    assert chinese["rates"]["general"]["name"] == "一般隐患"
    assert city.get("/map/layers.json").get_json()["names"]["teams"] == "应急队伍"
    english = city.get("/monitor/dashboard.json?lang=en").get_json()
    assert english["rates"]["general"]["name"] == "General hazard"
    assert english["rates"]["major"]["name"] == "Major hazard"
    layers = city.get("/map/layers.json").get_json()
    assert layers["names"]["teams"] == "Emergency teams"
    assert layers["names"]["sources"] == "Major hazard sources"


# the templates of documents issued in Chinese whatever the reader's language
CHINESE_DOCUMENTS = {"monitor/letter_body.html", "campaigns/notice_body.html", "verify.html"}
JOINING = re.compile(r"(?:\}\}|%\})[：（），、；]|[：（），、；](?:\{\{|\{%)")


def test_a_page_joins_its_parts_with_the_readers_punctuation() -> None:
    """Where a template joins a value to a label or wraps it ("期限：…", "（…）"), the mark
    goes through the catalogue (English: ": ", " (…)"); only a Chinese document keeps it."""
    root = Path(__file__).resolve().parents[2] / "web" / "templates"
    found = []
    for path in sorted(root.rglob("*.html")):
        name = path.relative_to(root).as_posix()
        if name not in CHINESE_DOCUMENTS:
            found += [f"{name}: {m.group(0)}" for m in JOINING.finditer(path.read_text("utf-8"))]
    assert found == []
    english = _read(PO)
    assert str(english["："].string) == ": " and str(english["（"].string) == " ("
