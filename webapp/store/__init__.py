"""The report store and its domain.

This package holds what Ahya keeps and the rules about it: the models, report creation and
moderation (``reporting``), queries and filters (``queries``), the in-memory published points
(``pointcache``) and the counts computed from them (``stats``), the data version behind every
cache (``versioning``), "same challenge elsewhere" (``whocanhelp``), photos, the shipped and
imported layers (``layers``) and backup/restore. This module itself is the database wiring:
SQLAlchemy + Alembic migrations, applied automatically at start-up.
"""

from __future__ import annotations

import fcntl
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from ..extensions import db, migrate

MIGRATIONS = str(Path(__file__).resolve().parents[1] / "migrations")
_LOCK_KEY = 0x41687961  # "Ahya": the advisory lock that serialises migrations


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets readers go on while a report is written; the busy timeout makes
    # concurrent writers wait instead of failing with "database is locked".
    # synchronous=NORMAL: with WAL a commit appends to the log without an fsync (the log is
    # synced at checkpoints), so a form post costs no disk flush. A crash of the app or of
    # every worker loses nothing committed; only a power cut or OS crash can lose the last
    # commits before the next checkpoint, and never corrupts the database. FULL would fsync
    # on every commit for that last guarantee.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


def normalize_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` use psycopg 3 (the driver we ship)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def init_app(app) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 10}})
    else:
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    if app.config.get("AUTO_MIGRATE", True):
        with app.app_context(), _migration_lock(app):
            upgrade(directory=MIGRATIONS)


@contextmanager
def _migration_lock(app):
    """One process at a time runs the migrations.

    gunicorn starts several workers at once, and each calls create_app(): without
    a lock two of them can race to create the same table and one fails to boot.
    PostgreSQL gets an advisory lock; SQLite a file lock next to the database.
    """
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        with db.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                conn.commit()
    elif url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        lock_path = Path(url.removeprefix("sqlite:///") + ".migrate-lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
    else:
        yield
