"""The published public points as numpy arrays, held in process memory per data version.

Cluster counts at low zoom cover the whole city: a SQL ``GROUP BY`` over a million rows
takes seconds, numpy masks over arrays already in memory take milliseconds. The arrays are
loaded once per data version (:func:`webapp.versioning.current_data_version`) and rebuilt on
the first request after any change, so they are never older than the committed data.

Only public columns are loaded (id, kind, category, area, observed_on, public point): the
exact point never enters this cache. Each worker process holds its own copy (~30 bytes per
report: ~30 MB at a million).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

import numpy as np
from flask import current_app
from sqlalchemy import String, cast, select

from .extensions import db
from .models import Report
from .queries import PUBLIC_STATUS, ReportFilters, apply_filters
from .versioning import current_data_version

#: ``day`` of a report without ``observed_on``: matches no since/until filter, like SQL NULL.
NO_DAY = np.iinfo(np.int32).min
_EPOCH = dt.date(1970, 1, 1)
_LOCK = threading.Lock()
_KEY = "ahya.pointcache"


@dataclass(frozen=True)
class Points:
    """Parallel arrays, one element per published report; codes index the ``*_names`` tuples."""

    generation: tuple
    ids: np.ndarray          # int64
    kind: np.ndarray         # int8 code into kind_names
    category: np.ndarray     # int16 code into category_names
    area: np.ndarray         # int16 code into area_names (-1: no area)
    day: np.ndarray          # int32 days since 1970-01-01 (NO_DAY: unknown)
    lon: np.ndarray          # float64 public longitude
    lat: np.ndarray          # float64 public latitude
    kind_names: tuple[str, ...]
    category_names: tuple[str, ...]
    area_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.ids)


def _codes(values: list, missing: int = -1) -> tuple[np.ndarray, tuple[str, ...]]:
    """Small integer codes for a column of a few distinct strings (None → ``missing``)."""
    names = tuple(sorted({v for v in values if v is not None}))
    lookup = {name: i for i, name in enumerate(names)}
    codes = np.fromiter((lookup.get(v, missing) if v is not None else missing for v in values),
                        dtype=np.int16, count=len(values))
    return codes, names


def _load(generation) -> Points:
    # Core select of plain columns: no ORM objects, ~1 s per million rows on SQLite.
    # observed_on as ISO text ('YYYY-MM-DD' on SQLite and PostgreSQL): numpy parses a million
    # of those at once, where SQLAlchemy's Date type would build a million date objects.
    cols = (Report.id, Report.kind, Report.category, Report.area, cast(Report.observed_on, String(10)),
            Report.public_lon, Report.public_lat)
    rows = db.session.execute(select(*cols).where(Report.status == PUBLIC_STATUS)
                              .order_by(Report.id)).all()
    ids, kinds, cats, areas, days, lons, lats = (list(c) for c in zip(*rows, strict=True)) if rows \
        else ([], [], [], [], [], [], [])
    kind, kind_names = _codes(kinds)
    category, category_names = _codes(cats)
    area, area_names = _codes(areas)
    # datetime64[D] turns None into NaT; NaT becomes NO_DAY below.
    d64 = np.array([d and d[:10] for d in days], dtype="datetime64[D]")
    day = np.where(np.isnat(d64), NO_DAY, d64.astype("int64")).astype(np.int32)
    return Points(generation, np.asarray(ids, dtype=np.int64), kind.astype(np.int8), category, area, day,
                  np.asarray(lons, dtype=float), np.asarray(lats, dtype=float),
                  kind_names, category_names, area_names)


def get_points() -> Points:
    """The published points at the current data version (reloaded when the version changed)."""
    version, changed_at = current_data_version()
    generation = (changed_at, version)
    ext = current_app.extensions
    points = ext.get(_KEY)
    if points is not None and points.generation == generation:
        return points
    with _LOCK:  # one reload per version, not one per concurrent request
        points = ext.get(_KEY)
        if points is None or points.generation != generation:
            points = _load(generation)
            ext[_KEY] = points
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

    Same semantics as :func:`webapp.queries.apply_filters`: inclusive bounds, no date matches
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
