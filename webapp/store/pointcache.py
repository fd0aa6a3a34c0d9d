"""The published public points as numpy arrays, held in process memory per data version.

Cluster counts at low zoom cover the whole city: a SQL ``GROUP BY`` over a million rows
takes seconds, numpy masks over arrays already in memory take milliseconds. The arrays are
labelled with the data version (:mod:`webapp.store.versioning`) they were read at and brought up to
date on the first request after any change, so they are never older than the committed data.

The update is incremental: only the rows whose ``changed_version`` is above the cached version
are read (an index range: milliseconds at a million reports), their ids removed from the arrays
and the ones that are public now inserted again, keeping the arrays sorted by id. The result is
exactly what a full load at that version gives (tests/webapp/test_pointcache.py checks it). A
full load happens instead on the first request, when the version went backwards (a restore), when
``reload_version`` says a change could not be replayed row by row (deletes, restores, unstamped
changes), or when too many rows changed for an update to be worth it.

Only public columns are loaded (id, kind, category, area, observed_on, public point, lifecycle
state): the exact point never enters this cache. Each worker process holds its own copy (~33 bytes per
report: ~33 MB at a million); threads of a worker share it, one refresh at a time. A full load
reads the rows in chunks straight into numpy, so a worker grows by the arrays and not by a
million rows of Python objects, and stores the result in the database
(:mod:`webapp.store.pointsnapshot`): a worker starting later, on any server, reads that blob and
the rows changed since instead of loading everything again.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from flask import current_app
from sqlalchemy import String, cast, select

from ..extensions import db
from ..state import app_state
from . import pointsnapshot
from .models import Report
from .queries import PUBLIC_STATUS, ReportFilters, apply_filters
from .versioning import bump_data_version, current_data_version, read_state

#: ``day`` of a report without ``observed_on``: matches no since/until filter, like SQL NULL.
NO_DAY = np.iinfo(np.int32).min
_EPOCH = dt.date(1970, 1, 1)
_LOCK = threading.Lock()
#: An update reads at most this share of the cached rows (and this many at least) before a
#: full load is cheaper: a bulk import of many rows is simply loaded again.
UPDATE_MAX_SHARE, UPDATE_MIN_ROWS = 0.25, 10_000
#: A full load of at least this many points is stored as a snapshot (:mod:`.pointsnapshot`);
#: a worker that started from a snapshot and then read this many changed rows stores a newer one.
SNAPSHOT_MIN_ROWS, SNAPSHOT_STALE_ROWS = 20_000, 5_000
# Public columns, in the order of ``Points``' arrays. observed_on as ISO text ('YYYY-MM-DD' on
# SQLite and PostgreSQL): numpy parses a million of those at once, where SQLAlchemy's Date type
# would build a million date objects.
_COLUMNS = (Report.id, Report.kind, Report.category, Report.area, cast(Report.observed_on, String(10)),
            Report.public_lon, Report.public_lat, Report.lifecycle)
#: Names of ``_COLUMNS`` in the arrays.
_NAMES = ("ids", "kind", "category", "area", "day", "lon", "lat", "lifecycle")
_CODED = ("kind", "category", "area", "lifecycle")
_DTYPES = {"kind": np.int8, "category": np.int16, "area": np.int16, "lifecycle": np.int8}


@dataclass(frozen=True)
class Points:
    """Parallel arrays, one element per published report; codes index the ``*_names`` tuples."""

    generation: tuple        # (changed_at, version) of the data version the arrays hold
    ids: np.ndarray          # int64, ascending
    kind: np.ndarray         # int8 code into kind_names
    category: np.ndarray     # int16 code into category_names
    area: np.ndarray         # int16 code into area_names (-1: no area)
    day: np.ndarray          # int32 days since 1970-01-01 (NO_DAY: unknown)
    lon: np.ndarray          # float64 public longitude
    lat: np.ndarray          # float64 public latitude
    lifecycle: np.ndarray    # int8 code into lifecycle_names (the public state, store.lifecycle)
    kind_names: tuple[str, ...]      # sorted, each used by at least one point
    category_names: tuple[str, ...]
    area_names: tuple[str, ...]
    lifecycle_names: tuple[str, ...]
    #: Points per name of kind, category and area (aligned with the names): lets an update
    #: drop a name that fell out of use without scanning the arrays.
    name_counts: dict = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def version(self) -> int:
        return self.generation[1]


def _codes(values) -> tuple[np.ndarray, tuple[str, ...]]:
    """Small integer codes for a column of a few distinct strings (None → -1), names sorted."""
    codes, names = pd.factorize(pd.Series(values, dtype=object), sort=True)  # hashing, not a sort
    return codes.astype(np.int16), tuple(names)


def _days(values) -> np.ndarray:
    # 'YYYY-MM-DD' text (SQLite and PostgreSQL alike); datetime64[D] turns None into NaT → NO_DAY.
    text = pd.Series(values, dtype=object).str[:10].to_numpy(dtype=object, na_value=None)
    d64 = np.array(text, dtype="datetime64[D]")
    return np.where(np.isnat(d64), NO_DAY, d64.astype("int64")).astype(np.int32)


def _columns(rows) -> dict:
    """Rows of ``_COLUMNS`` as arrays (codes with their names) in the rows' order."""
    frame = pd.DataFrame.from_records(rows, columns=_NAMES, coerce_float=False, nrows=len(rows))
    out = {"ids": frame["ids"].to_numpy(dtype=np.int64), "day": _days(frame["day"]),
           "lon": frame["lon"].to_numpy(dtype=float), "lat": frame["lat"].to_numpy(dtype=float)}
    out["name_counts"] = {}
    for name in _CODED:
        codes, names = _codes(frame[name])
        out[name], out[f"{name}_names"] = codes.astype(_DTYPES[name]), names
        out["name_counts"][name] = _count(codes, len(names))
    return out


def _count(codes: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(codes[codes >= 0].astype(np.intp), minlength=n)


#: Rows per ``fetchmany``: the Python objects of one chunk (~10 MB) are all that exists at a time.
CHUNK_ROWS = 50_000


def _fetch_chunks(stmt):
    """The rows of ``stmt`` as lists of plain tuples, ``CHUNK_ROWS`` at a time, from the driver's
    cursor in the session's transaction (one statement: one consistent read).

    At a million rows SQLAlchemy's Row objects cost as much as the query itself (~1.7 s on
    SQLite): the statement is compiled once (literal values: only constants of this module) and
    fetched raw. Fetching all rows at once left ~200 MB of freed heap in every worker (the tuples
    of a million rows); a chunk at a time, the same memory is reused.
    """
    conn = db.session.connection()
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            yield rows
    finally:
        cursor.close()


def _join(parts: list[dict]) -> dict:
    """Per-chunk ``_columns`` results as one: arrays concatenated, codes into the sorted union of names."""
    if len(parts) == 1:
        return parts[0]
    out = {name: np.concatenate([p[name] for p in parts]) for name in ("ids", "day", "lon", "lat")}
    out["name_counts"] = {}
    for name in _CODED:
        wanted = tuple(sorted({n for p in parts for n in p[f"{name}_names"]}))
        out[name] = np.concatenate([_recode(p[name], p[f"{name}_names"], wanted) for p in parts])
        counts = np.zeros(len(wanted), dtype=np.int64)
        for p in parts:
            position = [wanted.index(n) for n in p[f"{name}_names"]]
            np.add.at(counts, position, p["name_counts"][name])
        out[f"{name}_names"], out["name_counts"][name] = wanted, counts
    return out


def _load(generation) -> Points:
    """Every published point, read in full in chunks straight into numpy (~2 s per million rows
    on SQLite; the peak is the arrays plus one chunk)."""
    stmt = select(*_COLUMNS).where(Report.status == PUBLIC_STATUS).order_by(Report.id)
    parts = [_columns(rows) for rows in _fetch_chunks(stmt)]
    return Points(generation=generation, **(_join(parts) if parts else _columns([])))


def _changed_rows(since: int, limit: int):
    """(id, status, public columns...) of the rows changed after version ``since``, at most ``limit``."""
    stmt = select(Report.status, *_COLUMNS).where(Report.changed_version > since).limit(limit)
    return db.session.execute(stmt).all()


def _recode(codes: np.ndarray, names: tuple, wanted: tuple) -> np.ndarray:
    """``codes`` into ``names`` as codes into ``wanted`` (-1 stays -1, as do names not wanted)."""
    if names == wanted:
        return codes
    position = {name: i for i, name in enumerate(wanted)}
    # One slot more at the end: code -1 indexes it and stays -1.
    table = np.array([position.get(name, -1) for name in names] + [-1], dtype=np.int64)
    return table[codes].astype(codes.dtype)


#: Above this many removals + insertions, numpy's delete/insert beat copying runs one by one.
_RUNS_MAX = 512


def _splice(old: np.ndarray, drop: np.ndarray, at: np.ndarray, new: np.ndarray, n_out: int) -> np.ndarray:
    """A new array: ``old`` without the elements at ``drop``, with ``new[j]`` before ``old[at[j]]``.

    ``drop`` and ``at`` are ascending positions in ``old``. The old arrays are never changed in
    place: other threads may be reading them.
    """
    if len(drop) + len(at) > _RUNS_MAX:
        kept_at = at - np.searchsorted(drop, at)
        return np.insert(np.delete(old, drop), kept_at, new.astype(old.dtype, copy=False))
    out = np.empty(n_out, dtype=old.dtype)
    # Events in old positions; at a tie the insertion comes first (new[j] sorts before old[i]).
    events = sorted([(int(i), 1, 0) for i in drop] + [(int(i), 0, j) for j, i in enumerate(at)])
    src = dst = 0
    for i, is_drop, j in events:
        if i > src:  # copy the run of old elements up to this event
            out[dst:dst + i - src] = old[src:i]
            dst, src = dst + i - src, i
        if is_drop:
            src = i + 1
        else:
            out[dst] = new[j]
            dst += 1
    out[dst:] = old[src:]
    return out


def _merge(points: Points, rows, generation) -> Points:
    """``points`` with the changed ``rows`` applied: the same arrays a full load would give."""
    changed = np.unique(np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows)))
    new = _columns(sorted((r[1:] for r in rows if r[0] == PUBLIC_STATUS), key=lambda r: r[0]))
    # Every changed id goes (deleted, unpublished, moved or edited in place) ...
    pos = np.searchsorted(points.ids, changed)
    found = pos < len(points.ids)
    found[found] = points.ids[pos[found]] == changed[found]
    drop = pos[found]
    # ... and the ones public now come back at their place in id order.
    at = np.searchsorted(points.ids, new["ids"])
    n_out = len(points) - len(drop) + len(new["ids"])
    out = {name: _splice(getattr(points, name), drop, at, new[name], n_out)
           for name in ("ids", "day", "lon", "lat")}
    out["name_counts"] = {}
    for name in _CODED:
        old_names, add_names = getattr(points, f"{name}_names"), new[f"{name}_names"]
        names = old_names + tuple(n for n in add_names if n not in old_names)
        old_codes, add_codes = getattr(points, name), _recode(new[name], add_names, names)
        counts = np.zeros(len(names), dtype=np.int64)
        counts[:len(old_names)] = points.name_counts[name]
        counts -= _count(old_codes[drop], len(names))
        counts += _count(add_codes, len(names))
        codes = _splice(old_codes, drop, at, add_codes, n_out)
        # Names sorted and only those in use, as a full load has them (rarely changes: then O(n)).
        wanted = tuple(sorted(n for n, c in zip(names, counts, strict=True) if c))
        if wanted != names:
            codes = _recode(codes, names, wanted)
            counts = counts[[names.index(n) for n in wanted]]
        out[name], out[f"{name}_names"], out["name_counts"][name] = codes, wanted, counts
    return Points(generation=generation, **out)


def _refresh(points: Points | None) -> Points:
    """The points at the version committed now: ``points`` updated, or a full load."""
    # Read fresh, not the version remembered for the request: a request that started before
    # the cache was updated finds it already newer and uses it (newer data, never older).
    state = read_state()
    generation = (state.changed_at, state.version)
    if points is not None and points.generation == generation:
        return points
    # Rows are read after the version: they are at least as new as the label they get.
    from_snapshot = False
    if points is None or state.version < points.version or points.version <= state.reload_version:
        # A snapshot another worker stored (any server: it is in the database) saves the full load.
        points = pointsnapshot.load(state, Points)
        if points is None:
            return _loaded(generation)
        from_snapshot = True
        if points.generation == generation:
            return points
    limit = max(UPDATE_MIN_ROWS, int(len(points) * UPDATE_MAX_SHARE))
    rows = _changed_rows(points.version, limit)
    if len(rows) >= limit:
        return _loaded(generation)
    merged = _merge(points, rows, generation)
    if from_snapshot and len(rows) >= SNAPSHOT_STALE_ROWS:
        pointsnapshot.save(merged)  # the next worker starts from here, not from the older one
    return merged


def _loaded(generation) -> Points:
    """A full load, stored as the snapshot for the next worker when it is worth one."""
    points = _load(generation)
    if len(points) >= current_app.config.get("POINT_SNAPSHOT_MIN_ROWS", SNAPSHOT_MIN_ROWS):
        pointsnapshot.save(points)
    _trim()
    return points


def _trim() -> None:
    """Give the memory freed by a full load back to the system (glibc only; elsewhere nothing).

    The chunks' objects and the snapshot's buffer are freed, but glibc keeps freed heap for
    later use, and after a load the worker would keep ~100 MB it never needs again.
    """
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def store_snapshot() -> Points:
    """Bring the points up to the committed version and store them as the snapshot, whatever their number.

    The bulk commands (``flask reports import``, ``flask demo load``/``clear``, ``flask restore``)
    call it at their end: they leave the snapshot stale, and the first worker started after them
    would otherwise do the full load (seconds at a million reports), with warm-up or not.
    A snapshot at ``reload_version`` itself is never used (a restore ends there), so then the
    version is bumped first: one empty step after which the snapshot is a valid start.
    """
    state = read_state()
    if state.version <= state.reload_version:
        bump_data_version()
        db.session.commit()
    points = _refresh(None)
    found = pointsnapshot.usable(read_state())
    if found is None or found[0] != points.version:
        pointsnapshot.save(points)
    _trim()
    return points


def get_points() -> Points:
    """The published points at the current data version (updated when the version changed)."""
    version, changed_at = current_data_version()
    generation = (changed_at, version)
    state = app_state()
    points = state.points
    if points is not None and points.generation == generation:
        return points
    with _LOCK:  # one refresh at a time, not one per concurrent request
        points = state.points
        if points is None or points.generation != generation:
            points = _refresh(points)
            state.points = points
    return points


def _day(value: dt.date) -> int:
    return (value - _EPOCH).days


def title_match_ids(filters: ReportFilters) -> np.ndarray:
    """Ids of published reports whose titles contain every word of ``filters.q`` (SQL ILIKE)."""
    stmt = apply_filters(select(Report.id).where(Report.status == PUBLIC_STATUS),
                         ReportFilters(q=filters.q))
    return np.fromiter(db.session.scalars(stmt), dtype=np.int64)


def select_mask(points: Points, filters: ReportFilters,
                bbox: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """Boolean mask of the points matching ``filters`` (kind, categories, area, dates, q) and ``bbox``.

    Same semantics as :func:`webapp.store.queries.apply_filters`: inclusive bounds, no date matches
    a since/until filter. ``bbox`` overrides ``filters.bbox`` (the clusters snap it to cells).
    """
    mask = np.ones(len(points), dtype=bool)

    def code(names, value):
        return names.index(value) if value in names else -2  # -2 matches nothing

    if filters.kind:
        mask &= points.kind == code(points.kind_names, filters.kind)
    if filters.categories:
        mask &= np.isin(points.category, [code(points.category_names, c) for c in filters.categories])
    if filters.area:
        mask &= points.area == code(points.area_names, filters.area)
    if filters.status:
        mask &= np.isin(points.lifecycle, [code(points.lifecycle_names, s) for s in filters.status])
    if filters.since:
        mask &= points.day >= _day(filters.since)  # NO_DAY is the smallest int32
    if filters.until:
        mask &= (points.day <= _day(filters.until)) & (points.day != NO_DAY)
    box = bbox or filters.bbox
    if box:
        min_lon, min_lat, max_lon, max_lat = box
        mask &= (points.lon >= min_lon) & (points.lon <= max_lon)
        mask &= (points.lat >= min_lat) & (points.lat <= max_lat)
    if filters.q:
        mask &= np.isin(points.ids, title_match_ids(filters))
    return mask


def matching_ids(filters: ReportFilters, *, dated: bool = False) -> np.ndarray:
    """Ids of the published reports matching ``filters``, ascending, from the points in memory.

    What ``queries.apply_filters`` selects, at the committed data version, in milliseconds at a
    million reports (a mask over arrays, no rows read): the listings of the API and of the OGC
    API take their pages from it and read only the page's rows. ``dated`` keeps only reports
    with an observation day (a ``datetime`` interval, even an open one, asks "when").
    """
    points = get_points()
    mask = select_mask(points, filters)
    if dated:
        mask &= points.day != NO_DAY
    return points.ids[mask]
