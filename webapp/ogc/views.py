"""OGC API – Features views: the landing page, conformance, collections, items and one item.

The views only adapt: parameters are validated by :mod:`webapp.store.ogc_params`, features and
counts come from :mod:`webapp.store.ogc`; here they gain links (absolute URLs) and become
JSON responses. A refused request answers an OGC exception (``code``, ``description``) with
400 or 404, never an HTML page and never a 500.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from flask import Blueprint, Response, request, url_for

from ..store import ogc
from ..store.ogc_params import CRS84, OgcError, check_format, check_known, parse_items

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
)
TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"


def json_response(data, status: int = 200, mimetype: str = JSON) -> Response:
    """``data`` as compact JSON (Arabic kept as is) with ``mimetype``."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, mimetype=mimetype)


@bp.errorhandler(OgcError)
def ogc_error(exc: OgcError):
    """A refused request: the OGC exception body, 400 or 404."""
    return json_response(exc.as_json(), status=exc.status)


@bp.after_app_request
def ogc_headers(response: Response) -> Response:
    """Public, read-only data: any origin may read it (errors and unknown paths included)."""
    if request.path == bp.url_prefix or request.path.startswith(f"{bp.url_prefix}/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Cache-Control", "no-cache")
    return response


def _link(href: str, rel: str, mimetype: str = JSON, title: str | None = None) -> dict:
    out = {"href": href, "rel": rel, "type": mimetype}
    if title:
        out["title"] = title
    return out


def _plain(allowed=("f", "lang")) -> None:
    """A request without items parameters: only ``f`` (json) and ``lang`` are known."""
    check_known(request.args, allowed)
    check_format(request.args)


@bp.get("/")
def landing():
    """The landing page: links to the API description, the conformance classes and the data."""
    _plain()
    return json_response({
        "title": "Ahya: challenges and initiatives in Jerusalem",
        "description": "OGC API - Features: published reports, areas, places, organizations and map "
                       "layers as GeoJSON (CRS84). Only public fields and public points.",
        "links": [
            _link(url_for(".landing", _external=True), "self", title="This document"),
            _link(url_for(".api", _external=True), "service-desc", OPENAPI,
                  "The API definition (OpenAPI 3.0)"),
            _link(url_for("api.page", _external=True), "service-doc", "text/html", "About the APIs"),
            _link(url_for(".conformance", _external=True), "conformance", title="Conformance classes"),
            _link(url_for(".collections", _external=True), "data", title="Collections"),
        ]})


@bp.get("/conformance")
def conformance():
    """The conformance classes this API implements."""
    _plain()
    return json_response({"conformsTo": list(CONFORMANCE)})


def collection_json(c: ogc.Collection) -> dict:
    """A collection's description with its extent and links."""
    out = {"id": c.id, "title": c.title, "description": c.description, "itemType": "feature",
           "crs": [CRS84],
           "links": [
               _link(url_for(".collection", collection_id=c.id, _external=True), "self", title=c.title),
               _link(url_for(".items", collection_id=c.id, _external=True), "items", GEOJSON,
                     "Items as GeoJSON"),
           ]}
    extent = {}
    if c.bbox:
        extent["spatial"] = {"bbox": [[round(v, 7) for v in c.bbox]], "crs": CRS84}
    if c.interval:
        extent["temporal"] = {"interval": [list(c.interval)], "trs": TRS}
    if extent:
        out["extent"] = extent
    return out


@bp.get("/collections")
def collections():
    """Every collection."""
    _plain()
    return json_response({
        "links": [_link(url_for(".collections", _external=True), "self", title="Collections")],
        "collections": [collection_json(c) for c in ogc.collections()]})


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    """One collection's description."""
    found = ogc.get_collection(collection_id)
    _plain()
    return json_response(collection_json(found))


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    """A page of a collection's features as a GeoJSON FeatureCollection, with a next link."""
    found = ogc.get_collection(collection_id, extent=False)
    query = parse_items(request.args, found.filters, temporal=found.temporal)
    page = ogc.items(found, query)
    here = url_for(".items", collection_id=collection_id, _external=True)
    if collection_id == "reports":
        _add_permalinks(page.features)
    links = [_link(here + _query(request.args.items(multi=True)), "self", GEOJSON, "This page"),
             _link(url_for(".collection", collection_id=collection_id, _external=True), "collection",
                   title=found.title)]
    if page.next_cursor is not None:
        # The request's own parameters as sent (the same filters, byte for byte), a new cursor.
        pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
        links.append(_link(here + _query([*pairs, ("cursor", page.next_cursor)]), "next", GEOJSON,
                           "Next page"))
    body = {"type": "FeatureCollection", "features": page.features, "numberMatched": page.matched,
            "numberReturned": len(page.features),
            "timeStamp": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "links": links}
    resp = json_response(body, mimetype=GEOJSON)
    if page.next_cursor is not None:
        resp.headers["Link"] = f'<{links[-1]["href"]}>; rel="next"'
    return resp


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str):
    """One feature by id."""
    found = ogc.get_collection(collection_id, extent=False)
    _plain()
    feature = dict(ogc.item(found, feature_id))
    if collection_id == "reports":
        _add_permalinks([feature])
    feature["links"] = [
        _link(url_for(".item", collection_id=collection_id, feature_id=feature_id, _external=True), "self",
              GEOJSON, "This feature"),
        _link(url_for(".collection", collection_id=collection_id, _external=True), "collection",
              title=found.title)]
    return json_response(feature, mimetype=GEOJSON)


def _query(pairs) -> str:
    pairs = list(pairs)
    return "?" + urlencode(pairs) if pairs else ""


def _add_permalinks(features: list[dict]) -> None:
    # url_for once, not once per feature: the id is the last path segment.
    prefix = url_for("public.report_detail", id=1, _external=True).rsplit("/", 1)[0] + "/"
    for f in features:
        f["properties"]["url"] = f"{prefix}{f['id']}"
