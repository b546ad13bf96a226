"""What a form schema must pass, beyond the Draft 2020-12 metaschema, before it is deployed.

Each refusal names the form and the JSON path of the offending keyword. See
:mod:`.formsafe` for why each rule exists and for the limits.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from .errors import Detail
from .formsafe import (
    DIALECT,
    LISTS,
    MAPS,
    MAX_FORM_BYTES,
    MAX_FORM_DEPTH,
    MAX_FORM_EXPANDED,
    MAX_FORM_PROPERTIES,
    REFUSED_KEYWORDS,
    SINGLE,
    PatternError,
    compile_pattern,
    encoded_size,
)

Path = tuple[str, ...]
_REFS = ("$ref", "$dynamicRef")


def _dotted(path: Path) -> str:
    return ".".join(path) or "(root)"


def _walk(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every JSON value with its path (depth already bounded by :func:`_too_deep`)."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, str(index)))


def _too_deep(schema: Any) -> bool:
    stack = [(schema, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth >= MAX_FORM_DEPTH:
                return True
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
    return False


def _subschemas(node: dict[str, Any], path: Path) -> Iterator[tuple[Any, Path]]:
    for word in SINGLE:
        child = node.get(word)
        if isinstance(child, (dict, bool)):
            yield child, (*path, word)
        elif isinstance(child, list):  # an old-style "items" array; the metaschema refuses it
            yield from ((c, (*path, word, str(i))) for i, c in enumerate(child))
    for word in MAPS:
        children = node.get(word)
        if isinstance(children, dict):
            yield from ((c, (*path, word, str(k))) for k, c in children.items())
    for word in LISTS:
        children = node.get(word)
        if isinstance(children, list):
            yield from ((c, (*path, word, str(i))) for i, c in enumerate(children))


class _Expansion:
    """Follows every subschema and ``#...`` reference once, with the checks that apply to
    schemas, and counts the subschemas a validation could visit (refs followed)."""

    def __init__(self, key: str, root: dict[str, Any]) -> None:
        self.key = key
        self.root = root
        self.problems: list[Detail] = []
        self.properties = 0
        self.sizes: dict[int, int] = {}
        self.active: set[int] = set()
        self.anchors = {str(v.get(word)): v for _, v in _walk(root) if isinstance(v, dict)
                        for word in ("$anchor", "$dynamicAnchor") if word in v}

    def refuse(self, path: Path, message: str) -> None:
        self.problems.append(Detail(f"表单 {self.key!r} 的 {_dotted(path)}：{message}",
                                    field=self.key))

    def resolve(self, ref: str) -> Any:
        fragment = unquote(ref[1:])
        if not fragment.startswith("/"):
            return self.root if fragment == "" else self.anchors.get(fragment)
        node: Any = self.root
        for part in fragment[1:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node

    def size(self, node: Any, path: Path) -> int:
        if not isinstance(node, dict):
            return 1
        if id(node) in self.sizes:
            return self.sizes[id(node)]
        if id(node) in self.active:
            self.refuse(path, "表单中不允许递归引用 (a recursive $ref is not allowed in a form)")
            return MAX_FORM_EXPANDED + 1
        self.active.add(id(node))
        self.check(node, path)
        total = 1
        for child, child_path in _subschemas(node, path):
            total += self.size(child, child_path)
            if total > MAX_FORM_EXPANDED:
                break
        for word in _REFS:
            ref = node.get(word)
            if isinstance(ref, str) and ref.startswith("#") and total <= MAX_FORM_EXPANDED:
                target = self.resolve(ref)
                if target is None:
                    self.refuse((*path, word), f"引用 {ref!r} 在表单中找不到 ({ref!r} points "
                                               "nowhere in the form)")
                else:
                    total += self.size(target, (*path, word))
        self.active.discard(id(node))
        self.sizes[id(node)] = total = min(total, MAX_FORM_EXPANDED + 1)
        return total

    def check(self, node: dict[str, Any], path: Path) -> None:
        for word in REFUSED_KEYWORDS:
            if word in node:
                self.refuse((*path, word), f"表单不支持 {word} ({word} is not supported in "
                                           "forms)")
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            self.compiles((*path, "pattern"), pattern)
        for word in ("properties", "patternProperties"):
            if isinstance(node.get(word), dict):
                self.properties += len(node[word])
        if isinstance(node.get("patternProperties"), dict):
            for key in node["patternProperties"]:
                self.compiles((*path, "patternProperties", str(key)), str(key))

    def compiles(self, path: Path, pattern: str) -> None:
        try:
            compile_pattern(pattern)
        except PatternError as exc:
            self.refuse(path, f"不支持正则表达式 {pattern!r}：须为 RE2 写法，不能有反向引用或"
                              f"环视 (pattern {pattern!r} is not supported ({exc}); patterns are "
                              "RE2: no backreferences or lookaround)")


def _reference_problems(key: str, schema: dict[str, Any]) -> list[Detail]:
    """References and identifiers anywhere in the form, data positions included (a
    ``#/...`` pointer could make any object a schema)."""
    problems = []

    def refuse(path: Path, message: str) -> None:
        problems.append(Detail(f"表单 {key!r} 的 {_dotted(path)}：{message}", field=key))

    for path, node in _walk(schema):
        if not isinstance(node, dict):
            continue
        for word in _REFS:
            ref = node.get(word)
            if isinstance(ref, str) and not ref.startswith("#"):
                refuse((*path, word), f"只能引用表单内部（#...），不能引用 {ref!r} (only "
                                      f"references inside the form (#...) are allowed)")
        if isinstance(node.get("$id"), str) and path:
            refuse((*path, "$id"), "表单内部不允许 $id (an embedded $id is not allowed: it "
                                   "would re-base the references under it)")
        dialect = node.get("$schema")
        if isinstance(dialect, str) and (path or dialect.rstrip("#") != DIALECT):
            refuse((*path, "$schema"), f"表单须为 JSON Schema {DIALECT!r}，只在顶层声明一次 "
                                       f"(forms are JSON Schema {DIALECT!r}, declared once, at "
                                       "the top)")
    return problems


def schema_problems(key: str, schema: dict[str, Any]) -> list[Detail]:
    """Size, references, patterns and expansion of one form; [] when it may be deployed."""
    if _too_deep(schema):
        return [Detail(f"表单 {key!r} 嵌套超过 {MAX_FORM_DEPTH} 层 (form {key!r} nests deeper "
                       f"than {MAX_FORM_DEPTH} levels)", field=key)]
    size = encoded_size(schema)
    if size > MAX_FORM_BYTES:
        return [Detail(f"表单 {key!r} 过大：{size} 字节，最多 {MAX_FORM_BYTES} 字节 (form {key!r} "
                       f"is {size} bytes; a form may have at most {MAX_FORM_BYTES})", field=key)]
    problems = _reference_problems(key, schema)
    if problems:
        return problems
    expansion = _Expansion(key, schema)
    try:
        total = expansion.size(schema, ())
    except RecursionError:
        return [Detail(f"表单 {key!r} 的引用嵌套过深 (form {key!r}: its references nest too "
                       "deeply)", field=key)]
    if total > MAX_FORM_EXPANDED and not expansion.problems:
        expansion.refuse((), f"展开引用后超过 {MAX_FORM_EXPANDED} 个子结构 (more than "
                             f"{MAX_FORM_EXPANDED} subschemas once its references are followed)")
    if expansion.properties > MAX_FORM_PROPERTIES:
        expansion.refuse((), f"字段过多：{expansion.properties} 个，最多 {MAX_FORM_PROPERTIES} 个 "
                             f"({expansion.properties} properties; a form may have at most "
                             f"{MAX_FORM_PROPERTIES})")
    return expansion.problems
