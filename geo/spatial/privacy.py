"""Public points: what the world sees of a report's location.

``exact``        the reported point;
``approximate``  a stable offset of 150–300 m that stays inside the same area;
``area``         the area's representative point (no trace of the real point).

The offset is derived from a per-report secret seed with HMAC, so it is stable
(the same report always shows the same point) but cannot be undone without
the seed, which is never published.
"""

from __future__ import annotations

import hashlib
import hmac
import math

import numpy as np
import shapely

from .assign import AreaIndex

PRECISIONS = ("exact", "approximate", "area")
MIN_OFFSET_M = 150.0
MAX_OFFSET_M = 300.0
_TRIES = 24


def _draw(seed: str, i: int) -> tuple[float, float]:
    """The ``i``-th deterministic (angle, distance) candidate of the seed."""
    digest = hmac.new(seed.encode(), f"offset:{i}".encode(), hashlib.sha256).digest()
    a = int.from_bytes(digest[:8], "big") / 2**64
    d = int.from_bytes(digest[8:16], "big") / 2**64
    return a * 2 * math.pi, MIN_OFFSET_M + d * (MAX_OFFSET_M - MIN_OFFSET_M)


def _draws(seed: str, n: int) -> list[tuple[float, float]]:
    """Deterministic (angle, distance) candidates from the seed."""
    return [_draw(seed, i) for i in range(n)]


def public_point(lon: float, lat: float, precision: str, area: str | None, seed: str,
                 index: AreaIndex) -> tuple[float, float]:
    """The point a public page may show for a report.

    Parameters
    ----------
    lon, lat : float
        The exact (private) point.
    precision : {"exact", "approximate", "area"}
    area : str or None
        Slug of the report's area (from :class:`AreaIndex.assign`).
    seed : str
        Per-report secret; the same seed always gives the same offset.
    index : AreaIndex

    Returns
    -------
    (lon, lat) rounded to 6 decimals.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}")
    if precision == "exact":
        return round(lon, 6), round(lat, 6)
    rep = index.representative_point(area) if area else None
    if precision == "area" and rep is not None:
        return round(rep[0], 6), round(rep[1], 6)
    x, y = index.to_metric(lon, lat)
    candidates = _draws(seed, _TRIES)
    for angle, dist in candidates:
        plon, plat = index.to_wgs(x + dist * math.cos(angle), y + dist * math.sin(angle))
        # Check the point as it will be published (rounded), not the unrounded one.
        plon, plat = round(plon, 6), round(plat, 6)
        if area is None or index.contains(area, plon, plat):
            return plon, plat
    # The area is too small for any 150–300 m offset to stay inside: hide in its centre instead.
    if rep is not None:
        return round(rep[0], 6), round(rep[1], 6)
    angle, dist = candidates[0]
    plon, plat = index.to_wgs(x + dist * math.cos(angle), y + dist * math.sin(angle))
    return round(plon, 6), round(plat, 6)


def public_points(lons, lats, precisions, areas, seeds, index: AreaIndex) -> tuple[np.ndarray, np.ndarray]:
    """:func:`public_point` for many reports at once, with the same results.

    The candidates are tried in the same order, but each round tests every report still
    without a point together (one transform, one ``contains_xy`` per area), so a report costs
    about one HMAC instead of ``_TRIES``. Used by the bulk import.

    Parameters
    ----------
    lons, lats : sequence of float
    precisions, areas, seeds : sequence of str (areas may hold None)
    index : AreaIndex

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Public longitudes and latitudes, rounded to 6 decimals.
    """
    lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    n = lons.size
    out_lon, out_lat = np.empty(n), np.empty(n)
    todo = []
    for i in range(n):
        precision, area = precisions[i], areas[i]
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r}")
        rep = index.representative_point(area) if area and precision != "exact" else None
        if precision == "exact":
            out_lon[i], out_lat[i] = round(float(lons[i]), 6), round(float(lats[i]), 6)
        elif precision == "area" and rep is not None:
            out_lon[i], out_lat[i] = round(rep[0], 6), round(rep[1], 6)
        else:
            todo.append(i)
    if not todo:
        return out_lon, out_lat
    pending = np.array(todo)
    xs, ys = index.to_metric(lons[pending], lats[pending])
    metric = dict(zip(todo, zip(np.asarray(xs), np.asarray(ys), strict=True), strict=True))
    for attempt in range(_TRIES):  # bounded: the same candidates as public_point, in order
        if not pending.size:
            break
        cx, cy = np.empty(pending.size), np.empty(pending.size)
        for k, i in enumerate(pending):
            angle, dist = _draw(seeds[i], attempt)
            x, y = metric[i]
            cx[k], cy[k] = x + dist * math.cos(angle), y + dist * math.sin(angle)
        plon, plat = index.to_wgs(cx, cy)
        # Python's round(), as public_point rounds (np.round may differ in the last digit).
        plon = np.array([round(float(v), 6) for v in np.atleast_1d(plon)])
        plat = np.array([round(float(v), 6) for v in np.atleast_1d(plat)])
        ok = _inside_own_area(pending, plon, plat, areas, index)
        out_lon[pending[ok]], out_lat[pending[ok]] = plon[ok], plat[ok]
        if attempt == 0:
            first = dict(zip(pending.tolist(), zip(plon, plat, strict=True), strict=True))
        pending = pending[~ok]
    for i in pending:  # too small an area for any offset: its centre (as public_point does)
        rep = index.representative_point(areas[i]) if areas[i] else None
        out_lon[i], out_lat[i] = (round(rep[0], 6), round(rep[1], 6)) if rep is not None else first[i]
    return out_lon, out_lat


def _inside_own_area(rows: np.ndarray, plon: np.ndarray, plat: np.ndarray, areas, index) -> np.ndarray:
    ok = np.zeros(rows.size, dtype=bool)
    groups: dict = {}
    for k, i in enumerate(rows):
        groups.setdefault(areas[i], []).append(k)
    for area, ks in groups.items():
        ks = np.array(ks)
        if area is None:
            ok[ks] = True
            continue
        j = index.by_slug.get(area)
        if j is not None:
            ok[ks] = shapely.contains_xy(index.geoms[j], plon[ks], plat[ks])
    return ok
