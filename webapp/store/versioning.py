"""The data version: one counter that changes with every change to reports.

Every create, publish, edit, reject, archive or delete calls :func:`bump_data_version`
before its commit, so the new version becomes visible in the same transaction as the
change, never before it and never without it. Readers (API validators, the API's
response cache) need only :func:`current_data_version`: one primary-key read.

``changed_at`` is kept in whole seconds and strictly increasing from one version to the
next. HTTP dates (``Last-Modified`` / ``If-Modified-Since``) have one-second resolution:
two changes within the same second would otherwise share a ``Last-Modified`` and a
client revalidating by date would be told "not modified" after the second change.

Each report row also carries the version that last changed it (``Report.changed_version``),
so the point cache (:mod:`webapp.store.pointcache`) reloads only the rows changed since the version
it holds. Versions are handed out under the counter's row lock (SQLite: its write lock), so
they are assigned in commit order: once a reader sees version V, every row stamped <= V is
committed. What cannot be replayed row by row (a delete, a restore, a change made without a
stamp) sets ``reload_version``: a cache at or below it reloads in full. The session hooks at the
end of this module make that automatic for any change made through ``db.session``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from flask import has_request_context, request
from sqlalchemy import DateTime, bindparam, case, event, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.functions import FunctionElement

from ..extensions import db
from .models import DataVersion, Report, utcnow

ROW_ID = 1
#: Remembered in the WSGI environ rather than ``g``: a test (or a CLI command) may run
#: several requests inside one app context, and ``g`` would then outlive a request.
_ENV_KEY = "ahya.data_version"
EPOCH = dt.datetime(1970, 1, 1)


class Version(NamedTuple):
    version: int
    changed_at: dt.datetime  # naive UTC, whole seconds


class State(NamedTuple):
    """The whole counter row, read fresh (see :func:`read_state`)."""

    version: int
    changed_at: dt.datetime
    reload_version: int


class _NextSecond(FunctionElement):
    """A DateTime column truncated to whole seconds, plus one second (spelled per database)."""

    type = DateTime()
    inherit_cache = True
    name = "next_second"


@compiles(_NextSecond)
def _next_second(element, compiler, **kw):  # PostgreSQL
    return f"(date_trunc('second', {compiler.process(element.clauses, **kw)}) + interval '1 second')"


@compiles(_NextSecond, "sqlite")
def _next_second_sqlite(element, compiler, **kw):
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' text: the same format
    # back, so the CASE below compares like with like.
    return f"strftime('%Y-%m-%d %H:%M:%S.000000', {compiler.process(element.clauses, **kw)}, '+1 second')"


_TABLE = DataVersion.__table__
_NOW = bindparam("now", type_=DateTime())
_NEXT = _NextSecond(_TABLE.c.changed_at)


def _increment(full_reload: bool):
    """One ``UPDATE ... RETURNING``: the new version, ``changed_at`` = max(now, previous + 1 s).

    SET expressions read the row as it was, and the UPDATE takes the row lock (SQLite: the
    write lock) before anything is read, so no other writer can come in between.
    """
    values = {"version": _TABLE.c.version + 1, "changed_at": case((_NEXT > _NOW, _NEXT), else_=_NOW)}
    if full_reload:
        values["reload_version"] = _TABLE.c.version + 1
    return update(_TABLE).where(_TABLE.c.id == ROW_ID).values(**values).returning(_TABLE.c.version)


_INCREMENT = {False: _increment(False), True: _increment(True)}
# session.info keys, valid for the current transaction only (cleared when it ends).
_BUMPED = "ahya.version.bumped"        # (first, last) version bumped to in this transaction
_UNSTAMPED = "ahya.version.unstamped"  # reports flushed with a change before any bump
_RELOAD = "ahya.version.reload"        # something a cache cannot replay row by row happened


def bump_data_version(connection=None, *, full_reload: bool = False) -> int:
    """Increment the version inside the caller's transaction; the caller commits.

    The increment is a single ``UPDATE ... SET version = version + 1``: it takes the
    row lock on PostgreSQL (SQLite's write lock) before anything is read, so two
    concurrent writers get two different versions instead of both writing the same.

    Returns the new version. Through ``db.session`` (the default) every report changed in
    this transaction gets it as ``changed_version``, before or after this call (see the
    session hooks below). ``connection`` runs it on a Core connection instead (restore);
    ``full_reload`` tells every point cache to reload in full rather than replay the rows.
    """
    session = db.session()
    # The session's own connection (its transaction), without the ORM's execute path: nothing
    # here needs it, and pending reports must not be flushed before they can be stamped.
    executor = connection if connection is not None else session.connection()
    now = utcnow().replace(microsecond=0)
    version = executor.execute(_INCREMENT[full_reload], {"now": now}).scalar()
    if version is None:
        # The migration inserts the row; recreate it if someone emptied the table by hand.
        # Versions restart at 1: every cache reloads in full (see pointcache).
        version = 1
        executor.execute(_TABLE.insert().values(id=ROW_ID, version=version, changed_at=now,
                                                reload_version=version))
        from . import pointsnapshot  # the numbers start again: no snapshot may match a new one
        pointsnapshot.clear(executor)
    if connection is None:
        _stamp(session, version)
    _forget()
    return version


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


def read_state() -> State:
    """The counter row as committed now (not remembered per request), with ``reload_version``."""
    row = db.session.execute(select(_TABLE.c.version, _TABLE.c.changed_at, _TABLE.c.reload_version)
                             .where(_TABLE.c.id == ROW_ID)).first()
    if row is None:
        return State(0, EPOCH, 0)
    return State(int(row.version), row.changed_at.replace(microsecond=0), int(row.reload_version))


def _forget() -> None:
    # A request that writes and then reads must not see the version remembered before its write.
    if has_request_context():
        request.environ.pop(_ENV_KEY, None)


# --- Stamping reports with the version (session hooks) -------------------------------------------
#
# Write paths set ``report.changed_version = bump_data_version()``; these hooks make the stamp
# hold for any change made through ``db.session``, whatever the order of bump and flush:
#
# * a report inserted or changed after the bump gets the transaction's version at flush;
# * one flushed before the bump gets it at the bump (one more UPDATE at the next flush);
# * a change the cache cannot replay row by row — a deleted report, a bulk UPDATE/INSERT/DELETE
#   statement on ``reports`` that does not set ``changed_version`` itself, a report changed in a
#   transaction that never bumps — sets ``reload_version`` at commit: caches reload in full.
#
# Core connections outside the session (``restore``) pass ``full_reload=True`` themselves.

_RAW_WRITE = re.compile(r"\b(?:insert\s+into|update|delete\s+from)\s+[\"`]?reports\b", re.IGNORECASE)


def _stamp(session, version: int) -> None:
    first, _last = session.info.get(_BUMPED, (version, version))
    session.info[_BUMPED] = (first, version)
    for report in session.info.pop(_UNSTAMPED, ()):
        if report in session:
            report.changed_version = version


@event.listens_for(db.session, "before_flush")
def _stamp_on_flush(session, _flush_context, _instances) -> None:
    bumped = session.info.get(_BUMPED)
    for obj in session.new:
        if isinstance(obj, Report):
            _stamp_one(session, obj, bumped)
    for obj in session.dirty:
        if isinstance(obj, Report) and session.is_modified(obj, include_collections=False):
            _stamp_one(session, obj, bumped)
    if any(isinstance(obj, Report) for obj in session.deleted):
        session.info[_RELOAD] = True


def _stamp_one(session, report: Report, bumped) -> None:
    if bumped is not None:
        report.changed_version = bumped[1]  # the same value again is no change to write
    else:
        session.info.setdefault(_UNSTAMPED, set()).add(report)


@event.listens_for(db.session, "do_orm_execute")
def _watch_statements(state) -> None:
    statement = state.statement
    if isinstance(statement, TextClause):
        if _RAW_WRITE.search(statement.text):
            state.session.info[_RELOAD] = True
        return
    if not getattr(statement, "is_dml", False):
        return
    if getattr(getattr(statement, "table", None), "name", None) != Report.__tablename__:
        return
    if state.is_delete or not _sets_changed_version(state):
        state.session.info[_RELOAD] = True


def _sets_changed_version(state) -> bool:
    """An INSERT/UPDATE that sets ``changed_version`` itself (trusted to use the bumped version)."""
    params = state.parameters
    first = params[0] if isinstance(params, list) and params else params
    if isinstance(first, dict) and "changed_version" in first:
        return True
    values = getattr(state.statement, "_values", None) or {}
    return any(getattr(key, "key", key) == "changed_version" for key in values)


@event.listens_for(db.session, "before_commit")
def _mark_reload(session) -> None:
    session.flush()  # commit's own flush, done first: pending changes pass through _stamp_on_flush
    unstamped, reload = session.info.pop(_UNSTAMPED, None), session.info.pop(_RELOAD, False)
    if not (unstamped or reload):
        return
    bumped = session.info.get(_BUMPED)
    if bumped is None:  # no new version: caches at the current one must reload at the next
        value = _TABLE.c.version
    else:  # caches from before this transaction: below its first version
        value = case((_TABLE.c.reload_version < bumped[0] - 1, bumped[0] - 1), else_=_TABLE.c.reload_version)
    session.execute(update(_TABLE).where(_TABLE.c.id == ROW_ID).values(reload_version=value))


@event.listens_for(db.session, "after_transaction_end")
def _clear(session, transaction) -> None:
    if transaction.parent is None:
        for key in (_BUMPED, _UNSTAMPED, _RELOAD):
            session.info.pop(key, None)
