"""Add the domain's vocabulary to the extracted catalog template (messages.pot).

The vocabulary is every label the domain keeps in a table and a page shows through gettext:
each module-level dict, list, tuple or set literal of ``workflows/`` and ``web/`` (its
strings, at any depth, and the arguments of the calls inside it, such as the assessment's
``Rule(…)``) whose strings hold Chinese, found by reading the source, so a table added later
is in the catalog without being listed here. ``NOT_VOCABULARY`` names the tables that are
not labels, each with its reason, and demo modules hold data. Then the titles and
descriptions of the JSON Schema forms, the names of the bundled BPMN processes and user
tasks, and the incident phrases. English users see them translated once
web/translations/en has them (``tests/web/test_i18n.py`` checks that it does).
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("workflows", "web")
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")  # with CJK punctuation

# "folder/module.py:NAME" -> why its strings are not labels to translate
NOT_VOCABULARY: dict[str, str] = {
    "workflows/campaigns.py:FOUNDING": "the founding campaign as seeded: data in the database",
    "workflows/legal_texts.py:SEEDS": "articles of law, quoted as enacted (seeded as data)",
    "workflows/ledger_import.py:FIELDS": "headers an imported sheet may use, matched as written",
    "workflows/ledger_import_check.py:_FOOTER": "footer words of an imported sheet",
    "workflows/ledger_import_check.py:ORDERED_WORDS": "status words of an imported sheet",
    "workflows/ledger_import_check.py:CLOSED_WORDS": "status words of an imported sheet",
    "workflows/ledger_import_check.py:FIXED_WORDS": "status words of an imported sheet",
    "workflows/unit_import.py:TEMPLATE_HEADER": "the headers an imported sheet must have",
    "workflows/duty_export.py:HEADERS": "columns of the Chinese spreadsheet sent to offices",
    "workflows/exports.py:LEDGER_HEADERS": "columns of the Chinese ledger spreadsheet",
    "workflows/reports.py:CONSOLIDATED_COLUMNS": "columns of the Chinese report spreadsheet",
    "web/errors.py:HTTP_MESSAGES": "answers written '中文 (English)', as every error message",
    "web/i18n.py:LANGUAGES": "each language's name in itself",
}
NOT_SCANNED = ("web/api/",)  # the API's descriptions: '中文 (English)', in the OpenAPI document


def _strings(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if CHINESE.search(node.value):
            yield node.value
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings(value)
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        for element in node.elts:
            yield from _strings(element)
    elif isinstance(node, ast.Call):
        for argument in node.args:
            yield from _strings(argument)
        for keyword in node.keywords:
            yield from _strings(keyword.value)


def label_tables() -> dict[str, list[str]]:
    """Every module-level table of labels in the source: "path:NAME" -> its Chinese strings
    (the tables of ``NOT_VOCABULARY`` included, for the test that keeps that list honest)."""
    tables: dict[str, list[str]] = {}
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "demo" in path.name or relative.startswith(NOT_SCANNED):
                continue
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                    name, value = node.targets[0].id, node.value
                elif (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                      and node.value is not None):
                    name, value = node.target.id, node.value
                else:
                    continue
                if isinstance(value, ast.Dict | ast.List | ast.Tuple | ast.Set):
                    found = list(dict.fromkeys(_strings(value)))
                    if found:
                        tables[f"{relative}:{name}"] = found
    return tables


def vocabulary() -> set[str]:
    from hazardflow.workflows.incident_text import VOCABULARY as INCIDENTS

    words: set[str] = set(INCIDENTS)
    for table, strings in label_tables().items():
        if table not in NOT_VOCABULARY:
            words.update(strings)
    for form in (ROOT / "bpmn" / "forms").glob("*.json"):
        schema = json.loads(form.read_text(encoding="utf-8"))
        stack = [schema]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                for key in ("title", "description"):
                    if isinstance(node.get(key), str):
                        words.add(node[key])
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    for bpmn in (ROOT / "bpmn").glob("*.bpmn"):
        words.update(re.findall(r'<bpmn:(?:userTask|process)[^>]* name="([^"]+)"',
                                bpmn.read_text(encoding="utf-8")))
    return {w for w in words if w.strip()}


def main(pot_path: str) -> None:
    path = Path(pot_path)
    with path.open("rb") as f:
        catalog = read_po(f)
    for word in sorted(vocabulary()):
        if word not in catalog:
            catalog.add(word)
    with path.open("wb") as f:
        write_po(f, catalog, omit_header=False, sort_output=True, width=100)


if __name__ == "__main__":
    main(sys.argv[1])
