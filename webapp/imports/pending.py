"""Uploaded files waiting between preview and confirm, kept privately under instance/imports/.

A file is named by a random token (never by anything the user sent) and remembers who uploaded
it: only that organizer can confirm it. Files older than ``MAX_AGE`` are swept at each upload.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

MAX_AGE = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def save(data: bytes, filename: str, user_id: int) -> str:
    """Keep ``data`` for ``user_id``; returns the token that names it."""
    sweep()
    token = secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-]
    folder = _folder()
    _write(folder / f"{token}.upload", data)
    _write(folder / f"{token}.json", json.dumps({"filename": filename, "user_id": user_id}).encode())
    return token


def load(token: str | None, user_id: int) -> tuple[bytes, str] | None:
    """(data, filename) of the upload ``token`` made by ``user_id``; None if unknown or not theirs."""
    if not token or not _TOKEN.match(token):
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        if meta.get("user_id") != user_id:
            return None
        return (folder / f"{token}.upload").read_bytes(), str(meta.get("filename") or "")
    except (OSError, ValueError):
        return None


def discard(token: str) -> None:
    if _TOKEN.match(token or ""):
        for suffix in (".upload", ".json"):
            (_folder() / f"{token}{suffix}").unlink(missing_ok=True)


def sweep(max_age: float = MAX_AGE) -> None:
    """Delete uploads nobody confirmed within ``max_age`` seconds."""
    limit = time.time() - max_age
    for path in _folder().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass
