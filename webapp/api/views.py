"""JSON endpoints: published reports as GeoJSON, and the category taxonomy."""

from __future__ import annotations

from flask import Response, request, url_for

from .. import queries
from ..extensions import db
from ..i18n import current_language
from ..layers_store import place_slugs
from ..reporting import get_taxonomy, public_dict
from . import bp
from .geojson import dumps, feature_collection, report_feature
from .params import ParameterError, report_filters


def _json(data, status: int = 200, mimetype: str = "application/json") -> Response:
    resp = Response(dumps(data), status=status, mimetype=mimetype)
    # Moderators expect a report they publish to show at once; issue 5 brings ETags.
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["Access-Control-Allow-Origin"] = "*"  # public, read-only data
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def _permalink_prefix() -> str:
    # url_for once, not once per feature (5000 features): the id is the last path segment.
    return url_for("public.report_detail", id=0).rsplit("/", 1)[0] + "/"


@bp.get("/reports")
def reports():
    """Published reports as a GeoJSON FeatureCollection (public points only)."""
    try:
        filters = report_filters(request.args, get_taxonomy(), place_slugs())
    except ParameterError as exc:
        return _json(exc.as_json(), status=400)
    rows = db.session.scalars(queries.public_reports(filters)).all()
    truncated = len(rows) > filters.limit
    prefix = _permalink_prefix()
    features = [report_feature(public_dict(r), f"{prefix}{r.id}") for r in rows[:filters.limit]]
    body = feature_collection(features, count=len(features), limit=filters.limit, truncated=truncated)
    return _json(body, mimetype="application/geo+json")


@bp.get("/categories")
def categories():
    """The taxonomy: categories per kind with both labels, colour, icon and the label in use."""
    return _json({"lang": current_language(), **get_taxonomy().as_dict(current_language())})
