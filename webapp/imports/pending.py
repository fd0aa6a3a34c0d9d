"""Uploaded files waiting between preview and confirm, kept privately in the database.

A file is named by a random token (never by anything the user sent) and remembers who uploaded
it: only that organizer can confirm it. It is stored (:mod:`webapp.store.files`, as
``imports/<token>.upload`` and ``.json``) so that the confirm may reach any app server, not only
the one that took the upload. Files older than ``MAX_AGE`` are swept at each upload.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets

from ..extensions import db
from ..store import files

MAX_AGE = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
PREFIX = "imports/"


def save(data: bytes, filename: str, user_id: int) -> str:
    """Keep ``data`` for ``user_id``; returns the token that names it."""
    sweep()
    token = secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-]
    files.put(f"{PREFIX}{token}.upload", data, "application/octet-stream")
    files.put(f"{PREFIX}{token}.json", json.dumps({"filename": filename, "user_id": user_id}).encode(),
              "application/json")
    db.session.commit()
    return token


def load(token: str | None, user_id: int) -> tuple[bytes, str] | None:
    """(data, filename) of the upload ``token`` made by ``user_id``; None if unknown or not theirs."""
    if not token or not _TOKEN.match(token):
        return None
    try:
        meta = json.loads(files.read(f"{PREFIX}{token}.json") or b"null")
    except ValueError:
        return None
    if not isinstance(meta, dict) or meta.get("user_id") != user_id:
        return None
    data = files.read(f"{PREFIX}{token}.upload")
    return None if data is None else (data, str(meta.get("filename") or ""))


def discard(token: str) -> None:
    if _TOKEN.match(token or ""):
        files.remove([f"{PREFIX}{token}.upload", f"{PREFIX}{token}.json"], commit=True)


def sweep(max_age: float = MAX_AGE) -> None:
    """Delete uploads nobody confirmed within ``max_age`` seconds."""
    files.remove_older(PREFIX, files.utcnow() - dt.timedelta(seconds=max_age))
    db.session.commit()
