"""Site settings an admin changes in the browser, the time of the last backup, the admin log.

Settings (:data:`FIELDS`): the site's name and about text in Arabic and English, a public contact
e-mail, the tile server (URL template and attribution) and ``MIN_PUBLIC_COUNT``. Each has its
environment value (``webapp.config.SETTINGS``, read into ``app.config``) as the default; a row of
``site_settings`` overrides it, and saving a blank field (or the default itself) removes the row.

Several app servers share only the database, so every server reads the rows again whenever the
data version changes (:mod:`webapp.store.versioning`), and :func:`save` bumps it in the same
transaction as the rows: the next request at any server sees the change, without a restart. The
bump also changes the API's ETags and response cache, which depend on ``MIN_PUBLIC_COUNT``.
Within one request the values are read at most once.

``site_events`` (:func:`log_event`) records who did what on the admin pages; ``last_backup_at``
(a row of ``site_settings`` that is not a setting) is written by every backup, CLI or browser.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..state import app_state
from .models import SiteEvent, SiteSetting, utcnow
from .versioning import bump_data_version, current_data_version

#: The row holding the time of the last backup (ISO text, UTC); not a setting.
LAST_BACKUP = "last_backup_at"
_ENV_KEY = "ahya.site_settings"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
EMAIL = re.compile(r"^[^@\s<>,;\"'()\[\]\\]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")
#: A tile server host: a name (``{s}.`` subdomains allowed) and an optional port, nothing that
#: could end the Content-Security-Policy directive it is written into (";", ",", quotes, spaces).
_TILE_HOST = re.compile(r"^(?:\{s\}\.)?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                        r"(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?$")
_TILE_PATH = re.compile(r"^[A-Za-z0-9/_.~%@{}=&?+-]*$")
_PLACEHOLDERS = re.compile(r"\{([^}]*)\}")
_ALLOWED_PLACEHOLDERS = {"s", "z", "x", "y", "r"}
#: Where HTML starts a tag, comment or declaration: "<" then a letter, "/", "!" or "?".
_TAG_OPEN = re.compile(r"<[A-Za-z/!?]")


class SettingsError(ValueError):
    """Values a form may not store: ``errors`` maps each setting's name to one message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Field:
    """One setting of the form: its name (as in the environment), kind and longest value."""

    name: str
    kind: str  # line, text, email, tile_url, attribution, count
    max_length: int


FIELDS = (
    Field("SITE_NAME_AR", "line", 80),
    Field("SITE_NAME_EN", "line", 80),
    Field("ABOUT_AR", "text", 4000),
    Field("ABOUT_EN", "text", 4000),
    Field("CONTACT_EMAIL", "email", 254),
    Field("TILE_URL", "tile_url", 500),
    Field("TILE_ATTRIBUTION", "attribution", 500),
    Field("MIN_PUBLIC_COUNT", "count", 4),
)
NAMES = tuple(f.name for f in FIELDS)


# --- reading ---------------------------------------------------------------------------------


def defaults() -> dict[str, object]:
    """Each setting's environment value (``app.config``): what a missing row means."""
    return {name: current_app.config.get(name) for name in NAMES}


def overrides() -> dict[str, object]:
    """The settings stored in the database (read now, not cached).

    Each value is checked again as the settings page checks it, and one that fails is left out
    (the environment's applies): a restore writes a backup's rows as they are, and a hand-made
    backup must bring in neither HTML nor a CSP source the page refuses, nor a 500 on every page.
    """
    rows = db.session.execute(select(SiteSetting.key, SiteSetting.value)
                              .where(SiteSetting.key.in_(NAMES))).all()
    fields = {f.name: f for f in FIELDS}
    out = {}
    for key, value in rows:
        try:
            loaded = json.loads(value)
            if isinstance(loaded, bool) or not isinstance(loaded, str | int):
                continue
            cleaned = _clean(fields[key], str(loaded))
        except ValueError:  # json.JSONDecodeError is one
            continue
        if cleaned is not None:
            out[key] = cleaned
    return out


def current() -> dict[str, object]:
    """Every setting's value now: the database's where it has one, else the environment's.

    Read again from the database whenever the data version changed (one primary-key read per
    request tells) or the environment's values did, and at most once per request.
    """
    if has_request_context() and _ENV_KEY in request.environ:
        return request.environ[_ENV_KEY]
    base = defaults()
    # The environment's values are part of the key: an app whose config changes (a test) reads again.
    key = (current_data_version(), tuple(base.values()))
    state = app_state()
    cached = state.site_settings
    if cached is None or cached[0] != key:
        cached = (key, {**base, **overrides()})
        state.site_settings = cached
    if has_request_context():
        request.environ[_ENV_KEY] = cached[1]
    return cached[1]


def peek(name: str):
    """One setting's value without a database read: this request's if it read them, else the
    last read by this app, else the environment's (``web.security``: the CSP of every answer,
    static files included, names the tile server the page was rendered with)."""
    if has_request_context() and _ENV_KEY in request.environ:
        return request.environ[_ENV_KEY][name]
    cached = app_state().site_settings
    return cached[1][name] if cached is not None else current_app.config.get(name)


def shown() -> dict[str, object]:
    """:func:`current` for templates: the environment's values if the database cannot answer
    (an error page must still render when the database is down)."""
    try:
        return current()
    except SQLAlchemyError:
        db.session.rollback()
        return defaults()


def get(name: str):
    """One setting's current value (see :func:`current`)."""
    return current()[name]


# --- validating and saving -------------------------------------------------------------------


class _Attribution(HTMLParser):
    """Checks attribution HTML: text, entities and ``<a href="https://…">`` links only (Leaflet
    and the about page show it as HTML, so nothing else may pass)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problem = ""
        self.depth = 0
        self.tags = 0

    def handle_starttag(self, tag, attrs):
        self.tags += 1
        if tag != "a":
            self.problem = f"<{tag}> is not allowed (only links)"
            return
        names = [k for k, _ in attrs]
        href = dict(attrs).get("href") or ""
        if names != ["href"] or not re.match(r"^https?://[^\s\"'<>]+$", href):
            self.problem = 'a link may have only href="https://…"'
        self.depth += 1

    def handle_startendtag(self, tag, attrs):
        self.problem = f"<{tag}/> is not allowed (only links)"

    def handle_endtag(self, tag):
        self.tags += 1
        if tag != "a" or self.depth == 0:
            self.problem = f"</{tag}> does not close a link"
        self.depth -= 1

    def handle_comment(self, data):
        self.problem = "comments are not allowed"

    def handle_decl(self, decl):
        self.problem = "declarations are not allowed"

    def handle_pi(self, data):
        self.problem = "processing instructions are not allowed"


def check_tile_url(url: str) -> str:
    """Why ``url`` cannot be a tile URL template ("" if it can): https, a plain host, and
    ``{z}``, ``{x}`` and ``{y}`` in the path. It flows into the Content-Security-Policy."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return "must start with https://"
    if not _TILE_HOST.match(parts.netloc or ""):
        return "the server name is not valid"
    path = url[len(parts.scheme) + 3 + len(parts.netloc):]
    if not _TILE_PATH.match(path) or parts.fragment:
        return "the path holds characters a tile URL cannot have"
    found = set(_PLACEHOLDERS.findall(url))
    missing = [p for p in ("z", "x", "y") if p not in found]
    if missing:
        return "must contain " + ", ".join("{" + p + "}" for p in missing)
    unknown = found - _ALLOWED_PLACEHOLDERS
    if unknown:
        return "unknown placeholder " + ", ".join("{" + p + "}" for p in sorted(unknown))
    return ""


def _clean(field: Field, raw: str):
    """``field``'s value from the form text ``raw`` (None: use the default); raises ValueError."""
    text = (raw or "").replace("\r\n", "\n").strip()
    if not text:
        return None
    if len(text) > field.max_length:
        raise ValueError(f"at most {field.max_length} characters")
    if _CONTROL.search(text) or (field.kind != "text" and ("\n" in text or "\t" in text)):
        raise ValueError("contains control characters or line breaks")
    if field.kind == "email" and not EMAIL.match(text):
        raise ValueError("not an e-mail address")
    if field.kind == "tile_url" and (problem := check_tile_url(text)):
        raise ValueError(problem)
    if field.kind == "attribution":
        parser = _Attribution()
        parser.feed(text)
        parser.close()
        if parser.problem or parser.depth:
            raise ValueError(parser.problem or "a link is not closed")
        # A tag left unfinished at the end ("<img src=x onerror=…" without ">") reaches the parser
        # as text, but a browser reads it as a tag: every "<" that opens a tag must have been one.
        if len(_TAG_OPEN.findall(text)) != parser.tags:
            raise ValueError("a tag is not closed (only links)")
    if field.kind == "count":
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 1000:
            raise ValueError("a whole number from 1 to 1000")
        return int(text)
    return text


def validate(form: Mapping[str, str]) -> dict[str, object]:
    """The values of ``form`` (setting name → text), None for a blank field (the default).

    Raises
    ------
    SettingsError
        With one message per refused field; nothing is stored.
    """
    values, errors = {}, {}
    for field in FIELDS:
        try:
            values[field.name] = _clean(field, form.get(field.name, ""))
        except ValueError as exc:
            errors[field.name] = str(exc)
    if errors:
        raise SettingsError(errors)
    return values


def save(values: Mapping[str, object], user_id: int | None) -> list[str]:
    """Store ``values`` (from :func:`validate`) and return the names that changed.

    A value equal to the environment's, or None, removes the row (the default applies again,
    and follows later changes of the environment). Audited; every server sees it at its next
    request (the data version goes up in the same transaction).
    """
    base, stored = defaults(), overrides()
    changed = []
    for name in NAMES:
        value = values.get(name)
        keep = None if value is None or value == base[name] else value
        if keep == stored.get(name):
            continue
        changed.append(name)
        row = db.session.get(SiteSetting, name)
        if keep is None:
            db.session.delete(row)
        elif row is None:
            db.session.add(SiteSetting(key=name, value=json.dumps(keep, ensure_ascii=False)))
        else:
            row.value = json.dumps(keep, ensure_ascii=False)
    if changed:
        log_event("settings", ", ".join(changed), user_id)
        bump_data_version()
        db.session.commit()
    return changed


# --- the last backup and the admin log ---------------------------------------------------------


def record_backup(detail: str, user_id: int | None = None) -> dt.datetime:
    """Remember that a backup was written now (in the database: every server shows it)."""
    now = utcnow().replace(microsecond=0)
    row = db.session.get(SiteSetting, LAST_BACKUP)
    if row is None:
        db.session.add(SiteSetting(key=LAST_BACKUP, value=json.dumps(now.isoformat())))
    else:
        row.value = json.dumps(now.isoformat())
    log_event("backup", detail, user_id)
    db.session.commit()
    return now


def last_backup() -> dt.datetime | None:
    """When the last backup was written (naive UTC), or None."""
    value = db.session.scalar(select(SiteSetting.value).where(SiteSetting.key == LAST_BACKUP))
    return dt.datetime.fromisoformat(json.loads(value)) if value else None


def log_event(action: str, detail: str, user_id: int | None) -> None:
    """Add an admin-log entry to the session (the caller commits)."""
    db.session.add(SiteEvent(action=action, detail=detail[:2000], user_id=user_id))


def recent_events(limit: int = 20) -> list[SiteEvent]:
    """The newest admin-log entries."""
    return list(db.session.scalars(select(SiteEvent).order_by(SiteEvent.id.desc()).limit(limit)))


def clear_cache() -> None:
    """Forget this app's cached values (a restore replaced the rows under a new history)."""
    app_state().site_settings = None
    if has_request_context():
        request.environ.pop(_ENV_KEY, None)

