"""Server-side clusters of the published reports: /api/v1/clusters?zoom=Z&bbox=...&<filters>.

At low zoom the map shows counts, not points: a million markers cannot be sent or drawn, a
few hundred grid cells can. Cells are ~``geo.spatial.aggregate.CELL_PX`` screen pixels wide at the
requested zoom and aligned to a global grid (multiples of ``cell_deg``), and the bbox is widened
to whole cells, so a cell's count does not change while the reader pans. Counts come from the
in-memory points of :mod:`webapp.store.pointcache` under the same filters as /api/v1/reports; the
cells from :func:`geo.spatial.aggregate.grid_cells`, the code the property tests check.

Small-count suppression (``MIN_PUBLIC_COUNT=k``, :func:`geo.spatial.aggregate.public_cell`): a cell of
fewer than k reports keeps its position but publishes ``"count": "<k"``; a kind counted 1..k-1
in a cell is published as ``"<k"``, and when that would let ``count`` minus the other kinds reveal
it, one more kind is published as a lower bound (``">m"``). The response's ``total`` then counts each
suppressed cell as one report and says so (``total_is_lower_bound``): an exact total would give a
suppressed cell away by subtraction, from this response or from two bboxes one cell apart.
Suppression is about published *counts* only: zoomed in past ``CLUSTER_MAX_ZOOM`` the map shows
the individual points by design (each already at its public location precision), and a cell's
centre is the mean of those public points. As in /api/v1/areas, each response is suppressed on its
own: answers to different filters are different publications. ``top`` names, for each kind counted
exactly, its most frequent category in the cell (the map colours the cluster with it).

Also ``/api/v1/reports/<id>``: one published report as a GeoJSON Feature, so the map can
open a ``#report=<id>`` permalink while it shows clusters instead of points.
"""

from __future__ import annotations

import re

import numpy as np
from flask import Response, current_app, request, url_for
from werkzeug.datastructures import MultiDict

from geo.spatial.aggregate import cell_size, grid_cells, public_cell, snap_bbox

from ..extensions import db
from ..store import queries
from ..store.filters import ParameterError, filters_from_args
from ..store.pointcache import get_points, select_mask
from ..store.reporting import public_dict
from ..store.stats import min_public_count
from .cache import cached_json
from .geojson import dumps, record_counts, report_feature
from .views import bp

MAX_ZOOM = 22
_ZOOM = re.compile(r"[0-9]{1,2}")


def _json(data, status: int = 200) -> Response:
    return Response(dumps(data), status=status, mimetype="application/geo+json")


def parse_zoom(args: MultiDict) -> int:
    values = args.getlist("zoom")
    if len(values) != 1 or not _ZOOM.fullmatch(values[0].strip()) or int(values[0]) > MAX_ZOOM:
        raise ParameterError("zoom", f"'zoom' is required once, an integer from 0 to {MAX_ZOOM}")
    return int(values[0])


@bp.get("/v1/clusters")
@cached_json
def clusters():
    """Grid clusters of the published reports matching the filters, inside ``bbox``."""
    try:
        zoom = parse_zoom(request.args)
        filters = filters_from_args(request.args)
    except ParameterError as exc:
        return Response(dumps(exc.as_json()), status=400, mimetype="application/json")
    cell = cell_size(zoom)
    points = get_points()
    bbox = snap_bbox(filters.bbox, cell) if filters.bbox else None
    mask = select_mask(points, filters, bbox)
    names = points.kind_names
    cx, cy, counts, by_kind = grid_cells(points.lon[mask], points.lat[mask], cell,
                                         groups=points.kind[mask], n_groups=len(names))
    # The same cells again, counted per (kind, category): each kind's most frequent category,
    # so a cluster can be drawn in the colours of what it holds.
    n_cat = len(points.category_names)
    combo = points.kind[mask].astype(np.int64) * n_cat + points.category[mask]
    *_, by_combo = grid_cells(points.lon[mask], points.lat[mask], cell, groups=combo,
                              n_groups=len(names) * n_cat)
    k = min_public_count()
    features, total, lower_bound = [], 0, False
    for i in range(len(counts)):
        props = public_cell(int(counts[i]), dict(zip(names, by_kind[i].tolist(), strict=True)), k)
        top = {}
        for j, name in enumerate(names):
            # Only for a kind whose count is published exactly: a suppressed "<k" kind must not
            # give its reports' category away.
            if isinstance(props.get(name), int) and props[name] > 0:
                top[name] = points.category_names[int(np.argmax(by_combo[i, j * n_cat:(j + 1) * n_cat]))]
        if top:
            props["top"] = top
        if isinstance(props["count"], str):
            total, lower_bound = total + 1, True  # a suppressed cell holds at least one report
        else:
            total += props["count"]
        features.append({"type": "Feature", "properties": props, "geometry": {
            "type": "Point", "coordinates": [round(float(cx[i]), 6), round(float(cy[i]), 6)]}})
    return _json({"type": "FeatureCollection", "features": features, "zoom": zoom,
                  "cell_deg": cell, "total": total, "total_is_lower_bound": lower_bound, "min_count": k,
                  "max_zoom": current_app.config["CLUSTER_MAX_ZOOM"],
                  "bbox": list(bbox) if bbox else None})


@bp.get("/v1/reports/<id:report_id>")
@cached_json
def report(report_id: int):
    """One published report as a GeoJSON Feature (404 when it is not published)."""
    row = db.session.scalars(queries.published_report(report_id)).first()
    if row is None:
        return Response(dumps({"error": "no such published report"}), status=404,
                        mimetype="application/json")
    url = url_for("public.report_detail", id=row.id)
    return _json(report_feature(public_dict(row), url, record_counts([row.id]).get(row.id)))
