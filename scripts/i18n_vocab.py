"""Add the domain's vocabulary to the extracted catalog template (messages.pot): roles,
levels, categories, statuses and sources, and the titles and descriptions of the bundled
BPMN tasks and JSON Schema forms. Pages show these through gettext, so English users see
them translated once web/translations/en has them.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def vocabulary() -> set[str]:
    from hazardflow.web.ui import CASE_STATUSES
    from hazardflow.workflows.inbox import SORTS
    from hazardflow.workflows.incident_text import VOCABULARY as INCIDENTS
    from hazardflow.workflows.ledger import CATEGORIES, LEVELS, SOURCES, STATUSES
    from hazardflow.workflows.monitor import KINDS as STUCK_KINDS
    from hazardflow.workflows.repair import ACTIONS as REPAIRS
    from hazardflow.workflows.roles import ROLES, UNIT_KINDS

    words: set[str] = set()
    for table in (CATEGORIES, LEVELS, SOURCES, STATUSES, ROLES, UNIT_KINDS, CASE_STATUSES,
                  SORTS, STUCK_KINDS, REPAIRS):
        words.update(table.values())
    words.update(INCIDENTS)
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
