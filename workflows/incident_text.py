"""What a supervisor reads about an incident (流程故障): a Chinese sentence and the step's name.

An incident's stored ``message`` is the engine's technical text: "中文 (English)" around a
third-party exception's own English (``服务 'notify' 的处理程序出错 (handler for topic
'notify' failed: ValueError: …)``). Pages show :func:`summary` instead, a Chinese sentence
saying what failed (服务任务失败, 条件表达式计算失败…) and why, from the exception's class
(:data:`REASONS`); the step is named by the diagram's name for the element
(:class:`ElementNames`), never by its id. The original text and the element id are shown
only in the monitor's technical view (a collapsed 技术信息).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import Connection

from hazardflow.engine import Engine

# the exception classes a handler or an expression commonly raises, by name (a subclass not
# listed is matched by the endings in _ENDINGS)
REASONS: dict[str, str] = {
    "ConnectionError": "无法连接外部服务",
    "ConnectionRefusedError": "外部服务拒绝连接",
    "ConnectionResetError": "与外部服务的连接被中断",
    "ConnectionAbortedError": "与外部服务的连接被中断",
    "BrokenPipeError": "与外部服务的连接被中断",
    "RemoteDisconnected": "外部服务意外断开连接",
    "TimeoutError": "外部服务响应超时",
    "ReadTimeout": "外部服务响应超时",
    "ConnectTimeout": "连接外部服务超时",
    "timeout": "外部服务响应超时",
    "gaierror": "无法解析外部服务的地址",
    "SSLError": "与外部服务的安全连接失败",
    "SSLCertVerificationError": "外部服务的安全证书无效",
    "HTTPError": "外部服务返回了错误",
    "URLError": "无法访问外部服务",
    "SMTPException": "邮件发送失败",
    "SMTPRecipientsRefused": "邮件服务器拒收收件人",
    "SMTPAuthenticationError": "邮件服务器登录失败",
    "JSONDecodeError": "外部服务返回的内容无法解析",
    "KeyError": "流程数据缺少所需的项",
    "IndexError": "流程数据中的列表项不存在",
    "ValueError": "流程数据的取值不符合要求",
    "TypeError": "流程数据的类型不符合要求",
    "AttributeError": "流程数据缺少所需的属性",
    "NameError": "引用了不存在的流程变量",
    "ZeroDivisionError": "计算时除数为零",
    "OverflowError": "计算结果超出范围",
    "MemoryError": "计算时内存不足",
    "RecursionError": "案件历史过深，无法处理",
    "PermissionError": "没有访问所需资源的权限",
    "FileNotFoundError": "所需的文件不存在",
    "OSError": "系统资源访问失败",
    "UnicodeDecodeError": "数据编码无法识别",
    "OperationalError": "数据库暂时无法访问",
    "IntegrityError": "数据与已有记录冲突",
    "DataError": "数据不符合数据库的要求",
    "NotFound": "所需的记录不存在",
    "InvalidInput": "流程数据不符合要求",
}
_ENDINGS: dict[str, str] = {"Timeout": "外部服务响应超时", "ConnectionError": "无法连接外部服务",
                            "DecodeError": "外部服务返回的内容无法解析"}
_CLASS = re.compile(r"(?<![\w])([A-Za-z_][\w.]*)\s*:")  # "Name: …", as Python prints one
FALLBACK = "处理程序出错，详见监控页的技术信息"


def reason(message: str) -> str:
    """Why, in Chinese, from the innermost exception class the text names."""
    found = _CLASS.findall(message or "")
    for name in reversed(found):  # the last named is the handler's own, inside the wrapping
        short = name.rsplit(".", 1)[-1]
        if short in REASONS:
            return REASONS[short]
        for ending, text in _ENDINGS.items():
            if short.endswith(ending):
                return text
    return FALLBACK


SERVICE = "服务任务失败"
EXPRESSION = "条件表达式计算失败"
STEP = "流程步骤失败"
SCRIPT = "脚本任务失败"
NO_HANDLER = "系统没有为该服务配置处理程序"
UNDECLARED = "处理程序返回了流程未声明的数据"
BAD_EXPRESSION = "表达式有误"
TOO_MANY = "多实例活动的实例数超过上限"
NO_SCRIPTS = "不允许使用脚本任务"
TOO_DEEP = "案件历史过深，无法处理"
AUTOMATIC = "自动步骤"  # the step's name when the diagram gives none


def parts(message: str) -> tuple[str, str]:
    """What failed and why, each a Chinese phrase of :data:`VOCABULARY` (but for the engine's
    own Chinese, given as it stands), for a stored incident message."""
    text = message or ""
    head = text.split(" (", 1)[0]
    if "没有登记处理程序" in head:
        return SERVICE, NO_HANDLER
    if "未声明的变量" in head:
        return SERVICE, UNDECLARED
    if "处理程序" in head:
        return SERVICE, reason(text)
    if "表达式" in head:
        found = reason(text)
        return EXPRESSION, BAD_EXPRESSION if found == FALLBACK else found
    if "多实例" in head:
        return STEP, TOO_MANY
    if "脚本" in head:
        return SCRIPT, NO_SCRIPTS
    if "过深" in head or "RecursionError" in text:
        return STEP, TOO_DEEP
    found = reason(text)
    if found != FALLBACK:
        return STEP, found
    if re.search(r"[\u4e00-\u9fff]", head):  # the engine's own Chinese, without the English
        return STEP, head.strip()
    return STEP, FALLBACK


def summary(message: str) -> str:
    """A Chinese sentence for a stored incident message: what failed, then why (pages in
    another language compose it from :func:`parts`)."""
    what, why = parts(message)
    return f"{what}：{why}"


# every fixed phrase a summary is made of, for the translation catalogue
VOCABULARY = frozenset({SERVICE, EXPRESSION, STEP, SCRIPT, NO_HANDLER, UNDECLARED,
                        BAD_EXPRESSION, TOO_MANY, NO_SCRIPTS, TOO_DEEP, AUTOMATIC, FALLBACK,
                        *REASONS.values(), *_ENDINGS.values()})


class ElementNames:
    """The diagram's name of an element of a process version (read through the engine's
    definition cache), for pages that must not show element ids."""

    def __init__(self, conn: Connection, engine: Engine) -> None:
        self.conn, self.engine = conn, engine

    def __call__(self, definition_id: int | None, element_id: str | None) -> str | None:
        if definition_id is None or not element_id:
            return None
        try:
            definition = self.engine.definitions.get(self.conn, int(definition_id))
        except Exception:  # a version that no longer parses has no names to offer
            return None
        return definition.element_name(element_id)


def describe(rows: list[dict[str, Any]], names: ElementNames, definition_id: int) -> None:
    """Give each incident row (of one case, of process version ``definition_id``) its
    ``summary`` and ``step_name``, keeping ``message`` and ``element_id`` for the technical
    view and the API."""
    for row in rows:
        row["summary"] = summary(str(row.get("message") or ""))
        row["step_name"] = names(definition_id, row.get("element_id")) or AUTOMATIC
