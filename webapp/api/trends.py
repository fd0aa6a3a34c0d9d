"""Reports over time: /api/v1/trends (JSON) and /api/v1/trends.csv (the same table as CSV).

Counts of published reports per year or month, citywide or for one area (``area=``), under
the filters of /api/v1/reports, and the sum of a numeric field (``field=``) when asked. The
numbers come from :func:`webapp.store.trends.published_trend` (the map's in-memory points, the
same data version as the clusters and the choropleth); the public table, suppression included,
from :func:`webapp.store.trends.public_table`: a period of fewer than ``MIN_PUBLIC_COUNT`` reports
publishes ``"<k"`` and no sum, and the totals then become lower bounds (an exact total would give
the hidden count away by subtraction), as the clusters do. Responses are cached per data version
(:func:`webapp.api.cache.cached_json`).
"""

from __future__ import annotations

import csv
import io

from flask import Response, request

from ..store.filters import ParameterError, filters_from_args
from ..store.trends import parse_trend_args, public_table, published_trend
from .cache import cached_json
from .geojson import json_response
from .params import args_dict
from .views import bp


def _table():
    """The filters, period, field and public table of this request (ParameterError when bad)."""
    filters, by, field = parse_trend_args(request.args, filters_from_args(request.args))
    return filters, by, field, public_table(published_trend(filters, by, field))


@bp.get("/v1/trends")
@cached_json
def trends():
    """Published reports per year or month (and a field's sum), under the report filters."""
    try:
        filters, by, field, table = _table()
    except ParameterError as exc:
        return json_response(exc.as_json(), status=400)
    return json_response({"by": by, "field": field, "filters": args_dict(filters.to_args()), **table})


@bp.get("/v1/trends.csv")
@cached_json
def trends_csv():
    """The table of /api/v1/trends as CSV: one row per period (period, start, end, count[, sum])."""
    try:
        filters, by, field, table = _table()
    except ParameterError as exc:
        return json_response(exc.as_json(), status=400)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = ["period", "start", "end", "count"] + ([f"sum_{field}"] if field else [])
    writer.writerow(header)
    for row in table["periods"]:
        values = [row["period"], row["start"], row["end"], row["count"]]
        if field:
            values.append("" if row["sum"] is None else _number(row["sum"]))
        writer.writerow(values)
    return Response(out.getvalue(), mimetype="text/csv")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
