"""Settings from environment variables, with safe defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'

#: Name → (default, parser). Every setting can be overridden by an environment variable.
SETTINGS = {
    "DATABASE_URL": (None, str),
    "TILE_URL": (OSM_TILES, str),
    "TILE_ATTRIBUTION": (OSM_ATTRIBUTION, str),
    "DEFAULT_LANGUAGE": ("ar", str),
    "LAYERS_DIR": (str(ROOT / "data" / "layers"), str),
    "MAX_CONTENT_LENGTH": (20 * 1024 * 1024, int),
    # Reverse proxies in front of the app (nginx: 1): their X-Forwarded-* headers are trusted.
    "TRUSTED_PROXIES": (0, int),
    # Counts below this are published as "<k" (1 = no suppression).
    "MIN_PUBLIC_COUNT": (1, int),
}
LANGUAGES = ("ar", "en")


def _flag(raw: str) -> bool:
    return raw.strip().lower() in ("1", "true", "yes", "on")


#: Requests to connect (webapp/connect): forwarded by e-mail only when MAIL_SERVER is set.
MAIL_SETTINGS = {
    "MAIL_SERVER": ("", str),
    "MAIL_PORT": (25, int),
    "MAIL_USE_TLS": (False, _flag),
    "MAIL_USE_SSL": (False, _flag),
    "MAIL_USERNAME": ("", str),
    "MAIL_PASSWORD": ("", str),
    "MAIL_DEFAULT_SENDER": ("ahya@localhost", str),
    "MAIL_TIMEOUT": (10, int),
    # Always SMTP: Flask-Mailman would otherwise keep mail in memory whenever TESTING is set.
    "MAIL_BACKEND": ("smtp", str),
    "CONNECT_FALLBACK_EMAIL": ("", str),
    "CONNECT_RATE_LIMIT": ("5 per hour", str),
}
SETTINGS.update(MAIL_SETTINGS)


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
    """Fill ``app.config`` from defaults, the environment and ``test_config``."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    for name, (default, parse) in SETTINGS.items():
        raw = os.environ.get(name)
        app.config[name] = parse(raw) if raw not in (None, "") else default
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or _secret_key(instance)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'ahya.db'}"
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", app.config["DATABASE_URL"])
    app.config.setdefault("LAYERS_INSTANCE_DIR", str(instance / "layers"))
    if app.config["DEFAULT_LANGUAGE"] not in LANGUAGES:
        raise ValueError(f"DEFAULT_LANGUAGE must be one of {LANGUAGES}")
    app.config.setdefault("LANGUAGES", LANGUAGES)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(app.root_path) / "translations"))
    # Behind HTTPS (production) cookies must not travel in clear text.
    secure = os.environ.get("SESSION_COOKIE_SECURE", "").lower() in ("1", "true", "yes")
    cookies = {"SESSION_COOKIE_HTTPONLY": True, "SESSION_COOKIE_SAMESITE": "Lax",
               "REMEMBER_COOKIE_HTTPONLY": True, "REMEMBER_COOKIE_SAMESITE": "Lax",
               "SESSION_COOKIE_SECURE": secure, "REMEMBER_COOKIE_SECURE": secure}
    for name, value in cookies.items():
        # Not setdefault: Flask's defaults already hold SESSION_COOKIE_SAMESITE=None and
        # SESSION_COOKIE_SECURE=False, so setdefault never applied these. test_config still wins.
        if name not in (test_config or {}):
            app.config[name] = value
    app.config.setdefault("RATELIMIT_STORAGE_URI", os.environ.get("RATELIMIT_STORAGE_URI", "memory://"))
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("REQUIRE_REVIEW", os.environ.get("REQUIRE_REVIEW", "").lower() in ("1", "true"))
    app.config.setdefault("SUGGEST_RATE_LIMIT", os.environ.get("SUGGEST_RATE_LIMIT", "5 per hour"))
    app.config.setdefault("PHOTOS_DIR", str(instance / "photos"))
