"""Helpers for tests that put files in, or read them from, the database file store
(``stored_files``: photos, logos, overlays, waiting imports) as an app server would."""

from __future__ import annotations

import sqlalchemy as sa


def write_photo(app, name: str, data: bytes) -> None:
    """Store ``data`` as the photo ``name`` (committed)."""
    from webapp.extensions import db
    from webapp.store import files

    with app.app_context():
        files.put(f"photos/{name}", data, "image/jpeg" if name.endswith(".jpg") else None)
        db.session.commit()


def read_stored(app, name: str) -> bytes | None:
    """The bytes stored under ``name`` (e.g. ``photos/<hex>.jpg``), or None."""
    from webapp.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        data = conn.scalar(sa.text("SELECT data FROM stored_files WHERE name = :n"), {"n": name})
    return None if data is None else bytes(data)


def stored_names(app, prefix: str) -> list[str]:
    """The names stored under ``prefix`` (e.g. ``photos/``), sorted."""
    from webapp.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        return sorted(conn.scalars(sa.text("SELECT name FROM stored_files WHERE name LIKE :p"),
                                   {"p": prefix + "%"}))
