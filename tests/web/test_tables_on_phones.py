"""Every list table reads on a phone: as cards, each value under its column's name.

On a phone (``@media (max-width: 720px)`` in ``web/static/app.css``) a
``table.list.responsive`` drops its header row and shows each row as a card, each cell
prefixed by its ``data-label``.  A table that is not marked, or a cell without a label,
shows values nobody can name, or a table wider than the screen.  The rule, checked on
the source of every ``*.html`` under ``web/templates`` (pure parsing, no app):

* A **list table** is a ``<table>`` with a ``<thead>``.  It carries the classes ``list``
  and ``responsive``, or it is a wide matrix (a roster month, a grid of checkboxes)
  marked ``data-phone="scroll"`` inside an element of class ``scroll-x`` (scrolls
  sideways within the page, never widens it); each such matrix is named in ``SCROLL``
  with its reason.
* Every ``<td>`` of a responsive list table's body (rows included with
  ``{% include %}`` inside it count as its body) has a ``data-label`` naming one of the
  table's column headers the same way: the same ``_('…')`` msgid, or the same text.  A
  column whose header shows no text (a select-all checkbox) takes ``data-label=""``,
  which shows no label.  A cell spanning columns (``colspan``: "nothing yet" rows,
  totals) needs none.
* A table without ``<thead>`` is a record, not a list (key/value rows): not checked.

``PENDING`` lists the templates other work is rewriting now, left out whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatch
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"

# template: why it is not checked yet
_CONCURRENT = "written concurrently; fix after"
PENDING: dict[str, str] = dict.fromkeys((
    "ui/drill_*", "ui/report_*", "ui/_hazard.html", "ui/case.html", "ui/task.html",
), _CONCURRENT)

# template holding a data-phone="scroll" matrix: why it stays a table on a phone
SCROLL: dict[str, str] = {
    "ui/account_notifications_grid.html": "a grid of checkboxes, kinds of notice × channels: "
                                          "a choice is read by its row and its column at once",
    "ui/ledger_import.html": "the uploaded sheet's first rows as they are, with the sheet's own "
                             "columns (any number), to check the column mapping against",
    "ui/duty_print.html": "the month's roster to print on A4 (its own page, no app.css): "
                          "the paper form stays a table, on a phone it scrolls sideways",
    "ui/consultation_minutes.html": "a consultation's minutes to print on A4 (its own page, no "
                                    "app.css): the actions stay a table, on a phone it scrolls",
}

MSGID = re.compile(r"""\b_\(\s*(['"])(.*?)\1""", re.S)
COMMENT = re.compile(r"\{#.*?#\}", re.S)
STATEMENT = re.compile(r"\{%-?\s*(\w+)(.*?)-?%\}", re.S)
INCLUDE_NAME = re.compile(r"""['"]([^'"]+)['"]""")


def key(source: str) -> str:
    """What a header or a label names: its first ``_()`` msgid, else its text."""
    found = MSGID.search(source)
    return found.group(2) if found else " ".join(source.split())


def blank(match: re.Match[str]) -> str:
    """A Jinja statement or comment as spaces (lines kept); an include as a marker tag."""
    text = match.group(0)
    if match.re is STATEMENT and match.group(1) == "include":
        name = INCLUDE_NAME.search(match.group(2))
        if name:
            return f'<hf-include src="{name.group(1)}">'
    return re.sub(r"[^\n]", " ", text)


def markup(text: str) -> str:
    """A template's HTML: Jinja comments and statements blanked, includes as markers."""
    return STATEMENT.sub(blank, COMMENT.sub(blank, text))


@dataclass
class Table:
    where: str
    classes: set[str]
    phone: str | None
    in_scroll: bool
    headers: set[str] = field(default_factory=set)
    has_head: bool = False
    cells: list[tuple[str, str | None]] = field(default_factory=list)  # (where, label)


@dataclass
class Open:
    tag: str
    attrs: dict[str, str | None]
    text: list[str] = field(default_factory=list)


class Tables(HTMLParser):
    """The tables of one template; ``table`` set when parsing rows included into one."""

    VOID = {"br", "img", "input", "hr", "meta", "link", "col", "wbr", "source", "hf-include"}

    def __init__(self, name: str, found: list[Table], table: Table | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.name, self.found = name, found
        self.stack: list[Open] = []
        self.tables: list[Table] = [table] if table else []

    def where(self) -> str:
        return f"{self.name}:{self.getpos()[0]}"

    def inside(self, tag: str) -> bool:
        return any(o.tag == tag for o in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "hf-include":
            if self.tables and attr.get("src"):
                include(str(attr["src"]), self.found, self.tables[-1])
            return
        if tag == "table":
            scroll = any("scroll-x" in (o.attrs.get("class") or "").split() for o in self.stack)
            table = Table(self.where(), set((attr.get("class") or "").split()),
                          attr.get("data-phone"), scroll)
            self.tables.append(table)
            self.found.append(table)
        elif tag == "thead" and self.tables:
            self.tables[-1].has_head = True
        elif tag == "td" and self.tables and not self.inside("thead") and "colspan" not in attr:
            self.tables[-1].cells.append((self.where(), attr.get("data-label")))
        if tag not in self.VOID:
            self.stack.append(Open(tag, attr))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID or not any(o.tag == tag for o in self.stack):
            return
        while self.stack:
            closed = self.stack.pop()
            if closed.tag == "th" and self.tables:
                self.tables[-1].headers.add(key("".join(closed.text)))
            if closed.tag == "table" and self.tables:
                self.tables.pop()
            if closed.tag == tag:
                return

    def handle_data(self, data: str) -> None:
        for o in self.stack:
            if o.tag == "th":
                o.text.append(data)


def include(name: str, found: list[Table], table: Table | None = None) -> None:
    if any(fnmatch(name, pattern) for pattern in PENDING):
        return
    parse(name, (TEMPLATES / name).read_text(encoding="utf-8"), found, table)


def parse(name: str, text: str, found: list[Table], table: Table | None = None) -> None:
    parser = Tables(name, found, table)
    parser.feed(markup(text))
    parser.close()


def templates() -> list[str]:
    return sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html"))


def problems(table: Table) -> list[str]:
    if not table.has_head:
        return []
    if table.phone == "scroll":
        where = table.where.split(":")[0]
        if not table.in_scroll:
            return [f"{table.where}: a scroll matrix outside a .scroll-x wrapper"]
        if where not in SCROLL:
            return [f"{table.where}: a scroll matrix not named in SCROLL with its reason"]
        return []
    if not {"list", "responsive"} <= table.classes:
        return [f"{table.where}: a list table without class=\"list responsive\""]
    out = []
    for where, label in table.cells:
        if label is None:
            out.append(f"{where}: a cell without data-label")
        elif key(label) not in table.headers:
            out.append(f"{where}: data-label {label!r} names no column of {table.where}")
    return out


@cache
def all_tables() -> tuple[Table, ...]:
    found: list[Table] = []
    for name in templates():
        include(name, found)
    return tuple(found)


def test_every_list_table_shows_each_value_under_its_column_name_on_a_phone() -> None:
    found = all_tables()
    assert sum(t.has_head for t in found) > 40  # the parser sees the list tables
    offenders = [p for t in found for p in problems(t)]
    assert not offenders, "\n".join(offenders)


def test_every_named_scroll_matrix_still_exists() -> None:
    marked = {t.where.split(":")[0] for t in all_tables() if t.phone == "scroll"}
    assert set(SCROLL) <= marked, set(SCROLL) - marked


def test_a_cell_without_label_and_a_label_naming_no_column_are_found() -> None:
    table = Table("x.html:1", {"list", "responsive"}, None, False, {"状态"}, True,
                  [("x.html:3", None), ("x.html:4", "{{ _('单位') }}"),
                   ("x.html:5", "{{ _('状态') }}")])
    assert problems(table) == ["x.html:3: a cell without data-label",
                               "x.html:4: data-label \"{{ _('单位') }}\" names no column of "
                               "x.html:1"]


def test_the_parser_reads_headers_labels_and_rows_a_loop_writes_outside_comments() -> None:
    found: list[Table] = []
    parse("x.html", """{# <table><thead></thead><tr><td>commented out</td></tr></table> #}
<table class="list responsive"><thead><tr><th>{{ _('单位') }}</th><th></th>
  {% for c in cols %}<th>{{ _(c.name) }}</th>{% endfor %}</tr></thead>
  <tbody>{% for r in rows %}<tr><td data-label="{{ _('单位') }}">{{ r.unit }}</td>
  <td data-label="">{% if r.open %}<a href="#">x</a>{% endif %}</td>
  {% for c in cols %}<td data-label="{{ _(c.name) }}">1</td>{% endfor %}<td>{{ r.x }}</td></tr>
  {% else %}<tr><td colspan="3">{{ _('无') }}</td></tr>{% endfor %}</tbody></table>""", found)
    assert len(found) == 1 and found[0].headers == {"单位", "", "{{ _(c.name) }}"}
    assert [label for _, label in found[0].cells] == [
        "{{ _('单位') }}", "", "{{ _(c.name) }}", None]
    assert problems(found[0]) == ["x.html:6: a cell without data-label"]
