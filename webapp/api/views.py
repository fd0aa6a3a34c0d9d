"""JSON endpoints: published reports as GeoJSON, the category taxonomy, the OpenAPI document."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import numpy as np
from flask import Blueprint, Response, current_app, request, session, url_for

from ..store import pointcache, queries
from ..store.filters import ParameterError, filters_from_args
from ..store.public_fields import category_fields_json
from ..store.reporting import get_taxonomy, public_dict
from ..web.i18n import current_language
from .cache import CACHE_CONTROL, PRIVATE_CACHE_CONTROL, cached_json
from .geojson import feature_collection, json_response, record_counts, report_feature
from .openapi import MAX_REQUEST_LINE, build_document
from .params import encode_cursor, parse_cursor

# /api/v1/… (JSON) and /api (the page about it): one blueprint, the version in each rule.
bp = Blueprint("api", __name__, url_prefix="/api")

#: Response headers a cross-origin script may read (the CORS-safelisted ones need no mention).
EXPOSED_HEADERS = "ETag, Link"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
#: A preflight's requested headers are echoed back only if they look like header names.
_HEADER_LIST = re.compile(r"[A-Za-z0-9-]+(?:\s*,\s*[A-Za-z0-9-]+){0,19}")


@bp.before_request
def refuse_long_request_lines():
    """414 for a request line longer than gunicorn's limit, whatever server runs the app.

    Behind gunicorn such a request never reaches the app (gunicorn answers 414 itself); the
    document declares 414 on every operation, and this makes the answer the same elsewhere.
    """
    wsgi = request.environ  # the WSGI request, not the process environment
    target = wsgi.get("RAW_URI") or wsgi.get("REQUEST_URI") or request.full_path
    if len(request.method) + len(target) + len(" HTTP/1.1") + 1 > MAX_REQUEST_LINE:
        return json_response({"error": f"the request line is over {MAX_REQUEST_LINE} bytes", "status": 414},
                             status=414)
    return None


@bp.after_app_request
def api_headers(response: Response) -> Response:
    """CORS and caching headers on every /api/v1 response, errors and preflights included.

    An app-wide hook rather than a blueprint one: a 404 for an unknown /api/v1 path is
    not routed to the blueprint, yet a script on another site must still read its body.
    """
    if not request.path.startswith(f"{bp.url_prefix}/"):
        return response
    # Public, read-only data and no credentials: any origin may read it.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    response.headers["X-Content-Type-Options"] = "nosniff"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        asked = request.headers.get("Access-Control-Request-Headers", "").strip()
        if asked and _HEADER_LIST.fullmatch(asked):
            response.headers["Access-Control-Allow-Headers"] = asked
        response.headers["Access-Control-Max-Age"] = "86400"
        response.vary.add("Access-Control-Request-Headers")
    if response.headers.get("Cache-Control") == CACHE_CONTROL and session.modified:
        # ``?lang=`` stored the language in the session cookie: a shared cache must not
        # hand that Set-Cookie to somebody else.
        response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
    response.headers.setdefault("Cache-Control", "no-cache")
    return response


def _permalink_prefix() -> str:
    # url_for once, not once per feature (5000 features): the id is the last path segment.
    return url_for("public.report_detail", id=0).rsplit("/", 1)[0] + "/"


def _next_url(last_id: int) -> str:
    """This request's URL with a cursor after ``last_id``: the same filters, byte for byte."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
    pairs.append(("cursor", encode_cursor(last_id)))
    return url_for("api.reports", _external=True) + "?" + urlencode(pairs)


@bp.get("/v1/reports")
@cached_json
def reports():
    """Published reports as a GeoJSON FeatureCollection (public points only), newest first.

    Pages are cut by id (keyset pagination): ``cursor`` holds the last id of the previous
    page, so a report published between two pages shifts nothing and no row repeats.
    """
    try:
        filters = filters_from_args(request.args)
        after = parse_cursor(request.args)
    except ParameterError as exc:
        return json_response(exc.as_json(), status=400)
    # The matching ids come from the points in memory (a mask over arrays: milliseconds at a
    # million reports, where SQL sorted every report in the box); only the page's rows are read.
    ids = pointcache.matching_ids(filters)
    matched = len(ids)
    if after is not None:
        ids = ids[:np.searchsorted(ids, after)]
    page_ids = ids[::-1][:filters.limit]  # newest first
    truncated = len(ids) > filters.limit
    page = queries.published_rows(page_ids)
    prefix = _permalink_prefix()
    counts = record_counts([r.id for r in page])
    features = [report_feature(public_dict(r), f"{prefix}{r.id}", counts.get(r.id)) for r in page]
    # numberMatched/numberReturned: the OGC API - Features names (GDAL and QGIS read them), so a
    # GIS client knows when a page holds only part of the data.
    members = {"count": len(features), "limit": filters.limit, "truncated": truncated,
               "numberMatched": matched, "numberReturned": len(features)}
    if truncated:
        members["next"] = _next_url(int(page_ids[-1]))
    resp = json_response(feature_collection(features, **members), mimetype="application/geo+json")
    if truncated:
        resp.headers["Link"] = f'<{members["next"]}>; rel="next"'  # RFC 8288 (was RFC 5988)
    return resp


@bp.get("/v1/categories")
@cached_json(by_language=True)
def categories():
    """The taxonomy: categories per kind with both labels, colour, icon and the label in use."""
    # Pages fall back to the default language for an unknown ``lang``; the API says so (400),
    # as its document does (an enum).
    langs = request.args.getlist("lang")
    if langs and (len(langs) > 1 or langs[0] not in current_app.config["LANGUAGES"]):
        return json_response({"error": "'lang' must be one of " + ", ".join(current_app.config["LANGUAGES"]),
                      "parameter": "lang"}, status=400)
    lang = current_language()
    taxonomy = get_taxonomy().as_dict(lang)
    # Each category's public structured fields (issue 20): what a report of it may carry.
    for kind, cats in taxonomy.items():
        for cat in cats:
            cat["fields"] = category_fields_json(kind, cat["id"], lang)
    return json_response({"lang": lang, **taxonomy})


@bp.get("/v1/openapi.json")
@cached_json
def openapi():
    """The OpenAPI 3.1 description of this API (servers point at this host)."""
    return json_response(build_document(request.url_root), mimetype="application/json")
