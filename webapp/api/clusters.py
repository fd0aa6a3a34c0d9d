"""Server-side clusters of the published reports: /api/v1/clusters?zoom=Z&bbox=...&<filters>.

At low zoom the map shows counts, not points: a million markers cannot be sent or drawn, a
few hundred grid cells can. Cells are ~``CELL_PX`` screen pixels wide at the requested zoom
and aligned to a global grid (multiples of ``cell_deg``), and the bbox is widened to whole
cells, so a cell's count does not change while the reader pans. Counts come from the
in-memory points of :mod:`webapp.store.pointcache` under the same filters as /api/v1/reports.

Small-count suppression (``MIN_PUBLIC_COUNT=k``, see :func:`public_cell`): a cell of fewer
than k reports keeps its position but publishes ``"count": "<k"``; a kind counted 1..k-1 in a
cell is published as ``"<k"``, and when that would let ``count`` minus the other kinds reveal it,
one more kind is published as a lower bound (``">m"``). The response's ``total`` then counts each
suppressed cell as one report and says so (``total_is_lower_bound``): an exact total would give a
suppressed cell away by subtraction, from this response or from two bboxes one cell apart.
Suppression is about published *counts* only: zoomed in past ``CLUSTER_MAX_ZOOM`` the map shows
the individual points by design (each already at its public location precision), and a cell's
centre is the mean of those public points. As in /api/v1/areas, each response is suppressed on its
own: answers to different filters are different publications.

Also ``/api/v1/reports/<id>``: one published report as a GeoJSON Feature, so the map can
open a ``#report=<id>`` permalink while it shows clusters instead of points.
"""

from __future__ import annotations

import math
import re

import numpy as np
from flask import Response, current_app, request, url_for
from werkzeug.datastructures import MultiDict

from geo.aggregate import grid_cells, suppress

from ..extensions import db
from ..store import queries
from ..store.layers import place_slugs
from ..store.pointcache import get_points, select_mask
from ..store.reporting import get_taxonomy, public_dict
from ..store.stats import min_public_count
from . import bp
from .cache import cached_json
from .geojson import dumps, report_feature
from .params import ParameterError, report_filters

#: Highest zoom at which the map asks for clusters; above it, for points (CLUSTER_MAX_ZOOM).
DEFAULT_MAX_ZOOM = 15
MAX_ZOOM = 22
#: Target cell width on screen, in pixels (Web Mercator: 256 px tiles).
CELL_PX = 60
#: Above this many grid cells a dense count array is too big: fall back to grid_cells' sort.
_DENSE_CELLS = 2_000_000
_ZOOM = re.compile(r"[0-9]{1,2}")


def _json(data, status: int = 200) -> Response:
    return Response(dumps(data), status=status, mimetype="application/geo+json")


def parse_zoom(args: MultiDict) -> int:
    values = args.getlist("zoom")
    if len(values) != 1 or not _ZOOM.fullmatch(values[0].strip()) or int(values[0]) > MAX_ZOOM:
        raise ParameterError("zoom", f"'zoom' is required once, an integer from 0 to {MAX_ZOOM}")
    return int(values[0])


def cell_size(zoom: int) -> float:
    """Cell width in degrees: ``CELL_PX`` pixels at ``zoom`` (360° = 256·2^zoom px)."""
    return CELL_PX * 360.0 / (256 * 2 ** zoom)


def _snap(bbox, cell: float):
    """The bbox widened to whole cells of the global grid."""
    min_lon, min_lat, max_lon, max_lat = bbox
    return (math.floor(min_lon / cell) * cell, math.floor(min_lat / cell) * cell,
            math.ceil(max_lon / cell) * cell, math.ceil(max_lat / cell) * cell)


def _cells(lons, lats, weights: dict[str, np.ndarray], cell: float):
    """Centre (mean point), total and per-``weights`` counts of each non-empty cell.

    A dense ``bincount`` over the cells of the bbox is O(n), no sort: ~10 ms per million
    points, several times faster than ``grid_cells``' ``np.unique``. For a very large grid
    (a wide bbox at a high zoom) ``grid_cells`` is used, with the same cells and centres.
    """
    if not lons.size:
        return np.empty(0), np.empty(0), np.empty(0, np.int64), {k: np.empty(0, np.int64) for k in weights}
    ix = np.floor(lons / cell).astype(np.int64)
    iy = np.floor(lats / cell).astype(np.int64)
    ix -= ix.min()
    iy -= iy.min()
    height = int(iy.max()) + 1
    n_cells = (int(ix.max()) + 1) * height
    if n_cells > _DENSE_CELLS:
        cx, cy, counts = grid_cells(lons, lats, cell)
        # grid_cells orders cells by the same key; recover each point's cell to split the counts.
        _, inverse = np.unique(ix * height + iy, return_inverse=True)
        split = {k: np.bincount(inverse, weights=w, minlength=len(counts)).astype(np.int64)
                 for k, w in weights.items()}
        return cx, cy, counts, split
    key = ix * height + iy
    counts = np.bincount(key, minlength=n_cells)
    full = np.flatnonzero(counts)
    sum_lon = np.bincount(key, weights=lons, minlength=n_cells)[full]
    sum_lat = np.bincount(key, weights=lats, minlength=n_cells)[full]
    split = {k: np.bincount(key, weights=w, minlength=n_cells)[full].astype(np.int64)
             for k, w in weights.items()}
    n = counts[full]
    return sum_lon / n, sum_lat / n, n, split


def public_cell(count: int, split: dict[str, int], k: int) -> dict:
    """A cell's properties as published under ``MIN_PUBLIC_COUNT=k``: ``count`` and per-kind counts.

    With ``k`` 1 everything is exact. Otherwise a cell of fewer than k reports publishes
    ``"<k"`` for its count and for each kind it has (zero stays 0, as in :func:`suppress`). In a
    cell of k or more, a kind counted 1..k-1 is ``"<k"``; the hidden kinds must add up to k or
    more, or ``count`` minus the exact kinds would reveal their sum (with one hidden kind, the
    kind itself). If they do not, the smallest exact kind (which is ≥ k) is hidden too, as
    ``">m"``: a lower bound that the other numbers of the cell already imply.
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


@bp.get("/clusters")
@cached_json
def clusters():
    """Grid clusters of the published reports matching the filters, inside ``bbox``."""
    try:
        zoom = parse_zoom(request.args)
        filters = report_filters(request.args, get_taxonomy(), place_slugs())
    except ParameterError as exc:
        return Response(dumps(exc.as_json()), status=400, mimetype="application/json")
    cell = cell_size(zoom)
    points = get_points()
    bbox = _snap(filters.bbox, cell) if filters.bbox else None
    mask = select_mask(points, filters, bbox)
    lons, lats, kinds = points.lon[mask], points.lat[mask], points.kind[mask]
    weights = {name: (kinds == i).astype(float) for i, name in enumerate(points.kind_names)}
    cx, cy, counts, split = _cells(lons, lats, weights, cell)
    k = min_public_count()
    features, total, lower_bound = [], 0, False
    for i in range(len(counts)):
        props = public_cell(int(counts[i]), {name: int(split[name][i]) for name in points.kind_names}, k)
        if isinstance(props["count"], str):
            total, lower_bound = total + 1, True  # a suppressed cell holds at least one report
        else:
            total += props["count"]
        features.append({"type": "Feature", "properties": props, "geometry": {
            "type": "Point", "coordinates": [round(float(cx[i]), 6), round(float(cy[i]), 6)]}})
    return _json({"type": "FeatureCollection", "features": features, "zoom": zoom,
                  "cell_deg": cell, "total": total, "total_is_lower_bound": lower_bound, "min_count": k,
                  "max_zoom": int(current_app.config.get("CLUSTER_MAX_ZOOM", DEFAULT_MAX_ZOOM)),
                  "bbox": list(bbox) if bbox else None})


@bp.get("/reports/<int:report_id>")
@cached_json
def report(report_id: int):
    """One published report as a GeoJSON Feature (404 when it is not published)."""
    row = db.session.scalars(queries.published_report(report_id)).first()
    if row is None:
        return Response(dumps({"error": "no such published report"}), status=404,
                        mimetype="application/json")
    url = url_for("public.report_detail", id=row.id)
    return _json(report_feature(public_dict(row), url))
