"""Files in the database: every file the app writes at run time, seen by every app server.

Photos and organization logos (``photos/<hex>.<ext>``), imported overlays and their metadata and
style (``overlays/<name>.geojson`` / ``.json``), uploads waiting between preview and confirm
(``imports/<token>.upload`` / ``.json``) and the point-cache snapshot (``cache/points``) are rows of
one table, ``stored_files``: the name, the content type, the size, the SHA-256 of the bytes (the
ETag), when it was written, and the bytes. SQLite and PostgreSQL alike; the database is already
shared by every server, transactional and in the backup, so a photo posted through one server is
served by all of them, and a photo is committed with its report or not at all.

``instance/`` keeps only what is truly per machine: the secret key file of the single-machine
default. :func:`adopt_instance_files` moves the files an older Ahya wrote there into the table
(run at start-up, once per machine, under the migration lock).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Response, abort, send_file
from sqlalchemy import BigInteger, DateTime, LargeBinary, String, bindparam, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

log = logging.getLogger(__name__)

#: Names: a folder-like prefix and a file name, both of the app's own making (never a user's).
# The first character may be "-" or "_" (secrets.token_urlsafe names start with either), never ".".
NAME = re.compile(r"^(?:photos|overlays|imports|import-mappings|cache)/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,150}$")
#: Rows under this prefix are rebuildable caches: not in backups, not restored.
CACHE_PREFIX = "cache/"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class StoredFile(db.Model):
    """One stored file (the bytes are loaded only when asked for: ``deferred``)."""

    __tablename__ = "stored_files"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


@dataclass(frozen=True)
class FileInfo:
    """A stored file's description, without its bytes."""

    name: str
    content_type: str
    size: int
    sha256: str
    created_at: dt.datetime


_INFO = (StoredFile.name, StoredFile.content_type, StoredFile.size, StoredFile.sha256,
         StoredFile.created_at)


def _check(name: str) -> str:
    if not NAME.match(name or "") or ".." in name:
        raise ValueError(f"invalid stored file name: {name!r}")
    return name


def guess_type(name: str) -> str:
    """Content type from the name's extension (``application/octet-stream`` if unknown)."""
    if name.endswith((".geojson", ".json")):
        return "application/geo+json" if name.endswith(".geojson") else "application/json"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def put(name: str, data: bytes, content_type: str | None = None, *, replace: bool = False) -> FileInfo:
    """Add (or with ``replace`` overwrite) a file in the session's transaction; the caller commits.

    Without ``replace`` an existing name raises ``IntegrityError`` at the flush, like an
    ``O_EXCL`` open: generated names never overwrite each other.
    """
    _check(name)
    data = bytes(data)
    row = {"name": name, "content_type": content_type or guess_type(name), "size": len(data),
           "sha256": hashlib.sha256(data).hexdigest(), "created_at": utcnow(), "data": data}
    if replace and exists(name):
        # Values as parameters, not .values(): those would stay referenced from SQLAlchemy's
        # compiled-statement cache (the bytes, for the life of the worker).
        table = StoredFile.__table__
        stmt = update(table).where(table.c.name == bindparam("target")).values(
            {c: bindparam(c) for c in row if c != "name"})
        db.session.execute(stmt, {"target": name, **{k: v for k, v in row.items() if k != "name"}})
    else:
        db.session.add(StoredFile(**row))
        db.session.flush()
    return FileInfo(*(row[k] for k in ("name", "content_type", "size", "sha256", "created_at")))


def info(name: str) -> FileInfo | None:
    """The description of ``name`` (no bytes read), or None."""
    if not NAME.match(name or ""):
        return None
    row = db.session.execute(select(*_INFO).where(StoredFile.name == name)).first()
    return FileInfo(*row) if row else None


def exists(name: str) -> bool:
    return info(name) is not None


def read(name: str) -> bytes | None:
    """The bytes of ``name``, or None."""
    if not NAME.match(name or ""):
        return None
    return db.session.scalar(select(StoredFile.data).where(StoredFile.name == name))


def _prefix_range(prefix: str):
    # A range on the primary key rather than LIKE: an index seek on SQLite and PostgreSQL alike
    # ('/' + 1 is '0', so every name under "prefix/" sorts inside [prefix, prefix')).
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return (StoredFile.name >= prefix) & (StoredFile.name < upper)


def listing(prefix: str) -> list[FileInfo]:
    """Every file under ``prefix`` (e.g. ``"overlays/"``), by name."""
    rows = db.session.execute(select(*_INFO).where(_prefix_range(prefix)).order_by(StoredFile.name))
    return [FileInfo(*r) for r in rows]


def remove(names, *, commit: bool = False) -> int:
    """Delete the files named (unknown names are ignored); returns how many went."""
    names = [n for n in names if n and NAME.match(n)]
    if not names:
        return 0
    count = db.session.execute(delete(StoredFile).where(StoredFile.name.in_(names))).rowcount
    if commit:
        db.session.commit()
    return count or 0


def remove_older(prefix: str, before: dt.datetime) -> int:
    """Delete the files under ``prefix`` written before ``before`` (the caller commits)."""
    stmt = delete(StoredFile).where(_prefix_range(prefix), StoredFile.created_at < before)
    return db.session.execute(stmt).rowcount or 0


def send(name: str, *, max_age: int | None = 0) -> Response:
    """Stream ``name`` to the client as ``send_from_directory`` did from disk.

    The same validators as a file on disk (``ETag``: the SHA-256; ``Last-Modified``: when it was
    written) and the same ``Cache-Control`` for ``max_age``, so conditional requests get 304 and
    ranges work. 404 when there is no such file.
    """
    meta = info(name)
    if meta is None:
        abort(404)
    data = read(name)
    if data is None:  # deleted between the two reads
        abort(404)
    # download_name as send_from_directory gave it: "Content-Disposition: inline; filename=…".
    return send_file(io.BytesIO(data), mimetype=meta.content_type, max_age=max_age, etag=meta.sha256,
                     last_modified=meta.created_at.replace(tzinfo=dt.UTC), conditional=True,
                     download_name=name.rsplit("/", 1)[-1])


# --- Files an older Ahya wrote into instance/ -------------------------------------------------------

#: (config key or instance sub-folder, stored prefix, which names to take)
LEGACY = (("PHOTOS_DIR", "photos/", re.compile(r"^[0-9a-f]{32}\.(?:jpg|png|webp)$")),
          ("LAYERS_INSTANCE_DIR", "overlays/", re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\.(?:geojson|json)$")),
          ("imports", "imports/", re.compile(r"^[A-Za-z0-9_-]{32}\.(?:upload|json)$")))


def legacy_folders(app) -> list[tuple[Path, str, re.Pattern]]:
    """The instance folders where an older Ahya kept files, with their prefixes."""
    out = []
    for key, prefix, pattern in LEGACY:
        folder = app.config.get(key) or str(Path(app.instance_path) / key)
        out.append((Path(folder), prefix, pattern))
    return out


def adopt_instance_files(app) -> int:
    """Move files left in this machine's instance folders into the table; returns how many.

    A file already stored under its name is kept as stored (the database wins). Each folder is
    renamed ``<folder>.moved-to-database`` once its files are committed, so the next start does
    not scan it again and nothing is deleted. Run by every server at start-up: the migration
    moves the files of the machine it runs on, this those of every other machine.
    """
    moved = 0
    for folder, prefix, pattern in legacy_folders(app):
        if not folder.is_dir():
            continue
        files = sorted(p for p in folder.iterdir() if p.is_file() and pattern.match(p.name))
        for path in files:
            name = prefix + path.name
            if exists(name):
                continue
            put(name, path.read_bytes())
            db.session.commit()  # one file at a time: a large photo folder never sits in memory
            moved += 1
        try:
            folder.rename(folder.with_name(folder.name + ".moved-to-database"))
        except OSError as exc:  # a read-only instance folder: scanned again next time, harmlessly
            log.warning("could not rename %s after moving its files into the database: %s", folder, exc)
    if moved:
        log.info("moved %d files from the instance folder into the database", moved)
    return moved
