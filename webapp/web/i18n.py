"""Language choice: ``?lang=`` wins and is remembered in the session."""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import Babel, get_locale

babel = Babel()


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return asked
    remembered = session.get("lang")
    if remembered in languages:
        return remembered
    return current_app.config["DEFAULT_LANGUAGE"]


def current_language() -> str:
    return str(get_locale() or current_app.config["DEFAULT_LANGUAGE"])


def text_direction(lang: str | None = None) -> str:
    return "rtl" if (lang or current_language()) == "ar" else "ltr"


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def language_context():
        lang = current_language()
        other = "en" if lang == "ar" else "ar"
        return {"lang": lang, "dir": text_direction(lang), "other_lang": other,
                "url_map_endpoints": app.view_functions.keys()}
