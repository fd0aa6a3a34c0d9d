"""Small-count suppression, choropleth classes and grid clusters: the one copy of each rule.

Inputs are plain numbers and numpy arrays (the counts come from the in-memory point cache,
``webapp.store.pointcache``, counted with numpy); nothing here knows about the database or Flask.
The API (map clusters and area classes), the posters and the exports all call these functions,
so a count, a class or a cluster is the same wherever it is published.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

#: Above this many grid cells a dense count array is too big: cells are numbered by sorting.
DENSE_CELLS = 2_000_000
#: Target width of a map cluster's cell on screen, in pixels (Web Mercator: 256 px tiles).
CELL_PX = 60


# --- small-count suppression ---------------------------------------------------------------

def suppress(count: int, min_count: int) -> int | str:
    """Small-count suppression: counts in 1..min_count-1 become ``"<min_count"``.

    With ``min_count`` 1 (the default setting) nothing is suppressed; zero stays
    zero because "no report" reveals nobody.
    """
    if min_count > 1 and 0 < count < min_count:
        return f"<{min_count}"
    return int(count)


def public_cell(count: int, split: dict[str, int], k: int) -> dict:
    """A cluster's properties as published under ``MIN_PUBLIC_COUNT=k``: ``count`` and per-kind counts.

    Parameters
    ----------
    count : int
        Reports in the cell.
    split : dict of str to int
        Reports per kind in the cell (they add up to ``count``).
    k : int
        The suppression threshold; 1 publishes everything exactly.

    Returns
    -------
    dict
        ``{"count": ..., **split}`` with suppressed values as strings. A cell of fewer than k
        reports publishes ``"<k"`` for its count and for each kind it has (zero stays 0, as in
        :func:`suppress`). In a cell of k or more, a kind counted 1..k-1 is ``"<k"``; the hidden
        kinds must add up to k or more, or ``count`` minus the exact kinds would reveal their sum
        (with one hidden kind, the kind itself). If they do not, the smallest exact kind (which
        is ≥ k) is hidden too, as ``">m"``: a lower bound the cell's other numbers already imply.
    """
    if k <= 1:
        return {"count": count, **split}
    if count < k:
        return {"count": f"<{k}", **{name: suppress(n, k) for name, n in split.items()}}
    props = {"count": count, **{name: suppress(n, k) for name, n in split.items()}}
    hidden = [name for name, n in split.items() if 0 < n < k]
    if hidden and sum(split[name] for name in hidden) < k:
        # One exists: the kinds not hidden add up to more than 0 and each is ≥ k.
        extra = min((name for name in split if split[name] >= k), key=split.__getitem__)
        rest = count - sum(n for name, n in split.items() if name not in hidden and name != extra)
        low = max(k, rest - (k - 1) * len(hidden))  # extra = rest - hidden, each hidden ≤ k-1
        props[extra] = f">{low - 1}"
    return props


# --- choropleth classes --------------------------------------------------------------------

@dataclass(frozen=True)
class Classes:
    """Choropleth classes of a list of counts.

    ``breaks`` are the inclusive upper bounds, ``ranges`` the ``[low, high]`` of each class,
    ``labels`` the legend text of each class (``"3–6"``, ``"4"`` or ``"<5"``) and ``classes``
    the class of each value (-1 for zero, which keeps its own blank swatch).
    """

    breaks: list[int]
    ranges: list[list[int]]
    labels: list[str]
    classes: np.ndarray


def quantile_breaks(values, k: int = 5) -> list[float]:
    """Quantile breaks (mapclassify) of the positive ``values``; fewer when fewer distinct values."""
    import mapclassify

    values = np.asarray(values, dtype=float)
    distinct = np.unique(values[values > 0])
    if not len(distinct):
        return []
    k = int(min(k, len(distinct)))
    if k == 1:
        return [float(distinct[-1])]  # one class: up to the largest value
    with warnings.catch_warnings():
        # mapclassify warns when ties leave fewer quantiles than asked: expected for small counts.
        warnings.simplefilter("ignore", UserWarning)
        return [float(b) for b in mapclassify.Quantiles(values[values > 0], k=k).bins]


def _integer_breaks(values: np.ndarray, k: int) -> list[int]:
    """Quantile breaks moved down to the largest count at or below them, without duplicates.

    Interpolated quantiles (1.8, 2.6, ...) may leave a class between two breaks that holds no
    count at all, an empty legend row: a break that is itself one of the counts keeps every
    class used, and the last break is the largest count.
    """
    raw = quantile_breaks(values, k)
    present = np.unique(values[values > 0])
    if not raw or not present.size:
        return []
    at = np.searchsorted(present, np.asarray(raw), side="right") - 1
    return sorted({int(present[i]) for i in at if i >= 0} | {int(present[-1])})


def _label(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


def choropleth_classes(values, k: int = 5, min_count: int = 1) -> Classes:
    """Quantile classes of integer counts per area, for the map and the posters alike.

    Parameters
    ----------
    values : array-like of int
        Exact counts, one per area.
    k : int
        At most this many classes (zero's class not counted; with suppression at least two).
    min_count : int
        Small-count suppression (``MIN_PUBLIC_COUNT``). Above 1, every count from 1 to
        ``min_count - 1`` goes to one first class labelled ``"<min_count"`` (range
        ``[1, min_count - 1]``), so neither its shade nor a break reveals more than the "<k" the
        rest of the app publishes; the counts from ``min_count`` up share the other ``k - 1``
        classes, whose ranges start at ``min_count``.

    Returns
    -------
    Classes
        Every class holds at least one value; a larger count never gets a lower class.
    """
    values = np.asarray(values, dtype=np.int64)
    small = (values > 0) & (values < min_count)
    large = np.where(small, 0, values)
    breaks = _integer_breaks(large, max(k - 1, 1) if small.any() else k)
    classes = np.where(large > 0, np.searchsorted(np.asarray(breaks, dtype=np.int64), large), -1)
    low = 1 if min_count <= 1 else min_count
    ranges = [[low if i == 0 else breaks[i - 1] + 1, b] for i, b in enumerate(breaks)]
    if small.any():
        classes = np.where(small, 0, np.where(classes >= 0, classes + 1, -1))
        breaks, ranges = [min_count - 1, *breaks], [[1, min_count - 1], *ranges]
        labels = [f"<{min_count}", *(_label(lo, hi) for lo, hi in ranges[1:])]
    else:
        labels = [_label(lo, hi) for lo, hi in ranges]
    return Classes(breaks=breaks, ranges=ranges, labels=labels, classes=classes.astype(int))


# --- grid clusters -------------------------------------------------------------------------

def cell_size(zoom: int, cell_px: int = CELL_PX) -> float:
    """Cell width in degrees: ``cell_px`` screen pixels at ``zoom`` (Web Mercator, 360° = 256·2^zoom px)."""
    return cell_px * 360.0 / (256 * 2 ** zoom)


def snap_bbox(bbox, cell: float) -> tuple[float, float, float, float]:
    """``(min_lon, min_lat, max_lon, max_lat)`` widened to whole cells of the global grid.

    Cells are multiples of ``cell`` from 0°, so a cell's count does not change while the reader pans.
    """
    min_lon, min_lat, max_lon, max_lat = bbox
    return (math.floor(min_lon / cell) * cell, math.floor(min_lat / cell) * cell,
            math.ceil(max_lon / cell) * cell, math.ceil(max_lat / cell) * cell)


def grid_cells(lons, lats, cell_deg: float, groups=None, n_groups: int = 0):
    """Cluster points into a regular grid aligned to multiples of ``cell_deg``.

    Parameters
    ----------
    lons, lats : array-like of float
        The points (degrees).
    cell_deg : float
        Cell width and height in degrees.
    groups : array-like of int, optional
        A code per point in ``0..n_groups-1`` (e.g. the report kind); other codes are counted in
        the cell's total only.
    n_groups : int
        Number of group codes.

    Returns
    -------
    (lon, lat, count, by_group)
        Per non-empty cell, ordered by cell: the centre (the mean of its points, so a cluster
        sits where its reports are), the number of points, and a ``(cells, n_groups)`` array of
        points per group. A dense ``bincount`` over the cells of the points' extent is O(n), no
        sort (~10 ms per million points); only a very large grid (a wide extent at a high zoom)
        numbers its cells with ``np.unique`` first.
    """
    lons = np.asarray(lons, dtype=float)
    lats = np.asarray(lats, dtype=float)
    if not lons.size:
        return np.empty(0), np.empty(0), np.empty(0, np.int64), np.empty((0, n_groups), np.int64)
    ix = np.floor(lons / cell_deg).astype(np.int64)
    iy = np.floor(lats / cell_deg).astype(np.int64)
    ix -= ix.min()
    iy -= iy.min()
    height = int(iy.max()) + 1
    key = ix * height + iy
    n_cells = (int(ix.max()) + 1) * height
    if n_cells > DENSE_CELLS:
        _, key = np.unique(key, return_inverse=True)
        key = key.reshape(-1)
        n_cells = int(key.max()) + 1
    counts = np.bincount(key, minlength=n_cells)
    full = np.flatnonzero(counts)
    n = counts[full]
    sum_lon = np.bincount(key, weights=lons, minlength=n_cells)[full]
    sum_lat = np.bincount(key, weights=lats, minlength=n_cells)[full]
    by_group = np.zeros((len(full), n_groups), dtype=np.int64)
    if groups is not None and n_groups:
        codes, cells = np.asarray(groups), key
        if codes.min() < 0 or codes.max() >= n_groups:  # copies only when some code is outside
            ok = (codes >= 0) & (codes < n_groups)
            codes, cells = codes[ok], key[ok]
        split = np.bincount(cells * n_groups + codes, minlength=n_cells * n_groups)
        by_group = split.reshape(n_cells, n_groups)[full]
    return sum_lon / n, sum_lat / n, n.astype(np.int64), by_group
