"""The one evaluator every BPMN expression goes through.

Gateway conditions, timer expressions, due dates, assignees and priorities are single
expressions over case data. They are parsed with :mod:`ast` and evaluated by walking a
whitelist of node types: names, literals, arithmetic, comparisons, boolean logic,
conditional expressions, subscripts and calls of registered functions. There is no
attribute access at all (so no ``__class__`` walk), no comprehension, lambda or loop, and every
operation that could grow a value is bounded, because a thread cannot be interrupted
mid-evaluation.

``${...}`` wraps an expression, as the Camunda properties panel writes it; a bare ISO-8601
duration, date or date-time in a timer is a literal.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from .errors import ExpressionError

MAX_SOURCE = 2_000
MAX_NODES = 200
MAX_STRING = 100_000
MAX_SEQUENCE = 10_000
MAX_INT_BITS = 256
MAX_EXPONENT = 64
MAX_ROUND_DIGITS = 30  # round(x, n): |n| at most this
MAX_NUMBER_TEXT = 100  # int()/float() read at most this many characters of text

_WRAPPED = re.compile(r"^\s*\$\{(.*)\}\s*$", re.S)
ISO_DURATION = re.compile(
    r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
ISO_RECURRING = re.compile(r"^R\d*/")

_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_CMPOPS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b, ast.Is: operator.is_, ast.IsNot: operator.is_not,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos,
}
_ALLOWED = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.BinOp, ast.UnaryOp, ast.Compare,
    ast.IfExp, ast.Call, ast.Constant, ast.Name, ast.Load, ast.List, ast.Tuple, ast.Dict,
    ast.Subscript, *_BINOPS, *_CMPOPS, *_UNARY,
)


def unwrap(text: str) -> str:
    """``${expr}`` → ``expr``; anything else is returned stripped."""
    match = _WRAPPED.match(text)
    return match.group(1).strip() if match else text.strip()


def is_iso_literal(text: str) -> bool:
    value = text.strip()
    return bool(ISO_DURATION.match(value) or ISO_DATE.match(value) or ISO_DATETIME.match(value)
                or ISO_RECURRING.match(value))


def timer_source(text: str) -> str:
    """The expression a timer definition evaluates: a bare ISO literal becomes a quoted one."""
    if not _WRAPPED.match(text) and is_iso_literal(text):
        return repr(text.strip())
    return unwrap(text)


@lru_cache(maxsize=4096)
def _parse(source: str) -> ast.Expression:
    if not isinstance(source, str):
        raise ExpressionError("没有可计算的表达式 (no expression to evaluate)")
    if len(source) > MAX_SOURCE:
        raise ExpressionError(f"表达式超过 {MAX_SOURCE} 个字符 (expression longer than "
                              f"{MAX_SOURCE} characters)")
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError) as exc:
        reason = getattr(exc, "msg", None) or str(exc)
        raise ExpressionError(f"表达式 {source!r} 有语法错误 (syntax error in expression "
                              f"{source!r}: {reason})") from None
    count = 0
    for node in ast.walk(tree):
        count += 1
        if not isinstance(node, _ALLOWED):
            raise ExpressionError(f"表达式中不允许 {type(node).__name__} "
                                  f"({type(node).__name__} is not allowed in expressions "
                                  f"({source!r}))")
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ExpressionError(f"不允许使用名称 {node.id!r} (name {node.id!r} is not allowed)")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise ExpressionError(f"只能调用已登记的函数 (only registered functions can be "
                                      f"called ({source!r}))")
            if any(isinstance(a, ast.Starred) for a in node.args) \
                    or any(k.arg is None for k in node.keywords):
                raise ExpressionError("不允许参数解包 (argument unpacking is not allowed)")
        if isinstance(node, ast.Dict) and any(k is None for k in node.keys):
            raise ExpressionError("不允许字典解包 (dictionary unpacking is not allowed)")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (bytes, complex)):
                raise ExpressionError("不允许字节串和复数常量 (bytes and complex literals are not "
                                      "allowed)")
            _check_size(node.value)
    if count > MAX_NODES:
        raise ExpressionError(f"表达式超过 {MAX_NODES} 个组成部分 (expression has more than "
                              f"{MAX_NODES} parts)")
    return tree


def names_in(source: str) -> set[str]:
    """Variable names an expression reads (function names excluded)."""
    tree = _parse(source)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called}


def functions_in(source: str) -> set[str]:
    tree = _parse(source)
    return {n.func.id for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def weight(value: Any) -> tuple[int, int]:
    """(items, characters) of a value counted through every nesting level.

    A list repeated by reference (``[[0] * 100] * 100``) is cheap to build and costly to
    print or compare; its weight counts what printing or comparing it would visit. The walk
    stops as soon as either count passes its limit, so it costs at most that much.
    """
    items = chars = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            chars += len(item)
            if chars > MAX_STRING:
                raise ExpressionError(f"文本超过 {MAX_STRING} 个字符 (text longer than "
                                      f"{MAX_STRING} characters)")
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if item.bit_length() > MAX_INT_BITS:
                raise ExpressionError(f"整数超过 {MAX_INT_BITS} 位 (integer larger than "
                                      f"{MAX_INT_BITS} bits)")
        elif isinstance(item, (list, tuple, dict)):
            items += len(item)
            if items > MAX_SEQUENCE:
                raise ExpressionError(f"集合超过 {MAX_SEQUENCE} 项 (collection larger than "
                                      f"{MAX_SEQUENCE} items)")
            stack.extend(item.items() if isinstance(item, dict) else item)
    return items, chars


def _check_size(value: Any) -> Any:
    """Refuse a value this evaluator built when it, or anything inside it, is too large."""
    weight(value)
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float))


def _guard_binop(op: ast.operator, left: Any, right: Any) -> None:
    """Refuse an operation before it runs when its result could be huge."""
    if isinstance(op, ast.Pow):
        if not isinstance(right, (int, float)) or abs(right) > MAX_EXPONENT:
            raise ExpressionError(f"指数超过 {MAX_EXPONENT} (exponent larger than {MAX_EXPONENT})")
        if isinstance(left, int) and left.bit_length() * max(int(abs(right)), 1) > MAX_INT_BITS:
            raise ExpressionError(f"乘方结果超过 {MAX_INT_BITS} 位 (power result larger than "
                                  f"{MAX_INT_BITS} bits)")
    if isinstance(op, ast.Mod) and not (_is_number(left) and _is_number(right)):
        raise ExpressionError("% 只能用于数字，不允许文本格式化 (% works on numbers only: text "
                              "formatting is not allowed)")
    if isinstance(op, ast.Mult):
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(count, int):
                items, chars = weight(seq)
                times = max(count, 0)
                if items * times > MAX_SEQUENCE or chars * times > MAX_STRING:
                    raise ExpressionError("重复后的序列过长 (repeated sequence too long)")
        if isinstance(left, int) and isinstance(right, int):
            if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise ExpressionError(f"乘积超过 {MAX_INT_BITS} 位 (product larger than "
                                      f"{MAX_INT_BITS} bits)")
    if isinstance(op, ast.Add) and isinstance(left, (str, list, tuple)) \
            and isinstance(right, (str, list, tuple)) and len(left) + len(right) > MAX_STRING:
        raise ExpressionError("拼接结果过长 (concatenation too long)")


class Evaluator:
    """Evaluates whitelisted expressions over a mapping of variables.

    A variable the data does not hold evaluates to ``None`` (a form field left empty);
    which names may appear at all is checked when a definition is deployed.
    """

    def __init__(self, functions: Mapping[str, Callable[..., Any]]) -> None:
        self.functions = dict(functions)

    def check(self, source: str) -> None:
        """Raise :class:`ExpressionError` unless ``source`` parses and calls known functions."""
        unknown = functions_in(source) - set(self.functions)
        if unknown:
            raise ExpressionError(f"未知的函数：{', '.join(sorted(unknown))} (unknown function(s))")

    def evaluate(self, source: str, data: Mapping[str, Any]) -> Any:
        tree = _parse(source)
        try:
            return self._eval(tree.body, data)
        except ExpressionError:
            raise
        except RecursionError:
            raise ExpressionError("表达式嵌套过深 (expression nested too deeply)") from None
        except MemoryError:
            raise ExpressionError(f"计算表达式 {source!r} 时内存不足 (out of memory evaluating "
                                  f"{source!r})") from None
        except Exception as exc:  # a TypeError, ZeroDivisionError... from the user's data
            raise ExpressionError(f"计算表达式 {source!r} 出错 ({type(exc).__name__}: {exc} in "
                                  f"{source!r})") from None

    def _eval(self, node: ast.expr, data: Mapping[str, Any]) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[node.id]
            return data.get(node.id)
        if isinstance(node, ast.BoolOp):
            result: Any = None
            for value_node in node.values:
                result = self._eval(value_node, data)
                if isinstance(node.op, ast.And) and not result:
                    return result
                if isinstance(node.op, ast.Or) and result:
                    return result
            return result
        if isinstance(node, ast.BinOp):
            left, right = self._eval(node.left, data), self._eval(node.right, data)
            _guard_binop(node.op, left, right)
            return _check_size(_BINOPS[type(node.op)](left, right))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](self._eval(node.operand, data))
        if isinstance(node, ast.Compare):
            left = self._eval(node.left, data)
            for op, comp_node in zip(node.ops, node.comparators, strict=True):
                right = self._eval(comp_node, data)
                if not _CMPOPS[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            branch = node.body if self._eval(node.test, data) else node.orelse
            return self._eval(branch, data)
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self._eval(e, data) for e in node.elts]
            return _check_size(items if isinstance(node, ast.List) else tuple(items))
        if isinstance(node, ast.Dict):
            return _check_size({self._eval(k, data): self._eval(v, data)
                                for k, v in zip(node.keys, node.values, strict=True)
                                if k is not None})
        if isinstance(node, ast.Subscript):
            container = self._eval(node.value, data)
            if isinstance(node.slice, ast.Slice):
                raise ExpressionError("不允许切片 (slices are not allowed)")
            return container[self._eval(node.slice, data)]
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            func = self.functions.get(node.func.id)
            if func is None:
                raise ExpressionError(f"未知的函数 {node.func.id!r} (unknown function "
                                      f"{node.func.id!r})")
            args = [self._eval(a, data) for a in node.args]
            kwargs = {k.arg: self._eval(k.value, data) for k in node.keywords if k.arg}
            return _check_size(func(*args, **kwargs))
        raise ExpressionError(f"不允许 {type(node).__name__} ({type(node).__name__} is not "
                              "allowed)")
