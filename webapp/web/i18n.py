"""Language choice: ``?lang=`` wins and is remembered in the session."""

from __future__ import annotations

from urllib.parse import quote, urlencode

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


def language_switch_url(lang: str) -> str:
    """This request's URL in ``lang``: the same path and arguments (repeated ones kept).

    Built from the request as received, not with ``url_for(request.endpoint, **args)``:
    query arguments are the client's, and names such as ``endpoint``, ``_scheme`` or
    ``_anchor`` would have become url_for's own keywords (a 500 on every page).
    """
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    pairs.append(("lang", lang))
    return quote(request.script_root + request.path) + "?" + urlencode(pairs)


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def language_context():
        lang = current_language()
        other = "en" if lang == "ar" else "ar"
        return {"lang": lang, "dir": text_direction(lang), "other_lang": other,
                "language_switch_url": language_switch_url,
                "url_map_endpoints": app.view_functions.keys()}
