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

from .assign import AreaIndex

PRECISIONS = ("exact", "approximate", "area")
MIN_OFFSET_M = 150.0
MAX_OFFSET_M = 300.0
_TRIES = 24


def _draws(seed: str, n: int) -> list[tuple[float, float]]:
    """Deterministic (angle, distance) candidates from the seed."""
    out = []
    for i in range(n):
        digest = hmac.new(seed.encode(), f"offset:{i}".encode(), hashlib.sha256).digest()
        a = int.from_bytes(digest[:8], "big") / 2**64
        d = int.from_bytes(digest[8:16], "big") / 2**64
        out.append((a * 2 * math.pi, MIN_OFFSET_M + d * (MAX_OFFSET_M - MIN_OFFSET_M)))
    return out


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
