"""An official document's own text on a page: a supervision letter (督办函), a spot check's
public notice (通报). It is issued in Chinese whatever the reader's language, as the PDFs
are; the page around it (title, print button, navigation) follows the reader."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup


def in_chinese(template: str, **context: Any) -> Markup:
    """``template`` rendered in Chinese (its root element says ``lang="zh-CN"``)."""
    with force_locale("zh_CN"):
        return Markup(render_template(template, **context))  # noqa: S704 -- our own template
