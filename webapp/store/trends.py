"""Published reports counted per year or month (and a numeric field summed), per area or citywide.

The counts come from the in-memory public points of :mod:`webapp.store.pointcache`, under the
same filters as the map (:func:`webapp.store.pointcache.select_mask`): the same data, at the
same data version, as the clusters and the choropleth, in a few milliseconds at a million
reports. A report is placed in the period of its ``observed_on`` date; reports without a date
are counted apart (``undated``). Suppression of small counts is the caller's (the API and the
pages publish each count through :func:`webapp.store.stats.public_count`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select

from geo.reference.fields import Field
from geo.reference.taxonomy import KINDS

from ..extensions import db
from ..state import app_state
from .filters import ParameterError, single
from .models import Report
from .pointcache import NO_DAY, Points, get_points, select_mask
from .queries import PUBLIC_STATUS, ReportFilters
from .report_fields import field_number
from .reporting import get_taxonomy
from .stats import public_count

#: ``by=`` values: the length of one period.
PERIODS = ("year", "month")
#: Zero periods are filled in between the first and the last only up to this many periods;
#: beyond it (dates decades apart, by month) only the periods with reports are listed.
MAX_FILLED = 600
#: What a field id looks like (echoed in an error message only if it does).
FIELD_PATTERN = "^[a-z][a-z0-9_]{0,39}$"
_FIELD_ID = re.compile(FIELD_PATTERN[1:-1])


@dataclass(frozen=True)
class Period:
    """One period of a trend.

    Attributes
    ----------
    key : str
        ``"2024"`` (by year) or ``"2024-03"`` (by month).
    start, end : datetime.date
        First and last day of the period (inclusive).
    count : int
        Reports observed in the period (before suppression).
    total : float or None
        Sum of the field over those reports (None when no field was asked for).
    """

    key: str
    start: dt.date
    end: dt.date
    count: int
    total: float | None = None


@dataclass(frozen=True)
class Trend:
    """Counts (and sums) per period, oldest first, and the reports no period holds."""

    by: str
    periods: list[Period]
    undated: int
    field: str | None = None
    undated_total: float | None = None

    @property
    def count(self) -> int:
        """Reports in every period together (undated ones excluded)."""
        return sum(p.count for p in self.periods)

    @property
    def total(self) -> float | None:
        """The field summed over every period (None without a field)."""
        return None if self.field is None else sum(p.total or 0 for p in self.periods)


def _code(day: dt.date, by: str) -> int:
    """Months (or years) since 1970 of ``day``: the index of its period."""
    return (day.year - 1970) * 12 + day.month - 1 if by == "month" else day.year - 1970


def _bounds(code: int, by: str) -> tuple[str, dt.date, dt.date]:
    if by == "month":
        year, month = divmod(code, 12)
        start = dt.date(1970 + year, month + 1, 1)
        # December ends on the 31st: no "first of next month" (year 10000 does not exist).
        end = (dt.date(start.year, 12, 31) if start.month == 12
               else dt.date(start.year, start.month + 1, 1) - dt.timedelta(days=1))
        return f"{start.year:04d}-{start.month:02d}", start, end
    year = 1970 + code
    return f"{year:04d}", dt.date(year, 1, 1), dt.date(year, 12, 31)


#: Days between the oldest and the newest report up to which they are counted per day with one
#: ``bincount``; beyond (a mistyped year), ``numpy.unique`` (a sort) groups them instead.
MAX_DAY_SPAN = 400_000


def _per_day(days: np.ndarray, weights: np.ndarray | None):
    """The distinct days, the reports on each, and the weights summed per day.

    Turning a day into its month or year is calendar arithmetic, ~100 ns per element in numpy:
    ~100 ms for a million reports. Grouped by day first, only the few thousand distinct days are
    converted.
    """
    if not days.size:
        return days.astype(np.int64), np.zeros(0), None if weights is None else np.zeros(0)
    first, last = int(days.min()), int(days.max())
    if last - first <= MAX_DAY_SPAN:
        offsets = days.astype(np.int64) - first
        per_day = np.bincount(offsets)
        present = np.flatnonzero(per_day)
        sums = None if weights is None else np.bincount(offsets, weights=weights)[present]
        return present + first, per_day[present].astype(float), sums
    values, inverse = np.unique(days, return_inverse=True)
    sums = None if weights is None else np.bincount(inverse, weights=weights)
    return values.astype(np.int64), np.bincount(inverse).astype(float), sums


def count_periods(days: np.ndarray, by: str, values: np.ndarray | None = None,
                  since: dt.date | None = None,
                  until: dt.date | None = None) -> tuple[list[Period], int, float]:
    """Count ``days`` (days since 1970, ``NO_DAY`` for none) per period; sum ``values`` alike.

    Parameters
    ----------
    days : numpy.ndarray
        int32 days since 1970-01-01, one per report; ``NO_DAY`` when the report has no date.
    by : {"year", "month"}
    values : numpy.ndarray, optional
        A number per report (NaN when the report has none: it counts, and adds nothing).
    since, until : datetime.date, optional
        Widen the listed range to these dates' periods (a filter's window shows its empty ends).

    Returns
    -------
    periods : list of Period
        Oldest first; every period between the first and the last, zeros included (up to
        ``MAX_FILLED`` periods, else only the periods with reports).
    undated : int
        Reports without a date.
    undated_total : float
        ``values`` summed over those (0 without values).
    """
    if by not in PERIODS:
        raise ValueError(f"by must be one of {PERIODS}")
    dated = days != NO_DAY
    weights = None if values is None else np.nan_to_num(values.astype(float), nan=0.0)
    undated = int(np.count_nonzero(~dated))
    undated_total = float(weights[~dated].sum()) if weights is not None else 0.0
    day_values, day_counts, day_sums = _per_day(days[dated], None if weights is None else weights[dated])
    codes = day_values.astype("datetime64[D]").astype(
        "datetime64[M]" if by == "month" else "datetime64[Y]").astype(np.int64)
    if codes.size:
        low = min([int(codes.min()), *([_code(since, by)] if since else [])])
        high = max([int(codes.max()), *([_code(until, by)] if until else [])])
    elif since and until:  # no report in the window: its periods, all zero
        low, high = _code(since, by), _code(until, by)
    else:
        return [], undated, undated_total
    counts = np.rint(np.bincount(codes - low, weights=day_counts, minlength=high - low + 1)).astype(np.int64)
    sums = (np.bincount(codes - low, weights=day_sums, minlength=high - low + 1)
            if day_sums is not None else None)
    listed = range(high - low + 1) if high - low + 1 <= MAX_FILLED else np.flatnonzero(counts)
    periods = []
    for i in listed:
        key, start, end = _bounds(low + int(i), by)
        periods.append(Period(key=key, start=start, end=end, count=int(counts[i]),
                              total=None if sums is None else float(sums[i])))
    return periods, undated, undated_total


def trend(filters: ReportFilters | None = None, by: str = "year", field: str | None = None,
          values=None) -> Trend:
    """Published reports matching ``filters`` (as on the map) counted per ``by`` period.

    Parameters
    ----------
    filters : ReportFilters, optional
        Kind, categories, area, since, until, q, bbox, status; ``limit`` has no effect.
    by : {"year", "month"}
    field : str, optional
        A numeric field to sum; ``values`` gives its value per point.
    values : callable, optional
        ``values(points, field)`` → float array aligned with ``points`` (NaN: no value).

    Returns
    -------
    Trend
    """
    filters = filters or ReportFilters()
    points: Points = get_points()
    mask = select_mask(points, filters)
    numbers = values(points, field)[mask] if field and values else None
    periods, undated, undated_total = count_periods(points.day[mask], by, numbers,
                                                    filters.since, filters.until)
    return Trend(by=by, periods=periods, undated=undated, field=field if numbers is not None else None,
                 undated_total=undated_total if numbers is not None else None)


# --- the public table: parameters, field values, suppression ----------------------------------

#: Field types that can be summed.
NUMERIC_TYPES = ("integer", "decimal")


def numeric_fields(kind: str | None, categories: tuple[str, ...]) -> dict[str, Field]:
    """Public numeric fields (id → declaration) that reports of ``categories`` may carry.

    Without categories, the fields of every category of ``kind`` (or of both kinds). Private
    fields are never offered: their values must not leave the server, summed or not.
    """
    taxonomy = get_taxonomy()
    out: dict[str, Field] = {}
    for k in (kind,) if kind else KINDS:
        ids = categories or tuple(c.id for c in taxonomy.categories(k))
        for cat in ids:
            if taxonomy.is_valid(k, cat):
                out.update((f.id, f) for f in taxonomy.fields(k, cat) if f.numeric and f.public)
    return out


def field_categories(field: str) -> tuple[str | None, tuple[str, ...]]:
    """The kind and the categories that carry ``field`` (field ids are unique citywide)."""
    taxonomy = get_taxonomy()
    found = [(k, c.id) for k in KINDS for c in taxonomy.categories(k)
             if any(f.id == field for f in taxonomy.fields(k, c.id))]
    kinds = {k for k, _c in found}
    return (kinds.pop() if len(kinds) == 1 else None), tuple(c for _k, c in found)


def parse_trend_args(args, filters: ReportFilters) -> tuple[ReportFilters, str, str | None]:
    """``by`` (year by default, or month) and ``field`` (a public numeric field of the filters'
    categories) from the query string.

    A field belongs to its categories: without ``category=``, the filters are narrowed to the
    categories that carry it (a count of every report next to a sum of housing reports would
    compare two different things). Returns the filters, ``by`` and ``field``.

    Raises
    ------
    ParameterError
        When either is malformed or unknown.
    """
    by = single(args, "by")
    if by is None:
        by = "year"
    elif by not in PERIODS:
        raise ParameterError("by", f"'by' must be one of {', '.join(PERIODS)}")
    field = single(args, "field")
    if field is not None:
        known = numeric_fields(filters.kind, filters.categories)
        if field not in known:
            shown = f" '{field}'" if _FIELD_ID.fullmatch(field) else ""
            raise ParameterError("field", f"unknown numeric field{shown}: 'field' must be a public "
                                          "number field of the chosen categories")
        if not filters.categories:
            kind, categories = field_categories(field)
            filters = dataclasses.replace(filters, kind=filters.kind or kind, categories=categories)
    return filters, by, field


def field_values(points: Points, field: str) -> np.ndarray:
    """The value of ``field`` per point (NaN: none), aligned with ``points``.

    Read once per data version and field (one indexed query over the categories that carry it)
    and kept with the points' generation: the next change of any report reads it again.
    """
    cache = app_state().trend_values
    key = (points.generation, field)
    found = cache.get(key)
    if found is not None:
        return found
    _kind, categories = field_categories(field)
    number = field_number(field)
    rows = db.session.execute(select(Report.id, number).where(
        Report.status == PUBLIC_STATUS, Report.category.in_(categories), number.is_not(None))).all()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    numbers = np.fromiter((r[1] for r in rows), dtype=float, count=len(rows))
    out = np.full(len(points), np.nan)
    pos = np.searchsorted(points.ids, ids)
    hit = pos < len(points.ids)
    hit[hit] = points.ids[pos[hit]] == ids[hit]
    out[pos[hit]] = numbers[hit]
    if any(k[0] != points.generation for k in cache):
        cache.clear()  # another data version: those arrays can never be asked for again
    cache[key] = out
    return out


def area_sums(filters: ReportFilters, field: str | None = None) -> dict[str, tuple[int, float | None]]:
    """Per area: (reports, sum of ``field`` or None) of the published reports matching ``filters``."""
    points = get_points()
    mask = select_mask(points, filters)
    codes = points.area[mask].astype(np.int64) + 1  # -1 (no area) becomes 0
    size = len(points.area_names) + 1
    counts = np.bincount(codes, minlength=size)
    sums = (np.bincount(codes, weights=np.nan_to_num(field_values(points, field)[mask]), minlength=size)
            if field else None)
    return {name: (int(counts[i + 1]), None if sums is None else float(sums[i + 1]))
            for i, name in enumerate(points.area_names) if counts[i + 1]}


def published_trend(filters: ReportFilters, by: str = "year", field: str | None = None) -> Trend:
    """:func:`trend` with the stored values of ``field`` (when one is asked for)."""
    return trend(filters, by, field, values=field_values if field else None)


def public_table(result: Trend) -> dict:
    """The trend as it may be published: counts suppressed, sums only of counts shown.

    A period (or the undated reports) of fewer than ``MIN_PUBLIC_COUNT`` reports publishes
    ``"<k"`` and a ``null`` sum; the totals then add up only what is shown and say so
    (``total_is_lower_bound``): an exact total would give the hidden counts away by subtraction.
    """
    summed = result.field is not None
    hidden = False
    rows, shown_count, shown_sum = [], 0, 0.0
    for period in result.periods:
        count = public_count(period.count)
        exact = not isinstance(count, str)
        hidden |= not exact
        rows.append({"period": period.key, "start": period.start.isoformat(), "end": period.end.isoformat(),
                     "count": count, **({"sum": _round(period.total) if exact else None} if summed else {})})
        if exact:
            shown_count += period.count
            shown_sum += period.total or 0.0
    undated = public_count(result.undated) if result.undated else 0
    hidden |= isinstance(undated, str)
    if not isinstance(undated, str):
        shown_count += result.undated
        shown_sum += result.undated_total or 0.0
    total = {"count": shown_count, **({"sum": _round(shown_sum)} if summed else {})}
    return {"periods": rows, "undated": undated, "total": total, "total_is_lower_bound": hidden}


def _round(value: float | None) -> float | int | None:
    """Integers as integers (sums of counts), decimals to 6 places (no float noise in the JSON)."""
    if value is None:
        return None
    value = round(float(value), 6)
    return int(value) if value.is_integer() else value

