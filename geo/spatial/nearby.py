"""Nearest first: rank candidates (organizations, initiatives) by distance from a point.

Pure geometry, no Flask and no database: the web layer hands in an origin point and, per
candidate, the points it is at (an initiative's public point, the representative points of the
areas an organization serves) and gets back the candidates in order with their distance in metres.
Distances are great-circle (haversine) on a sphere of the Earth's mean radius: at city and
country scale the error against the ellipsoid is below 0.5 %, well under what "nearest" needs.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Candidate:
    """Something that can help, and where it is.

    Parameters
    ----------
    key : hashable
        Returned as is in the ranking (e.g. ``("organization", 12)``).
    points : sequence of (lon, lat)
        Where the candidate works (degrees, EPSG:4326); empty when unknown.
    areas : frozenset of str
        Area slugs the candidate works in: a candidate in the origin's own area is at distance 0.
    """

    key: Hashable
    points: Sequence[tuple[float, float]] = ()
    areas: frozenset[str] = field(default_factory=frozenset)


def distances_m(origin: tuple[float, float], lons, lats) -> np.ndarray:
    """Great-circle distances in metres from ``origin`` (lon, lat) to each (lon, lat).

    Parameters
    ----------
    origin : (float, float)
        Longitude and latitude in degrees.
    lons, lats : array-like of float
        Longitudes and latitudes in degrees, the same length.

    Returns
    -------
    numpy.ndarray
        One distance per point, in metres.
    """
    lon0, lat0 = np.radians(origin[0]), np.radians(origin[1])
    lon, lat = np.radians(np.asarray(lons, dtype=float)), np.radians(np.asarray(lats, dtype=float))
    a = np.sin((lat - lat0) / 2) ** 2 + np.cos(lat0) * np.cos(lat) * np.sin((lon - lon0) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def rank_nearest(origin: tuple[float, float], candidates: Iterable[Candidate], *,
                 origin_area: str | None = None, limit: int | None = None) -> list[tuple[Hashable, float]]:
    """Candidates nearest first, each with its distance in metres.

    A candidate's distance is the smallest distance from ``origin`` to any of its points, or 0
    when it works in ``origin_area`` itself. Candidates without points come last (distance
    ``inf``). Ties keep the order of ``candidates`` (a stable sort), so the caller decides what
    wins a tie (e.g. the newest first).

    Parameters
    ----------
    origin : (float, float)
        Longitude and latitude of the place asking (a challenge's public point, an area's point).
    candidates : iterable of Candidate
    origin_area : str, optional
        Area slug of the origin.
    limit : int, optional
        Return at most this many.

    Returns
    -------
    list of (key, float)
        ``(candidate.key, metres)``, nearest first.
    """
    items = list(candidates)
    if not items:
        return []
    flat_lon, flat_lat, owner = [], [], []
    for i, cand in enumerate(items):
        for lon, lat in cand.points:
            flat_lon.append(lon)
            flat_lat.append(lat)
            owner.append(i)
    best = np.full(len(items), np.inf)
    if owner:
        # One vectorised pass over every point, then the minimum per candidate.
        np.minimum.at(best, np.asarray(owner), distances_m(origin, flat_lon, flat_lat))
    if origin_area is not None:
        best[[i for i, cand in enumerate(items) if origin_area in cand.areas]] = 0.0
    order = np.argsort(best, kind="stable")
    if limit is not None:
        order = order[:max(limit, 0)]
    return [(items[i].key, float(best[i])) for i in order]
