"""The functions BPMN expressions may call (:mod:`.expressions` evaluates them): dates,
timer values in the business time zone, and bounded conversions.

Each is bounded like the evaluator's own operations: a value it makes is weighed, text it
reads is capped, so no call can grow a value without limit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from .errors import ExpressionError
from .expressions import (
    ISO_DATE,
    ISO_DATETIME,
    ISO_DURATION,
    ISO_RECURRING,
    MAX_INT_BITS,
    MAX_NUMBER_TEXT,
    MAX_ROUND_DIGITS,
    weight,
)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).date() if "T" in value \
                else date.fromisoformat(value)
        except ValueError:
            raise ExpressionError(f"{value!r} 不是 ISO 格式的日期 (not an ISO date: "
                                  f"{value!r})") from None
    raise ExpressionError(f"{value!r} 不是日期 (not a date: {value!r})")


def add_days(value: Any, days: Any) -> str:
    if not isinstance(days, int) or isinstance(days, bool) or abs(days) > 36_600:
        raise ExpressionError("add_days 的天数须为整数，最多 100 年 (add_days needs a whole "
                              "number of days, at most 100 years)")
    return (_as_date(value) + timedelta(days=days)).isoformat()


def make_timer_value(business_tz: tzinfo) -> Callable[[Any], str]:
    """Normalise what a timer or due-date expression produced into what SpiffWorkflow reads.

    A duration (``P3D``) or cycle (``R/...``) passes through; a date means the end of that
    day in the business time zone; a naive date-time is read in the business time zone.
    """
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

    def timer_value(value: Any) -> str:
        if isinstance(value, datetime):
            aware = value if value.tzinfo else value.replace(tzinfo=business_tz)
            return aware.isoformat()
        if isinstance(value, date):
            value = value.isoformat()
        if not isinstance(value, str):
            raise ExpressionError(f"定时器须为 ISO 8601 文本，实际是 {value!r} (a timer needs an "
                                  f"ISO-8601 text, got {value!r})")
        text = value.strip()
        if ISO_DURATION.match(text):
            TimerEventDefinition.parse_iso_duration(text)
            return text
        if ISO_RECURRING.match(text):
            try:
                TimerEventDefinition.parse_iso_recurring_interval(text)
            except Exception:
                raise ExpressionError(f"{text!r} 不是 ISO 8601 周期 (not an ISO-8601 cycle: "
                                      f"{text!r})") from None
            return text
        if ISO_DATE.match(text):
            day = _as_date(text) + timedelta(days=1)
            return datetime.combine(day, time(0, 0), business_tz).isoformat()
        if ISO_DATETIME.match(text):
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=business_tz)
            return moment.isoformat()
        raise ExpressionError(
            f"{text!r} 不是 ISO 8601 时长、日期或日期时间，请写 P7D 而不是 '7 days' (not an "
            f"ISO-8601 duration, date or date-time: {text!r}; write P7D, not '7 days')")

    return timer_value


def _number_text(value: Any, what: str) -> Any:
    if isinstance(value, str) and len(value) > MAX_NUMBER_TEXT:
        raise ExpressionError(f"{what}() 最多读取 {MAX_NUMBER_TEXT} 个字符 ({what}() reads "
                              f"at most {MAX_NUMBER_TEXT} characters)")
    return value


def safe_str(value: Any = "") -> str:
    """``str()`` of a value no larger than the evaluator's limits."""
    weight(value)
    return str(value)


def safe_int(value: Any = 0, base: int | None = None) -> int:
    _number_text(value, "int")
    if isinstance(value, float) and abs(value) >= 2.0 ** MAX_INT_BITS:
        raise ExpressionError(f"整数超过 {MAX_INT_BITS} 位 (integer larger than {MAX_INT_BITS} "
                              "bits)")
    return int(value) if base is None else int(value, base)


def safe_float(value: Any = 0.0) -> float:
    return float(_number_text(value, "float"))


def safe_round(number: Any, ndigits: Any = None) -> Any:
    if ndigits is None:
        return round(number)
    if not isinstance(ndigits, int) or abs(ndigits) > MAX_ROUND_DIGITS:
        raise ExpressionError(f"round() 最多保留 {MAX_ROUND_DIGITS} 位小数 (round() takes at "
                              f"most {MAX_ROUND_DIGITS} digits)")
    return round(number, ndigits)


def default_functions(business_tz: tzinfo) -> dict[str, Callable[..., Any]]:
    """The functions expressions may call: each bounds its work before doing it."""
    return {
        "add_days": add_days,
        "timer_value": make_timer_value(business_tz),
        "len": len, "str": safe_str, "int": safe_int, "float": safe_float, "bool": bool,
        "abs": abs, "min": min, "max": max, "round": safe_round,
    }
