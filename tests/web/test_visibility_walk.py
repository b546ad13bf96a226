"""One visibility rule covers every read path: walked, not trusted.

"Hidden findings leaked through one page that a per-page rule missed." Each scenario makes
two twin worlds from one base world (``visibility_world``): the same people, cases, files,
documents and clock, except for one finding the reader must not see, made last in one twin
only. Then every GET route of the app's ``url_map`` (pages, API, downloads), with each path
parameter filled with what the reader may see and with the hidden finding's own ids, each
list with its tabs, filters and searches aimed at the finding, and the POST previews that
answer data about many cases, is asked of both twins as the reader; every answer must be
the same. A count, a badge, a total, a chart series, a ranking or an Excel cell that moves
is a leak, as much as the hazard's code (``visibility_walk``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from hazardflow.bootstrap import build_runtime
from hazardflow.config import load_settings
from hazardflow.engine import FixedClock
from hazardflow.web import create_app

from ..conftest import postgres_or_skip
from .visibility_values import finding, hidden_objects, query_variants, reader_values
from .visibility_walk import (
    RENDERED_ONCE,
    SKIPPED,
    Leak,
    Reader,
    Request,
    post_reads,
    read_rules,
    requests_for,
    unwalked_previews,
    walk,
)
from .visibility_world import (
    WALK_AT,
    Hide,
    Store,
    build_base,
    hidden_other_county,
    hidden_other_unit,
    hidden_unannounced,
    hide,
    settle,
    template_store,
)

SCENARIOS: dict[str, tuple[Hide, tuple[str, ...]]] = {
    # the city's 暗访 at 金安区人民医院, unpublished → the unit's staff
    "unannounced": (hidden_unannounced, ("safety", "principal", "rectifier", "verifier")),
    # 裕安区人民医院's hazards → 金安区's supervisor and inspector
    "other_county": (hidden_other_county, ("jinan", "inspector")),
    # 金安区妇幼保健院's hazard → 金安区人民医院's safety officer
    "other_unit": (hidden_other_unit, ("safety",)),
}


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory, for every twin's app (Jinja keys them by source)."""

    def __init__(self) -> None:
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.codes:
            bucket.bytecode_from_string(self.codes[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.codes[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = MemoryBytecodeCache()


class PdfOnce:
    """``weasyprint.HTML`` for the walk: a PDF is laid out once per HTML text, and the twins
    and both backends, which print the same documents, are given the same bytes. A
    document whose HTML differs between the twins (a leak) differs in its text and is laid
    out apart, so nothing the comparison could see is lost; layout is most of a walk's
    time, and PDF output itself is tested with the documents."""

    laid_out: dict[str, bytes] = {}
    real: Any = None  # weasyprint's own HTML, while the walk's module runs

    def __init__(self, *args: Any, string: str | None = None, **kwargs: Any) -> None:
        self.args, self.string, self.kwargs = args, string, kwargs

    def write_pdf(self, *args: Any, **kwargs: Any) -> bytes:
        def lay_out() -> bytes:
            found: bytes = self.real(*self.args, string=self.string,
                                     **self.kwargs).write_pdf(*args, **kwargs)
            return found
        if self.string is None or args or kwargs:
            return lay_out()
        # the callers let a document fetch nothing or data: URLs only; the fetcher is in the
        # key all the same, so a document allowed to fetch is never confused with another
        key = self.string + repr(sorted((name, getattr(value, "__qualname__", repr(value)))
                                        for name, value in self.kwargs.items()))
        if key not in self.laid_out:
            self.laid_out[key] = lay_out()
        return self.laid_out[key]


@pytest.fixture(scope="module", autouse=True)
def _pdf_once() -> Iterator[None]:
    import weasyprint

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PdfOnce, "real", weasyprint.HTML)
        patch.setattr(weasyprint, "HTML", PdfOnce)
        yield

ASSESSMENT = frozenset({"/api/v1/assessment/<int:year>", "/campaigns/assessment",
                        "/campaigns/assessment/export.xlsx"})


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def base(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The base world, built once per backend for the module's scenarios."""
    backend = str(request.param)
    if backend == "postgres":
        postgres_or_skip()
    folder = tmp_path_factory.mktemp(f"walk-{backend}")
    template = template_store(
        backend, request.getfixturevalue("sqlite_template") if backend == "sqlite" else None,
        request.getfixturevalue("postgres_template") if backend == "postgres" else None,
        folder / "template")
    store = template.clone(folder / "base")
    try:
        build_base(store)
        yield store
    finally:
        store.drop()


def app_for(store: Store, folder: Path) -> Flask:
    settings = load_settings(env={}, overrides={
        "database_url": store.url, "instance_path": str(folder / "inst"),
        "storage_path": str(store.evidence), "scheduler": False,
        "secret_key": "test-secret",
        # /verify's per-address count (shared storage, both twins): never the walk's answer
        "verify_per_address_minute": 1_000_000})
    app = create_app(build_runtime(settings, clock=FixedClock(WALK_AT)), TESTING=True)
    app.jinja_env.bytecode_cache = TEMPLATES  # compiled once for all the twins
    return app


@dataclass(frozen=True)
class Outcome:
    """A scenario's walk: the GET rules neither walked nor skipped, and every leak."""

    unwalked: list[str]
    leaks: list[Leak]

    def outside(self, known: frozenset[str]) -> list[str]:
        return [leak.text for leak in self.leaks if leak.rule not in known]

    def on(self, rules: frozenset[str]) -> list[str]:
        return [leak.text for leak in self.leaks if leak.rule in rules]


def walk_twins(base: Store, folder: Path, what: Hide, readers: tuple[str, ...]) -> Outcome:
    """Clone the base twice, hide ``what`` in one twin, walk both as each reader."""
    without, with_it = base.clone(folder / "without"), base.clone(folder / "with")
    apps: list[Flask] = []
    unwalked: list[str] = []
    try:
        settle(without)
        hide(with_it, what)
        apps = [app_for(without, folder / "a"), app_for(with_it, folder / "b")]
        plans: dict[str, list[Request]] = {}
        rendered: set[str] = set()
        a_db, b_db = sa.create_engine(without.url), sa.create_engine(with_it.url)
        with a_db.connect() as a, b_db.connect() as b:
            hidden = hidden_objects(b, a)
            found = finding(b, hidden["hazard"])
            assert found.codes, "the twin with the finding holds no hidden hazard"
            for reader in readers:
                values = reader_values(a, reader, hidden, found)
                requests, unfilled = requests_for(apps[0], values, query_variants(found))
                requests = [r for r in requests if r.probe or r.rule not in RENDERED_ONCE
                            or r.path not in rendered]
                rendered |= {r.path for r in requests if r.rule in RENDERED_ONCE}
                requests += post_reads(values, found)
                unwalked += [f"{rule}: not filled" for rule in unfilled]
                unwalked += [f"{rule}: a preview not walked"
                             for rule in unwalked_previews(apps[0], requests)]
                plans[reader] = requests
        a_db.dispose()
        b_db.dispose()
        walks = [walk(reader, Reader(apps[0], reader), Reader(apps[1], reader),
                      plans[reader]) for reader in readers]
        walked = set().union(*(w.rules for w in walks))
        unwalked += sorted({r.rule for r in read_rules(apps[0])} - walked - set(SKIPPED))
    finally:
        for app in apps:
            app.extensions["hazardflow"].close()
        without.drop()
        with_it.drop()
    return Outcome(sorted(set(unwalked)), [leak for w in walks for leak in w.leaks])


@pytest.fixture(scope="module")
def walked(base: Store, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Outcome]:
    """A scenario's outcome on this backend, walked once for the tests that read it."""
    done: dict[str, Outcome] = {}

    def outcome(name: str) -> Outcome:
        if name not in done:
            what, readers = SCENARIOS[name]
            done[name] = walk_twins(base, tmp_path_factory.mktemp(name), what, readers)
        return done[name]
    return outcome


def check(outcome: Outcome, known: frozenset[str] = frozenset()) -> None:
    assert not outcome.unwalked, f"GET routes neither walked nor skipped: {outcome.unwalked}"
    leaks = outcome.outside(known)
    assert not leaks, f"{len(leaks)} answers differ:\n\n" + "\n\n".join(leaks)


def test_an_unannounced_visits_findings_show_nowhere_to_the_unit(
        walked: Callable[[str], Outcome]) -> None:
    """The city's 暗访 at 金安区人民医院, a general and a major finding, unpublished: its
    staff see no difference anywhere."""
    check(walked("unannounced"))


def test_the_assessment_counts_no_unpublished_unannounced_finding(
        walked: Callable[[str], Outcome]) -> None:
    """The unit's own score and breakdown do not move before the 暗访 is published (every
    measure reads only hazards the unit may see; finding hazards costs nothing anyway)."""
    leaks = walked("unannounced").on(ASSESSMENT)
    assert not leaks, "\n\n".join(leaks)


def test_another_countys_hazards_show_nowhere_to_a_county(
        walked: Callable[[str], Outcome]) -> None:
    """Hazards of 裕安区人民医院 (one overdue with its notice, one major): 金安区's
    supervisor and inspector see no difference anywhere."""
    check(walked("other_county"))


def test_another_units_hazard_shows_nowhere_to_a_unit(walked: Callable[[str], Outcome]) -> None:
    """A hazard of 金安区妇幼保健院, overdue: 金安区人民医院's safety officer sees no
    difference anywhere."""
    check(walked("other_unit"))


def test_a_units_assessment_does_not_move_with_another_units_hazard(
        walked: Callable[[str], Outcome]) -> None:
    """A unit's staff see their own score unranked: a rank among units they may not see all
    of would move with those units' hazards."""
    leaks = walked("other_unit").on(ASSESSMENT)
    assert not leaks, "\n\n".join(leaks)


def test_the_monitor_opens_on_the_busiest_process_the_reader_may_see(app: Flask) -> None:
    """Where /monitor/process leads is counted within the reader's scope: another county's
    hazards never move it (the walk's worlds cannot show this: their monthly reports
    outnumber the hazards, whatever is hidden)."""
    from hazardflow.workflows.usecases import cases
    from hazardflow.workflows.users import actor_for

    from ..factories import with_uploads
    from .conftest import hazard_data
    from .pages import Browser

    jinan = Browser(app, "jinan")
    before = jinan.get("/monitor/process").headers["Location"]
    rt = app.extensions["hazardflow"]
    with rt.db.connect() as conn:
        safety2 = actor_for(conn, "safety2")
    found = hazard_data(unit_code="LA-YA-H01", photos_before=["ev-before-1"])
    cases.report_hazard(rt, safety2, with_uploads(rt, found, "safety2"))
    assert jinan.get("/monitor/process").headers["Location"] == before
