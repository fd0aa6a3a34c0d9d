"""Settings: the one place that reads the environment.

Every setting the README's Configuration table lists is in :data:`SETTINGS` with its default
and its parser, and nothing else in ``webapp/`` or ``geo/`` reads ``os.environ``: the rest of
the code reads ``app.config``. A bad value stops the start-up with a :class:`SettingError` that
names the variable and says what it accepts (a test checks the table against this module).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
LANGUAGES = ("ar", "en")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class SettingError(ValueError):
    """An environment variable holds a value its setting cannot use."""

    def __init__(self, name: str, raw: str, expected: str):
        shown = raw if len(raw) <= 60 else raw[:57] + "..."
        super().__init__(f"bad setting {name}={shown!r}: {expected}")
        self.name = name


def parse_bool(name: str, raw: str) -> bool:
    """``1/true/yes/on`` or ``0/false/no/off`` (any case): the one boolean parser."""
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingError(name, raw, f"expected one of {', '.join(_TRUE + _FALSE)}")


def integer(low: int, high: int | None = None) -> Callable[[str, str], int]:
    """A parser of whole numbers from ``low`` to ``high`` (no upper bound when None)."""
    def parse(name: str, raw: str) -> int:
        text = raw.strip().replace("_", "")
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        if not text.lstrip("+").isdigit() or int(text) < low or (high is not None and int(text) > high):
            raise SettingError(name, raw, f"expected a whole number {bounds}")
        return int(text)
    return parse


def choice(*options: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        if raw.strip() not in options:
            raise SettingError(name, raw, f"expected one of {', '.join(options)}")
        return raw.strip()
    return parse


def rate_limit(name: str, raw: str) -> str:
    """A Flask-Limiter rate such as ``5 per hour`` or ``30/minute``."""
    from limits import parse_many

    try:
        parse_many(raw)
    except ValueError:
        raise SettingError(name, raw, "expected a rate such as '5 per hour'") from None
    return raw.strip()


def text(name: str, raw: str) -> str:
    return raw.strip()


#: Name → (default, parser). ``None`` defaults are filled in by :func:`load_config`
#: (``SECRET_KEY`` from ``instance/secret_key``, ``DATABASE_URL`` in the instance folder).
SETTINGS: dict[str, tuple[object, Callable[[str, str], object]]] = {
    "SECRET_KEY": (None, text),
    "DATABASE_URL": (None, text),
    # The site's name, about text and public contact; an admin may override these and the tiles
    # and MIN_PUBLIC_COUNT at /admin/settings (webapp/store/sitesettings.py): these are the defaults.
    "SITE_NAME_AR": ("أحياء", text),
    "SITE_NAME_EN": ("Ahya", text),
    "ABOUT_AR": ("", text),
    "ABOUT_EN": ("", text),
    "CONTACT_EMAIL": ("", text),
    "TILE_URL": (OSM_TILES, text),
    "TILE_ATTRIBUTION": (OSM_ATTRIBUTION, text),
    "DEFAULT_LANGUAGE": ("ar", choice(*LANGUAGES)),
    "LAYERS_DIR": (str(ROOT / "data" / "layers"), text),
    "MAX_CONTENT_LENGTH": (20 * 1024 * 1024, integer(1024)),
    "SESSION_COOKIE_SECURE": (False, parse_bool),
    "RATELIMIT_STORAGE_URI": ("memory://", text),
    "REQUIRE_REVIEW": (False, parse_bool),
    "SUGGEST_RATE_LIMIT": ("5 per hour", rate_limit),
    # Failed logins per client (any accounts); the limit per account and client is fixed.
    "LOGIN_RATE_LIMIT": ("10 per 10 minutes", rate_limit),
    # Strict-Transport-Security max-age (seconds), sent only when SESSION_COOKIE_SECURE is on;
    # 0 sends none.
    "HSTS_MAX_AGE": (31_536_000, integer(0)),
    "EXPORT_RATE_LIMIT": ("30 per minute", rate_limit),
    # Reverse proxies in front of the app (nginx: 1): their X-Forwarded-* headers are trusted.
    "TRUSTED_PROXIES": (0, integer(0, 10)),
    # Counts below this are published as "<k" (1 = no suppression).
    "MIN_PUBLIC_COUNT": (1, integer(1, 1000)),
    "EXPORT_MAX_ROWS": (100_000, integer(1)),
    "EXPORT_MAP_MAX_ROWS": (20_000, integer(1)),
    "CLUSTER_MAX_ZOOM": (15, integer(0, 22)),
    "API_CACHE_ENTRIES": (256, integer(0)),
    "API_CACHE_BYTES": (64 * 1024 * 1024, integer(0)),
    # Requests to connect (webapp/connect): forwarded by e-mail only when MAIL_SERVER is set.
    "CONNECT_RATE_LIMIT": ("5 per hour", rate_limit),
    "CONNECT_FALLBACK_EMAIL": ("", text),
    "MAIL_SERVER": ("", text),
    "MAIL_PORT": (25, integer(1, 65535)),
    "MAIL_USE_TLS": (False, parse_bool),
    "MAIL_USE_SSL": (False, parse_bool),
    "MAIL_USERNAME": ("", text),
    "MAIL_PASSWORD": ("", text),
    "MAIL_DEFAULT_SENDER": ("ahya@localhost", text),
    "MAIL_TIMEOUT": (10, integer(1, 600)),
    # Load the shipped layers when the app is created, so that a worker's first request doesn't
    # (webapp/store/warmup.py; never in tests, which create hundreds of apps).
    "WARM_UP": (True, parse_bool),
    # Records that move (webapp/progress, webapp/follow): suggested updates, "this affects us
    # too" and follow requests, per client; the public address links in mails point to.
    "UPDATE_RATE_LIMIT": ("5 per hour", rate_limit),
    "FOLLOW_RATE_LIMIT": ("5 per hour", rate_limit),
    "PUBLIC_URL": ("http://localhost:5000", text),
    # Password reset requests per client (webapp/auth/links.py): the same for every address.
    "RESET_RATE_LIMIT": ("5 per hour", rate_limit),
}


def read_environment(environ: Mapping[str, str] | None = None) -> dict[str, object]:
    """Every setting from ``environ`` (default ``os.environ``); unset or empty means the default.

    Raises
    ------
    SettingError
        For the first variable whose value its parser refuses.
    """
    environ = os.environ if environ is None else environ
    values = {}
    for name, (default, parse) in SETTINGS.items():
        raw = environ.get(name)
        values[name] = parse(name, raw) if raw is not None and raw.strip() else default
    return values




def _secret_key(instance_path: Path) -> str:
    """Read instance/secret_key, creating it (mode 600) on first start."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="ascii").strip()
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key


def load_config(app, test_config: dict | None = None) -> None:
    """Fill ``app.config`` from defaults, the environment and ``test_config`` (which wins)."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    test_config = test_config or {}
    app.config.update(read_environment())
    # Behind HTTPS (production) cookies must not travel in clear text. Set here, not with
    # setdefault: Flask's defaults already hold SESSION_COOKIE_SAMESITE=None and
    # SESSION_COOKIE_SECURE=False, so setdefault would never apply these.
    secure = app.config["SESSION_COOKIE_SECURE"]
    app.config.update({"SESSION_COOKIE_HTTPONLY": True, "SESSION_COOKIE_SAMESITE": "Lax",
                       "REMEMBER_COOKIE_HTTPONLY": True, "REMEMBER_COOKIE_SAMESITE": "Lax",
                       "REMEMBER_COOKIE_SECURE": secure, "RATELIMIT_HEADERS_ENABLED": True})
    app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'ahya.db'}"
    if app.config["DEFAULT_LANGUAGE"] not in LANGUAGES:
        raise SettingError("DEFAULT_LANGUAGE", str(app.config["DEFAULT_LANGUAGE"]),
                           f"expected one of {', '.join(LANGUAGES)}")
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", app.config["DATABASE_URL"])
    app.config.setdefault("LAYERS_INSTANCE_DIR", str(instance / "layers"))
    app.config.setdefault("PHOTOS_DIR", str(instance / "photos"))
    app.config.setdefault("LANGUAGES", LANGUAGES)
    # Always SMTP: Flask-Mailman would otherwise keep mail in memory whenever TESTING is set.
    app.config.setdefault("MAIL_BACKEND", "smtp")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(app.root_path) / "translations"))
