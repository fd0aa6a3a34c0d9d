"""Backup and restore: the whole store in one GeoPackage (``flask backup`` / ``flask restore``).

Format 2, readable in QGIS: ``reports`` is a point layer (EPSG:4326) of the exact, private points
with every other column; every other table (found by reflection, so a later migration's table
needs no change here) is an attribute table, ``stored_files`` included: photos, logos, overlays
with their styles and waiting imports are rows of it (:mod:`webapp.store.files`), copied one file
at a time; rebuildable caches and uploads waiting for confirmation (``cache/``) are left out.
``overlay_<name>`` shows each overlay as a layer; ``meta`` holds the versions. Datetimes are
ISO text (GeoPackage's DATETIME keeps only milliseconds): values come back exactly. Format 1
(files beside the database) is refused: its database revision is older, so it is restored with
the Ahya that wrote it, then upgraded.

``flask backup`` and the admin page's download both call :func:`backup`, which records the time
in the database first (``site_settings``: the backup carries its own time; a failed backup puts
the previous time back). ``flask restore`` and the admin page's restore call :func:`restore`;
the page first shows what a file holds (:func:`inspect`) and restores only once confirmed, and
keeps the admin who restores (``keep``): the accounts of an instance that has nothing else are
replaced by the backup's.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import math
import os
import secrets
import sqlite3
import tempfile
from contextlib import closing
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import pandas as pd
import sqlalchemy as sa
from pyogrio.errors import DataLayerError, DataSourceError

from ..extensions import db
from . import files, sitesettings
from .models import SiteSetting
from .versioning import bump_data_version

FORMAT, FORMAT_VERSION = "ahya-backup", "2"
GPKG_APPLICATION_ID = 0x47504B47  # "GPKG" in the SQLite header
POINT_TABLE, POINT_COLUMNS = "reports", ("lon", "lat")
#: The accounts and their history: replaced by a backup's on a browser restore, where the restoring
#: admin's own account (and its first-run event) cannot be absent.
ACCOUNT_TABLES = ("users", "account_events")
#: Sign-in secrets, written only with ``--with-users``.
CREDENTIALS = {"users": ("password_hash", "session_token")}
#: A database with rows here is not empty: restore never merges into existing data. Other
#: tables (the data-version row a migration inserts; account_links, where a fresh instance keeps
#: its first-run setup link) are replaced by the backup's rows.
CONTENT = ("users", "reports", "audit_events", "addressed_categories", "report_addresses",
           "organizations", "organization_areas", "organization_categories", "organization_events",
           "connect_requests", "report_updates", "affected_areas", "subscriptions",
           "alert_deliveries", "stored_files", "account_events")
OWN_TABLES = ("meta",)
FILES_TABLE = "stored_files"
#: Files restored per INSERT: a few photos in memory at a time, never the whole backup.
FILES_BATCH = 20
#: GeoPackage column type, restore's parser and pyogrio dtype per SQLAlchemy type (first match).
TYPES = ((sa.JSON, "TEXT", json.loads, None), (sa.Boolean, "BOOLEAN", bool, "boolean"),
         (sa.Integer, "INTEGER", int, "Int64"), (sa.Float, "REAL", float, "Float64"),
         (sa.Numeric, "TEXT", lambda v: decimal.Decimal(str(v)), None),
         (sa.LargeBinary, "BLOB", bytes, None), (sa.DateTime, "TEXT", dt.datetime.fromisoformat, None),
         (sa.Date, "DATE", dt.date.fromisoformat, None))


class BackupError(Exception):
    """A backup cannot be written or restored; ``str()`` is one line for the user."""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _type(col: sa.Column) -> tuple:
    return next((t for t in TYPES if isinstance(col.type, t[0])), (None, "TEXT", None, None))


def _encode(col: sa.Column, value):
    if value is None or isinstance(col.type, sa.JSON):
        return None if value is None else json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):  # datetimes too: ISO text keeps the microseconds
        return value.isoformat()
    return value if isinstance(value, int | float | str | bytes) else str(value)  # Decimal: exact text


def _decode(col: sa.Column, value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None  # pandas reads a NULL number or string back as NaN
    parse = _type(col)[2]
    return parse(value) if parse else value


def _layer_column(col: sa.Column, values: list):
    dtype = _type(col)[3]  # pandas' nullable dtypes: a NULL must not turn a number column into text
    return pd.array(values, dtype=dtype) if dtype else \
        pd.Series([_encode(col, v) for v in values], dtype=object)


def _attribute_table(con: sqlite3.Connection, name: str, columns: list[tuple[str, str]], rows) -> None:
    """An attribute table registered in gpkg_contents (GeoPackage wants an integer ``fid`` key)."""
    defs = ", ".join(f"{_q(n)} {t}" for n, t in columns)
    con.execute(f"CREATE TABLE {_q(name)} (fid INTEGER PRIMARY KEY AUTOINCREMENT, {defs})")
    con.executemany(f"INSERT INTO {_q(name)} ({', '.join(_q(n) for n, _ in columns)}) "  # noqa: S608 (quoted)
                    f"VALUES ({', '.join('?' * len(columns))})", rows)
    con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, last_change) "
                "VALUES (?, 'attributes', ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))", (name, name))


def _reflect(conn) -> tuple[dict[str, sa.Table], str]:
    """The database's tables, parents before children (foreign keys), and its alembic revision."""
    meta = sa.MetaData()
    meta.reflect(bind=conn)
    revision = ",".join(sorted(conn.scalars(sa.text("SELECT version_num FROM alembic_version")))) \
        if "alembic_version" in meta.tables else ""
    return {t.name: t for t in meta.sorted_tables if t.name != "alembic_version"}, revision


def _cache(table: sa.Table):
    """Rows of ``stored_files`` (reflected) under ``cache/``: never backed up, never restored."""
    return (table.c.name >= files.CACHE_PREFIX) & (table.c.name < files.CACHE_PREFIX[:-1] + "0")


class _Files:
    """The stored files of a snapshot: names listed in its transaction, each file's bytes read
    (in the same transaction) only when the backup writes it: one file in memory at a time."""

    def __init__(self, conn, table: sa.Table, columns: list):
        self.conn, self.table, self.columns = conn, table, columns
        live = ~_cache(table)
        self.names = list(conn.scalars(sa.select(table.c.name).where(live).order_by(table.c.name)))

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self):
        stmt = sa.select(*self.columns).where(self.table.c.name == sa.bindparam("n"))
        for name in self.names:
            row = self.conn.execute(stmt, {"n": name}).first()
            if row is not None:
                yield row

    def data(self, name: str) -> bytes | None:
        return self.conn.scalar(sa.select(self.table.c.data).where(self.table.c.name == name))


def _snapshot(conn, with_users: bool) -> tuple[dict, str]:
    """Every table's columns and rows, read in one transaction so that they agree with each other."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")  # pysqlite would start a transaction only before a write
    else:
        conn.execution_options(isolation_level="REPEATABLE READ")
    tables, revision = _reflect(conn)
    data = {}
    for name, table in tables.items():
        if name in OWN_TABLES or name.startswith("overlay_"):  # they would overwrite each other
            raise BackupError(f"database table {name!r} has the name of a backup layer")
        columns = [c for c in table.columns if with_users or c.name not in CREDENTIALS.get(name, ())]
        if name == FILES_TABLE:
            data[name] = (columns, _Files(conn, table, columns))
            continue
        order = list(table.primary_key.columns) or columns
        data[name] = (columns, conn.execute(sa.select(*columns).order_by(*order)).all())
    return data, revision


def _overlay_names(stored: _Files) -> list[str]:
    """Overlays in the snapshot: both of their files are there."""
    names = set(stored.names)
    return [n[len("overlays/"):-len(".json")] for n in stored.names
            if n.startswith("overlays/") and n.endswith(".json")
            and n[:-len(".json")] + ".geojson" in names]


def _remember(with_users: bool, user_id: int | None) -> str | None:
    """Record this backup's time before its snapshot (so the backup holds it); the previous value."""
    key = sitesettings.LAST_BACKUP
    previous = db.session.scalar(sa.select(SiteSetting.value).where(SiteSetting.key == key))
    sitesettings.record_backup("with password hashes" if with_users else "without password hashes", user_id)
    return previous


def _forget(previous: str | None, reason: str, user_id: int | None) -> None:
    """A backup failed: the last backup time goes back to what it was."""
    row = db.session.get(SiteSetting, sitesettings.LAST_BACKUP)
    if previous is None and row is not None:
        db.session.delete(row)
    elif row is not None:
        row.value = previous
    sitesettings.log_event("backup-failed", reason, user_id)
    db.session.commit()


def backup(path, with_users: bool = False, user_id: int | None = None) -> dict[str, int]:
    """Write everything into the GeoPackage ``path`` (replaced atomically); returns counts.

    ``user_id``: the admin who asked (the admin log names them; None from the command line).
    """
    target = Path(path)
    previous = _remember(with_users, user_id)
    try:
        with db.engine.connect() as conn:
            data, revision = _snapshot(conn, with_users)
            meta = {"format": FORMAT, "format_version": FORMAT_VERSION,
                    "app_version": metadata.version("ahya"), "alembic_revision": revision,
                    "with_users": "1" if with_users else "0",
                    "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "tables": json.dumps(list(data))}
            stored = data[FILES_TABLE][1] if FILES_TABLE in data else None
            overlays = _overlay_names(stored) if stored is not None else []
            # Written beside the target and renamed at the end: a failed backup never replaces a good one.
            with tempfile.TemporaryDirectory(prefix=".ahya-backup-", dir=target.parent) as work:
                _write(Path(work) / "backup.gpkg", data, meta, stored, overlays)
                os.replace(Path(work) / "backup.gpkg", target)
    except (OSError, sqlite3.Error, DataLayerError, DataSourceError, BackupError) as exc:
        _forget(previous, str(exc).splitlines()[0] if str(exc) else type(exc).__name__, user_id)
        if isinstance(exc, BackupError):
            raise
        raise BackupError(f"{target}: cannot write the backup: {exc}") from None
    photo_count = sum(n.startswith("photos/") for n in stored.names) if stored is not None else 0
    return {**{name: len(rows) for name, (_, rows) in data.items()},
            "overlays": len(overlays), "photos": photo_count}


def _write(tmp: Path, data: dict, meta: dict, stored, overlays: list) -> None:
    columns, rows = data[POINT_TABLE]
    at = {c.name: i for i, c in enumerate(columns)}
    attrs = {c.name: _layer_column(c, [r[i] for r in rows]) for i, c in enumerate(columns)
             if c.name not in POINT_COLUMNS}
    points = gpd.points_from_xy(*([r[at[n]] for r in rows] for n in POINT_COLUMNS))
    gpd.GeoDataFrame(attrs, geometry=points, crs="EPSG:4326").to_file(
        tmp, layer=POINT_TABLE, driver="GPKG", engine="pyogrio", geometry_type="Point")
    for name in overlays:  # shown in QGIS as layers; restored from stored_files
        raw = stored.data(f"overlays/{name}.geojson")
        gpd.read_file(io.BytesIO(raw), engine="pyogrio").to_file(
            tmp, layer=f"overlay_{name}", driver="GPKG", engine="pyogrio")
    with closing(sqlite3.connect(tmp)) as con, con:
        for name, (columns, rows) in data.items():
            if name != POINT_TABLE:
                # A generator: for stored_files one file in memory at a time.
                _attribute_table(con, name, [(c.name, _type(c)[1]) for c in columns],
                                 ([_encode(c, v) for c, v in zip(columns, r, strict=True)] for r in rows))
        _attribute_table(con, "meta", [("key", "TEXT"), ("value", "TEXT")], meta.items())
    tmp.chmod(0o600)  # contacts, exact points (and maybe password hashes): owner only


def _open(path: Path) -> tuple[sqlite3.Connection, dict[str, str]]:
    """Open a backup read-only and check that it is one this version can restore."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    con = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        if con.execute("PRAGMA application_id").fetchone()[0] != GPKG_APPLICATION_ID:
            raise BackupError("not a GeoPackage")
        has_meta = con.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone()
        meta = dict(con.execute("SELECT key, value FROM meta")) if has_meta else {}
        if meta.get("format") != FORMAT:
            raise BackupError("not an Ahya backup")
        if meta.get("format_version") != FORMAT_VERSION:
            raise BackupError(f"backup format {meta.get('format_version')!r} is not supported "
                              f"(this Ahya reads format {FORMAT_VERSION})")
        return con, meta
    except (sqlite3.Error, BackupError) as exc:
        con.close()
        reason = exc if isinstance(exc, BackupError) else f"not a GeoPackage ({exc})"
        raise BackupError(f"{path}: {reason}") from None


def _columns_of(cursor, keep: list[int]):
    for row in cursor:
        yield tuple(row[i] for i in keep)


def _read_tables(path: Path, con: sqlite3.Connection, names: list[str]) -> dict[str, tuple[list, list]]:
    """Column names and raw rows of every database table in the backup."""
    out = {}
    for name in names:
        if name == POINT_TABLE:
            frame = gpd.read_file(path, layer=name, engine="pyogrio")
            geom = frame.geometry
            frame = pd.DataFrame(frame.drop(columns=geom.name)).assign(lon=geom.x, lat=geom.y)
            out[name] = (list(frame.columns), list(frame.itertuples(index=False, name=None)))
        else:
            cur = con.execute(f"SELECT * FROM {_q(name)} ORDER BY fid")  # noqa: S608 (quoted name)
            keep = [i for i, d in enumerate(cur.description) if d[0] != "fid"]
            rows = _columns_of(cur, keep)  # stored_files: read while inserted, one batch at a time
            out[name] = ([cur.description[i][0] for i in keep], rows if name == FILES_TABLE else list(rows))
    return out


def _check_target(conn, meta: dict, tables, target: tuple, accounts_ok: bool) -> None:
    """Refuse a backup of another revision or other tables, and a database that is not empty.

    ``accounts_ok``: accounts do not count (the admin page: its admin is signed in); everything
    else must be empty. Rebuildable caches and waiting uploads (``cache/``) never count.
    """
    known, revision = target
    if meta.get("alembic_revision") != revision:
        raise BackupError(f"the backup has database revision {meta.get('alembic_revision')!r}, this database "
                          f"{revision!r}: restore with Ahya {meta.get('app_version')}, then upgrade")
    if set(tables) != set(known):
        raise BackupError(f"the backup's tables {sorted(tables)} differ from the database's {sorted(known)}")
    found = []
    for name in CONTENT:
        if name not in known or (accounts_ok and name in ACCOUNT_TABLES):
            continue
        query = sa.select(sa.func.count()).select_from(known[name])
        if name == FILES_TABLE:
            query = query.where(~_cache(known[name]))
        if n := conn.scalar(query):
            found.append(f"{n} {name}")
    if found:
        raise BackupError(f"the database is not empty ({', '.join(found)}); restore needs an empty database")


def _load(conn, meta: dict, backup: dict, keep: dict | None = None) -> dict[str, int]:
    """Insert every row, keeping ids; any problem raises and the caller's transaction rolls back.

    ``keep``: the account (a dict of ``users`` columns) that must still sign in afterwards.
    """
    if conn.dialect.name == "sqlite":  # the write lock now: nobody may write between check and insert
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    reflected = _reflect(conn)
    target = reflected[0]
    _check_target(conn, meta, backup, reflected, keep is not None)
    # Caches (the point snapshot) and uploads waiting for confirmation: never restored.
    conn.execute(sa.delete(target[FILES_TABLE]).where(_cache(target[FILES_TABLE])))
    if keep is not None:
        # The accounts go (the backup's replace them) and, first, every row that may point at one.
        for name in reversed(list(target)):
            if name not in CONTENT or name in ACCOUNT_TABLES:
                conn.execute(target[name].delete())
    counts = {}
    for name, table in target.items():
        names, rows = backup[name]
        blank = [c for c in CREDENTIALS.get(name, ()) if c not in names]
        if set(names) | set(blank) != set(table.c.keys()):
            raise BackupError(f"table {name}: the backup's columns differ from the database's")
        if name not in CONTENT:
            conn.execute(table.delete())
        if name == FILES_TABLE:
            counts[name] = _load_files(conn, table, names, rows)
            continue
        # Without a hash nobody can sign in until given a new password; a fresh session token
        # ends any session that was open when the backup was made.
        records = [{**{n: _decode(table.c[n], v) for n, v in zip(names, row, strict=True)},
                    **{c: secrets.token_hex(8) if c == "session_token" else "" for c in blank}}
                   for row in rows]
        if records:
            conn.execute(table.insert(), records)
        counts[name] = len(records)
    if keep is not None:
        counts["kept_user_id"] = _keep_account(conn, target["users"], keep)
    if conn.dialect.name == "postgresql":
        # Ids were inserted explicitly: move each serial sequence past them so new rows don't collide.
        for table, col in ((t, c) for t in target.values() for c in t.primary_key.columns):
            if seq := conn.scalar(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                  {"t": _q(table.name), "c": col.name}):
                conn.execute(sa.text(f"SELECT setval(:s, COALESCE(MAX({_q(col.name)}), 0) + 1, false) "  # noqa: S608
                                     f"FROM {_q(table.name)}"), {"s": seq})
    return counts


def _keep_account(conn, users: sa.Table, keep: dict) -> int:
    """The restoring admin's account after the backup's accounts are in: the backup's account of
    the same e-mail takes her password and stays or becomes admin; else hers is added. Its id."""
    same = conn.execute(sa.select(users.c.id).where(users.c.email == keep["email"])).first()
    sign_in = {"password_hash": keep["password_hash"], "session_token": keep["session_token"],
               "role": "admin", "active": True, "failed_logins": 0, "locked_until": None}
    sign_in = {k: v for k, v in sign_in.items() if k in users.c}
    if same is not None:
        conn.execute(users.update().where(users.c.id == same.id).values(**sign_in))
        return same.id
    new_id = (conn.scalar(sa.select(sa.func.max(users.c.id))) or 0) + 1
    row = {**{k: v for k, v in keep.items() if k in users.c}, **sign_in, "id": new_id}
    conn.execute(users.insert().values(**row))
    return new_id


def _load_files(conn, table: sa.Table, names: list[str], rows) -> int:
    """Insert the backup's stored files, ``FILES_BATCH`` at a time; returns how many."""
    count, batch = 0, []
    for row in rows:
        record = {n: _decode(table.c[n], v) for n, v in zip(names, row, strict=True)}
        if not files.NAME.match(record.get("name") or "") or record["name"].startswith(files.CACHE_PREFIX):
            raise ValueError(f"stored file {record.get('name')!r}: not a name Ahya writes")
        batch.append(record)
        if len(batch) >= FILES_BATCH:
            conn.execute(table.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        conn.execute(table.insert(), batch)
        count += len(batch)
    return count


def inspect(path, accounts_ok: bool = False) -> dict:
    """What the backup ``path`` holds (``meta`` and rows per table), if this database can take it.

    Nothing is written. ``accounts_ok``: as for :func:`restore` with ``keep``.

    Raises
    ------
    BackupError
        Not an Ahya backup of this revision, or the database is not empty.
    """
    source = Path(path)
    con, meta = _open(source)
    try:
        tables = json.loads(meta.get("tables", "[]"))
        counts = {name: con.execute(f"SELECT COUNT(*) FROM {_q(name)}").fetchone()[0]  # noqa: S608 (quoted)
                  for name in tables}
        with db.engine.connect() as conn:
            _check_target(conn, meta, tables, _reflect(conn), accounts_ok)
    except (sqlite3.Error, sa.exc.SQLAlchemyError, ValueError, TypeError) as exc:
        raise BackupError(f"{source}: not a backup this Ahya can read ({str(exc).splitlines()[0]})") from None
    finally:
        con.close()
    return {"meta": meta, "counts": counts}


def restore(path, keep: dict | None = None) -> dict[str, int]:
    """Restore into an empty database, all or nothing: every row, files included, in one transaction.

    ``keep``: the admin restoring from the browser (the ``users`` columns of her account): the
    database may then hold accounts, which the backup's replace, and she can still sign in
    (``counts["kept_user_id"]`` is her id afterwards).
    """
    source = Path(path)
    con, meta = _open(source)
    try:
        backup = _read_tables(source, con, json.loads(meta.get("tables", "[]")))
        with db.engine.begin() as conn:
            counts = _load(conn, meta, backup, keep)
            # In the same transaction as the rows: validators issued after the backup was taken
            # must not match the restored data, and every worker's point cache reloads in full
            # (the restored rows' changed_version values come from another history).
            bump_data_version(conn, full_reload=True)
            stored = list(conn.scalars(sa.select(files.StoredFile.name)))
    except (sa.exc.SQLAlchemyError, sqlite3.Error, DataLayerError, DataSourceError, OSError, ValueError,
            TypeError, KeyError) as exc:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise BackupError(f"{source}: restore failed, nothing was changed ({detail})") from None
    finally:
        con.close()
    sitesettings.clear_cache()
    overlays = sum(n.startswith("overlays/") and n.endswith(".geojson") for n in stored)
    return {**counts, "overlays": overlays, "photos": sum(n.startswith("photos/") for n in stored)}
