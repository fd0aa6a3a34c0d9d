"""The data version: one counter that changes with every change to reports.

Every create, publish, edit, reject, archive or delete calls :func:`bump_data_version`
before its commit, so the new version becomes visible in the same transaction as the
change, never before it and never without it. Readers (API validators, the API's
response cache) need only :func:`current_data_version`: one primary-key read.

``changed_at`` is kept in whole seconds and strictly increasing from one version to the
next. HTTP dates (``Last-Modified`` / ``If-Modified-Since``) have one-second resolution:
two changes within the same second would otherwise share a ``Last-Modified`` and a
client revalidating by date would be told "not modified" after the second change.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from flask import has_request_context, request
from sqlalchemy import select, update

from .extensions import db
from .models import DataVersion, utcnow

ROW_ID = 1
#: Remembered in the WSGI environ rather than ``g``: a test (or a CLI command) may run
#: several requests inside one app context, and ``g`` would then outlive a request.
_ENV_KEY = "ahya.data_version"
_SECOND = dt.timedelta(seconds=1)
EPOCH = dt.datetime(1970, 1, 1)


class Version(NamedTuple):
    version: int
    changed_at: dt.datetime  # naive UTC, whole seconds


def bump_data_version() -> int:
    """Increment the version inside the caller's transaction; the caller commits.

    The increment is a single ``UPDATE ... SET version = version + 1``: it takes the
    row lock on PostgreSQL (SQLite's write lock) before anything is read, so two
    concurrent writers get two different versions instead of both writing the same.
    """
    table = DataVersion.__table__
    session = db.session
    now = utcnow().replace(microsecond=0)
    result = session.execute(update(table).where(table.c.id == ROW_ID)
                             .values(version=table.c.version + 1))
    if result.rowcount == 0:
        # The migration inserts the row; recreate it if someone emptied the table by hand.
        session.execute(table.insert().values(id=ROW_ID, version=1, changed_at=now))
        _forget()
        return 1
    # The row is locked by the UPDATE above, so this read cannot race another writer.
    version, previous = session.execute(
        select(table.c.version, table.c.changed_at).where(table.c.id == ROW_ID)).one()
    stamp = max(now, previous.replace(microsecond=0) + _SECOND)
    session.execute(update(table).where(table.c.id == ROW_ID).values(changed_at=stamp))
    _forget()
    return int(version)


def current_data_version() -> Version:
    """The committed version and when it changed (one indexed read, remembered per request).

    Read it before querying the data it labels: data read afterwards is then at least as
    new as the version, so an ETag never names older data than the response holds.
    """
    if has_request_context() and _ENV_KEY in request.environ:
        return request.environ[_ENV_KEY]
    table = DataVersion.__table__
    row = db.session.execute(
        select(table.c.version, table.c.changed_at).where(table.c.id == ROW_ID)).first()
    current = Version(int(row.version), row.changed_at.replace(microsecond=0)) if row else \
        Version(0, EPOCH)
    if has_request_context():
        request.environ[_ENV_KEY] = current
    return current


def _forget() -> None:
    # A request that writes and then reads must not see the version remembered before its write.
    if has_request_context():
        request.environ.pop(_ENV_KEY, None)
