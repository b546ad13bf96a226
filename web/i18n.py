"""Chinese first, English second: Flask-Babel with zh_CN as the default locale.

Source strings are written in Chinese (the product's first language); the English catalog in
``web/translations/en`` translates them. A user picks the language with ``?lang=en`` or the
switch in the header; the choice is kept in the session.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request, session
from flask_babel import Babel, get_locale

from hazardflow.workflows.calendar import BusinessCalendar

LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT_LOCALE = "zh_CN"
TRANSLATIONS = Path(__file__).parent / "translations"

babel = Babel()


def select_locale() -> str:
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        session["lang"] = wanted
        return wanted
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    return DEFAULT_LOCALE


def init_app(app: Flask, calendar: BusinessCalendar) -> None:
    """Babel with the locale chosen per request; its time zone is the business calendar's
    (``HAZARDFLOW_BUSINESS_TZ``), the one every page and date rule shows."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", calendar.name)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    babel.init_app(app, locale_selector=select_locale)

    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
