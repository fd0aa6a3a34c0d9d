"""Language choice: ``?lang=`` wins and is remembered in the session; times in Jerusalem time."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from babel import support
from flask import current_app, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from wtforms.i18n import messages_path

from ..store import sitesettings

babel = Babel()
#: WTForms' message catalogues by language: files of the installed WTForms, the same for every app.
_WTFORMS: dict[str, support.Translations] = {}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a command or a script (bench, import) with only the app context
        return current_app.config["DEFAULT_LANGUAGE"]
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return asked
    remembered = session.get("lang")
    if remembered in languages:
        return remembered
    return current_app.config["DEFAULT_LANGUAGE"]


def wtforms_translations() -> support.Translations:
    """WTForms' built-in messages in the request's language, each catalogue read once per process."""
    lang = current_language()
    if lang not in _WTFORMS:
        _WTFORMS[lang] = support.Translations.load(messages_path(), [lang], domain="wtforms")
    return _WTFORMS[lang]


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
                "url_map_endpoints": app.view_functions.keys(), "local_time": local_time,
                # The site's name, about text and other settings an admin may change (store.sitesettings).
                "site_settings": sitesettings.shown, "site_name": lambda: _site_text("SITE_NAME", lang),
                "site_about": lambda: _site_text("ABOUT", lang)}


def _site_text(prefix: str, lang: str) -> str:
    """The site setting ``<prefix>_AR`` or ``<prefix>_EN`` in the page's language."""
    return str(sitesettings.shown()[f"{prefix}_{'EN' if lang == 'en' else 'AR'}"] or "")


#: Times are stored in UTC (naive) and shown to organizers in the city's own time.
ZONE = "Asia/Jerusalem"


def local_time(value: dt.datetime | None):
    """A stored UTC time as Jerusalem time, the zone named: ``<time>`` markup, or "—" for None.

    ``datetime`` keeps the exact instant (UTC, ISO 8601); the text says "Jerusalem time" in the
    page's language, and its tooltip the zone's offset at that moment (+02:00 or +03:00 in summer).
    """
    if value is None:
        return "—"
    utc = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    here = utc.astimezone(ZoneInfo(ZONE))
    offset = here.strftime("%z")
    label = _("%(time)s Jerusalem time", time=here.strftime("%Y-%m-%d %H:%M"))
    return Markup('<time datetime="{}" title="{} UTC{}:{}" dir="auto">{}</time>').format(
        utc.strftime("%Y-%m-%dT%H:%M:%SZ"), ZONE, offset[:3], offset[3:], label)
