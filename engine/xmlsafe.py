"""Reading untrusted BPMN: no DTDs, no entities, no network, a size cap.

Every refusal names the element (or construct) and, where known, the line.
"""

from __future__ import annotations

import re

from lxml import etree

from .errors import DeploymentError, Detail, PayloadTooLarge

DEFAULT_MAX_BYTES = 2 * 1024 * 1024

_FORBIDDEN = re.compile(rb"<!(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)\b", re.I)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def parse_untrusted(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
                    what: str = "BPMN file") -> etree._Element:
    """Parse ``data`` into an element tree or raise with a located reason."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"文件过大：{len(data)} 字节，上限 {max_bytes} 字节 ({what} is "
                              f"{len(data)} bytes; the limit is {max_bytes})")
    match = _FORBIDDEN.search(data)
    if match:
        kind = match.group(1).decode().upper()
        raise DeploymentError(f"文件中不允许文档类型声明 ({what} refused: document type "
                              "declarations are not allowed)", [
            Detail(f"不允许 <!{kind}> (<!{kind}> is not allowed: no DTDs, no entities)",
                   element=f"!{kind}",
                   line=_line_of(data, match.start()))])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise DeploymentError(f"文件不是格式正确的 XML ({what} is not well-formed XML)", [
            Detail(f"XML 语法错误 ({exc.msg or 'syntax error'})", line=exc.lineno)]) from None
    if getattr(root.getroottree().docinfo, "doctype", None):
        raise DeploymentError(f"文件中不允许文档类型声明 ({what} refused: document type "
                              "declarations are not allowed)",
                              [Detail("不允许 <!DOCTYPE> (<!DOCTYPE> is not allowed)",
                                      element="!DOCTYPE", line=1)])
    for node in root.iter():
        if isinstance(node, etree._Entity):
            raise DeploymentError(f"文件中不允许实体引用 ({what} refused: entity references "
                                  "are not allowed)",
                                  [Detail("实体引用 (entity reference)", line=node.sourceline)])
    return root


def as_utf8_text(root: etree._Element, data: bytes) -> str:
    """The document as text to store: the bytes as sent when they are UTF-8, otherwise
    (a GBK file from a Chinese Windows tool, say) re-serialized without its declaration."""
    declared = (getattr(root.getroottree().docinfo, "encoding", None) or "UTF-8").lower()
    if declared.replace("-", "") == "utf8":
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return str(etree.tostring(root.getroottree(), encoding="unicode"))
