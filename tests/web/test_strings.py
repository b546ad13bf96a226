"""No English sentence reaches a user without a Chinese text.

The rule, precisely:

* An **English phrase** is three or more consecutive English words: runs of Latin letters
  (apostrophes and hyphens inside a word allowed) separated only by spaces, commas or
  hyphens; ``BPMN`` or ``Excel`` alone, ``PDF 下载`` or an id such as ``Task_Rectify``
  (an underscore joins it into one token, not words) are not phrases.
* **Templates** (every ``*.html`` under ``web/templates``): Jinja expressions
  (``{{ … }}``), statements (``{% … %}``) and comments (``{# … #}``) are removed first, so
  whatever a translation call (``_('…')``, ``gettext``, ``ngettext``) renders is never
  checked here (its source is Chinese and the English is in the catalog, which
  ``test_i18n`` checks); so are ``<script>`` and ``<style>`` bodies (code, not text).  What
  remains is checked where a user reads it: every text node, and the attributes
  ``title``, ``placeholder``, ``aria-label``, ``alt`` and the ``value`` of a button or a
  submit/reset/button input.  Any English phrase there fails, Chinese beside it or not:
  a literal in a template is not translated.
* **Messages in code** (every ``*.py`` under ``web/`` and ``workflows/``): the first
  argument of ``flash(…)``, of ``InvalidInput``, ``Forbidden``, ``Conflict`` and
  ``NotFound`` raised to pages and answers, and of ``Detail`` (a field's message): its
  string literal parts, f-strings included.
  The project writes them "中文 (English)": a message passes when its literal text holds
  Chinese; one that holds an English phrase and no Chinese fails.  Messages passed through
  a variable are checked where the literal is written (the call that builds them, when
  it is one of the above, or a ``_()`` call whose source is checked by ``test_i18n``); a
  message passed as a module-level constant of the same file is checked as its literal.
* **The engine's messages** (every ``*.py`` under ``engine/``), by the same rule: what
  reaches a user from the engine is the message of its own errors, which ``web/`` answers
  as a 4xx or flashes (``NotFound``, ``Forbidden``, ``Conflict``, ``InvalidInput``,
  ``DeploymentError``, ``PayloadTooLarge``, ``StartFailed``, ``ProcessFailed``), the
  located problems it reports (``Detail``; the designer's lint and validation problems
  built by ``_at(node, message)``; a form definition's problems, ``refuse(path,
  message)``), a migration's refusal (``Blocked``, and an item's ``reason=``), and what
  becomes an incident's message in the monitor or a lint problem in the designer
  (``ExpressionError``, ``WorkflowTaskException``, ``DepthTrap``).  Python's own
  exceptions (``ValueError``, ``TypeError``, ``RuntimeError``, ``AssertionError``,
  ``SyntaxError``) and the form checker's internal ones (``PatternError``,
  ``FormTooComplex``, ``NoSuchResource``, turned into Chinese problems where they are
  caught) are programming errors or internal signals, never shown as such: not checked.
  The text of a third-party exception (SpiffWorkflow's, a handler's) is quoted in the
  English part; the monitor's technical view and the designer may show element ids, the
  messages a task's doer reads name none.

``ALLOWED`` lists the few exceptions, each with its reason; ``ALLOWED_FILES`` the files
left out whole, each with its reason (a test fails once one of them is clean).
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "web" / "templates"
CODE = [ROOT / "web", ROOT / "workflows"]
ENGINE = ROOT / "engine"

WORD = r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*"
PHRASE = re.compile(rf"(?<![\w.@/:_-]){WORD}(?:[ ,\-]+{WORD}){{2,}}(?![\w@/_])")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
MESSAGE_CALLS = {"flash", "InvalidInput", "Forbidden", "Conflict", "NotFound", "Detail"}
# the engine's message-carrying calls: name -> which positional argument is the message
ENGINE_MESSAGES = {
    **dict.fromkeys(("NotFound", "Forbidden", "Conflict", "InvalidInput", "DeploymentError",
                     "PayloadTooLarge", "StartFailed", "ProcessFailed", "Detail", "Blocked",
                     "ExpressionError", "WorkflowTaskException", "DepthTrap"), 0),
    "_at": 1, "refuse": 1,
}
MESSAGE_KEYWORDS = {"reason"}  # the engine's only: a migration item's refusal
WEB_MESSAGES = dict.fromkeys(MESSAGE_CALLS, 0)

# (file relative to the root, the phrase): why it may stay
ALLOWED: dict[tuple[str, str], str] = {
}
# file: why its messages are not checked yet
ALLOWED_FILES: dict[str, str] = {
}


def english_phrases(text: str) -> list[str]:
    return [m.group(0) for m in PHRASE.finditer(text)]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        named = dict(attrs)
        read = set(READ_ATTRIBUTES)
        if tag == "button" or (tag == "input"
                               and (named.get("type") or "") in ("submit", "reset", "button")):
            read.add("value")
        for name, value in attrs:
            if name in read and value:
                self.found += english_phrases(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.found += english_phrases(data)


def template_findings(source: str) -> list[str]:
    reader = _Reader()
    reader.feed(JINJA.sub(" ", source))
    reader.close()
    return reader.found


def _literal(node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_literal(v) if isinstance(v, ast.Constant) else "\x00" for v in node.values)
    if isinstance(node, ast.BinOp):
        return f"{_literal(node.left)}\x00{_literal(node.right)}"
    return ""


def _called(node: ast.Call) -> str:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return ""


def _constants(tree: ast.Module) -> dict[str, str]:
    """The module's own ``NAME = "text"`` constants."""
    return {target.id: _literal(node.value) for node in tree.body
            if isinstance(node, ast.Assign) for target in node.targets
            if isinstance(target, ast.Name) and _literal(node.value)}


def _messages(node: ast.Call, calls: dict[str, int]) -> list[ast.expr]:
    at = calls.get(_called(node))
    found = [node.args[at]] if at is not None and len(node.args) > at else []
    if calls == ENGINE_MESSAGES:
        found += [k.value for k in node.keywords if k.arg in MESSAGE_KEYWORDS]
    return found


def _calls(where: str) -> dict[str, int]:
    return ENGINE_MESSAGES if where.startswith("engine/") else WEB_MESSAGES


def code_findings(source: str, calls: dict[str, int] = WEB_MESSAGES) -> list[str]:
    tree = ast.parse(source)
    constants = _constants(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for message in _messages(node, calls):
            named = isinstance(message, ast.Name)
            text = constants.get(message.id, "") if named else _literal(message)
            if text and not CHINESE.search(text):
                found += english_phrases(text)
    return found


def _unallowed(path: Path, phrases: list[str]) -> list[str]:
    where = str(path.relative_to(ROOT))
    if where in ALLOWED_FILES:
        return []
    return [f"{where}: {p!r}" for p in phrases if (where, p) not in ALLOWED]


def test_the_rule_finds_sentences_and_leaves_ids_and_translations() -> None:
    assert english_phrases("Save all changes") == ["Save all changes"]
    assert english_phrases("Task_Rectify hazard_lifecycle v1") == []
    assert english_phrases("BPMN 流程图 PDF") == []
    assert template_findings("<p>{{ _('Save all changes') }}</p>") == []
    assert template_findings("<p>Save all changes</p>") == ["Save all changes"]
    assert template_findings('<input type="submit" value="Send it now">') == ["Send it now"]
    assert template_findings('<input name="x" value="keep as is">') == []
    assert template_findings("<script>var a = 'not a text node';</script>") == []
    assert code_findings("flash('Saved the case now')") == ["Saved the case now"]
    assert code_findings("raise InvalidInput('已保存 (Saved the case now)')") == []
    assert code_findings("raise Conflict(f'no such step {x} here')") == ["no such step"]
    assert code_findings("X = 'a sentence here'\nraise NotFound(X)") == ["a sentence here"]
    engine = ENGINE_MESSAGES
    assert code_findings("self._at(node, 'has no name yet')", engine) == ["has no name yet"]
    assert code_findings("raise Blocked('未完成 (still open here)')", engine) == []
    assert code_findings("item.update(reason='the case is open')", engine) == ["the case is open"]
    assert code_findings("raise ValueError('a programming error here')", engine) == []


def test_no_template_shows_an_untranslated_english_sentence() -> None:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        found += _unallowed(path, template_findings(path.read_text(encoding="utf-8")))
    assert found == []


def test_no_message_raised_to_a_page_is_english_only() -> None:
    found = []
    for folder in CODE:
        for path in sorted(folder.rglob("*.py")):
            found += _unallowed(path, code_findings(path.read_text(encoding="utf-8")))
    assert found == []


def test_no_message_the_engine_raises_to_a_user_is_english_only() -> None:
    found = []
    for path in sorted(ENGINE.rglob("*.py")):
        found += _unallowed(path, code_findings(path.read_text(encoding="utf-8"),
                                                ENGINE_MESSAGES))
    assert found == []


def test_the_allow_list_is_short_and_every_entry_is_still_needed() -> None:
    assert len(ALLOWED) <= 10
    for (where, phrase), reason in ALLOWED.items():
        assert reason
        text = (ROOT / where).read_text(encoding="utf-8")
        assert phrase in text, f"{where}: {phrase!r} is no longer there; drop it"
    for where, reason in ALLOWED_FILES.items():
        assert reason
        text = (ROOT / where).read_text(encoding="utf-8")
        findings = code_findings(text, _calls(where)) if where.endswith(".py") \
            else template_findings(text)
        assert findings, f"{where} is clean; drop it"
