"""The point cache's arrays as one blob in the database, so a new worker skips the full load.

A full load reads every published report (~1 GB of table at a million reports: seconds). Once a
worker has built the arrays it stores them as ``cache/points-<version>`` in the file store
(:mod:`webapp.store.files`): ~33 bytes per report, a small JSON header then the raw arrays. A
worker starting later, on this machine or any other, reads that blob (tens of milliseconds) and
brings it up to date with the rows changed since, as it would its own arrays
(:mod:`webapp.store.pointcache`). The arrays are read-only views into the blob's bytes: no copy.

Only a snapshot that an incremental update can start from is used: its version is at most the
committed one and above ``reload_version`` (no delete, restore or unstamped change since), and
at the committed version its ``changed_at`` matches. Restore deletes every snapshot: the version
counter then restarts from the backup's history. Snapshots are a cache: never in a backup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import struct

import numpy as np
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from . import files
from .files import StoredFile

log = logging.getLogger(__name__)

PREFIX = files.CACHE_PREFIX + "points-"
MAGIC = b"AHYAPTS1"
ARRAYS = ("ids", "kind", "category", "area", "day", "lon", "lat", "lifecycle")
CODED = ("kind", "category", "area", "lifecycle")


def _name(version: int) -> str:
    return f"{PREFIX}{version:012d}"


def encode(points) -> bytearray:
    """``points`` as bytes: MAGIC, a 4-byte header length, the JSON header, the arrays (8-aligned)."""
    header = {"version": points.generation[1], "changed_at": points.generation[0].isoformat(),
              "n": len(points), "arrays": [],
              "names": {k: list(getattr(points, f"{k}_names")) for k in CODED},
              "counts": {k: [int(c) for c in points.name_counts[k]] for k in CODED}}
    offset = 0
    for name in ARRAYS:
        arr = np.ascontiguousarray(getattr(points, name))
        header["arrays"].append([name, arr.dtype.str, offset])
        offset += -(-arr.nbytes // 8) * 8
    head = json.dumps(header).encode()
    start = -(-(len(MAGIC) + 4 + len(head)) // 8) * 8
    out = bytearray(start + offset)
    out[:len(MAGIC)] = MAGIC
    out[len(MAGIC):len(MAGIC) + 4] = struct.pack("<I", len(head))
    out[len(MAGIC) + 4:len(MAGIC) + 4 + len(head)] = head
    for (name, _dtype, at) in header["arrays"]:
        arr = np.ascontiguousarray(getattr(points, name))
        np.frombuffer(out, dtype=arr.dtype, count=len(arr), offset=start + at)[:] = arr  # no temporary
    return out


def decode(blob: bytes, points_class):
    """A ``Points`` whose arrays are read-only views into ``blob``."""
    if blob[:len(MAGIC)] != MAGIC:
        raise ValueError("not a point snapshot")
    (size,) = struct.unpack("<I", blob[len(MAGIC):len(MAGIC) + 4])
    header = json.loads(blob[len(MAGIC) + 4:len(MAGIC) + 4 + size])
    start = -(-(len(MAGIC) + 4 + size) // 8) * 8
    n = header["n"]
    arrays = {name: np.frombuffer(blob, dtype=np.dtype(dtype), count=n, offset=start + at)
              for name, dtype, at in header["arrays"]}
    generation = (dt.datetime.fromisoformat(header["changed_at"]), int(header["version"]))
    return points_class(generation=generation, **arrays,
                        **{f"{k}_names": tuple(header["names"][k]) for k in CODED},
                        name_counts={k: np.array(header["counts"][k], dtype=np.int64) for k in CODED})


def usable(state) -> tuple[int, str] | None:
    """(version, name) of the newest snapshot an update to ``state`` can start from, or None."""
    names = db.session.scalars(select(StoredFile.name).where(files._prefix_range(PREFIX))
                               .order_by(StoredFile.name.desc())).all()
    for name in names:
        try:
            version = int(name[len(PREFIX):])
        except ValueError:
            continue
        if state.reload_version < version <= state.version:
            return version, name
    return None


def load(state, points_class):
    """The newest usable snapshot as ``Points`` (arrays at its own version), or None."""
    found = usable(state)
    if found is None:
        return None
    blob = _read_raw(found[1])
    if blob is None:
        return None
    try:
        points = decode(blob, points_class)
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring the point snapshot %s: %s", found[1], exc)
        return None
    if points.version == state.version and points.generation[0] != state.changed_at:
        return None  # the same number from another history: not this data
    return points


def _read_raw(name: str) -> bytes | None:
    """The blob through the driver's own cursor: no ORM objects, and on PostgreSQL in binary
    (psycopg would otherwise send bytea as hex text, twice the size, and decode it)."""
    conn = db.session.connection()
    raw = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor(binary=True) as cur:
            cur.execute("SELECT data FROM stored_files WHERE name = %s", (name,))
            row = cur.fetchone()
    else:
        cur = raw.cursor()
        try:
            cur.execute("SELECT data FROM stored_files WHERE name = ?", (name,))
            row = cur.fetchone()
        finally:
            cur.close()
    return bytes(row[0]) if row and row[0] is not None else None


def save(points) -> None:
    """Store ``points`` as the newest snapshot and drop the older ones (a separate transaction).

    Another worker may store the same version at the same time: the name is the same, the
    second insert finds it there and stores nothing.
    """
    name, blob = _name(points.version), encode(points)
    table = StoredFile.__table__
    row = {"name": name, "content_type": "application/x-ahya-points", "size": len(blob),
           "sha256": hashlib.sha256(blob).hexdigest(), "created_at": files.utcnow()}
    try:
        with db.engine.begin() as conn:
            if conn.scalar(select(table.c.name).where(table.c.name == name)) is None:
                _insert(conn, table, row, blob)
            conn.execute(delete(table).where(files._prefix_range(PREFIX), table.c.name < name))
    except SQLAlchemyError as exc:  # a cache: failing to store it must never fail the request
        log.warning("could not store the point snapshot: %s", exc)


def _insert(conn, table, row: dict, blob) -> None:
    """Insert the snapshot row without any layer keeping the blob afterwards.

    A bound value stays referenced after the statement ran: by SQLAlchemy's compiled cache for
    ``.values()``, and on SQLite by the prepared statement in the connection's statement cache
    (a copy of the bytes, for the life of the worker). SQLite therefore gets a ``zeroblob`` and
    the bytes through its incremental blob I/O; PostgreSQL gets them as an execution parameter.
    """
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), {**row, "data": blob})
        return
    stmt = table.insert().values(**{c: bindparam(c) for c in row}, data=func.zeroblob(bindparam("nbytes")))
    conn.execute(stmt, {**row, "nbytes": len(blob)})
    rowid = conn.exec_driver_sql("SELECT rowid FROM stored_files WHERE name = ?", (row["name"],)).scalar()
    with conn.connection.dbapi_connection.blobopen("stored_files", "data", rowid) as handle:
        view = memoryview(blob)
        for start in range(0, len(view), 1 << 20):  # bounded loop: 1 MB at a time
            handle.write(view[start:start + (1 << 20)])


def clear(connection) -> None:
    """Delete every snapshot (restore: the version history starts again)."""
    table = StoredFile.__table__
    connection.execute(delete(table).where(files._prefix_range(PREFIX)))
