"""The OpenAPI 3.0 definition of /ogc/ (``/ogc/api``), built from the collections and the code's limits.

One path per collection (as pygeoapi writes it), so each items operation lists exactly the
property filters that collection takes, with their values; limits and patterns come from
:mod:`webapp.store.ogc_params`, so the document cannot drift from what the server accepts.
GDAL's OAPIF driver reads the ``limit`` maximum from here to choose its page size.
"""

from __future__ import annotations

from flask import current_app, request

from geo.reference.taxonomy import KINDS

from ..store import ogc
from ..store.layers import place_slugs
from ..store.ogc_params import BBOX, CRS84, CURSOR, DEFAULT_LIMIT, FORMATS, MAX_DATETIME, MAX_LIMIT, VALUE
from ..store.reporting import get_taxonomy
from .views import OPENAPI, _plain, bp, json_response

EXCEPTION = {"type": "object", "required": ["code"],
             "properties": {"code": {"type": "string"}, "description": {"type": "string"}}}
LINK = {"type": "object", "required": ["href", "rel"],
        "properties": {"href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
                       "title": {"type": "string"}}}


def _param(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "style": "form", "explode": False,
            "description": description, "schema": schema}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def _common() -> list[dict]:
    return [_ref("f"), _ref("lang")]


def _components() -> dict:
    """The shared parameters, referenced from each operation as pygeoapi does: GDAL's OAPIF driver
    looks for a ``$ref`` naming ``limit`` to read the page size it may ask for."""
    return {
        "f": _param("f", {"type": "string", "enum": list(FORMATS)}, "The representation: JSON only."),
        "lang": _param("lang", {"type": "string", "enum": list(current_app.config["LANGUAGES"])},
                       "The interface language (data are the same in every language)."),
        "bbox": _param("bbox", {"type": "string", "pattern": f"^(?:{BBOX.pattern})$"},
                       "minLon,minLat,maxLon,maxLat in CRS84 degrees: only features whose geometry (for "
                       "reports: the public point) falls in this box."),
        "limit": _param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                  "default": DEFAULT_LIMIT},
                        f"Features per page, from 1 to {MAX_LIMIT} ({DEFAULT_LIMIT} by default)."),
        "cursor": _param("cursor", {"type": "string", "pattern": f"^(?:{CURSOR.pattern})$"},
                         "Where the next page starts: follow the 'next' link of the previous page."),
        "crs": _param("crs", {"type": "string", "enum": [CRS84]},
                      "The CRS of the answer: only CRS84 (longitude, latitude) is served."),
        "bbox-crs": _param("bbox-crs", {"type": "string", "enum": [CRS84]},
                           "The CRS of bbox: only CRS84."),
        "datetime": _param("datetime", {"type": "string", "minLength": 1, "maxLength": MAX_DATETIME},
                           "A date or date-time (RFC 3339), or an interval start/end with '..' for an "
                           "open end: the day the report was observed."),
    }


def _filter_schema(collection: ogc.Collection, name: str) -> dict:
    if collection.id == "reports":
        if name == "kind":
            return {"type": "string", "enum": list(KINDS)}
        if name == "category":
            tax = get_taxonomy()
            return {"type": "string", "enum": sorted({c.id for k in KINDS for c in tax.categories(k)})}
        return {"type": "string", "enum": sorted(place_slugs())}
    return {"type": "string", "pattern": f"^(?:{VALUE.pattern})$"}


def _items_params(collection: ogc.Collection) -> list[dict]:
    params = [_ref("bbox"), _ref("limit"), _ref("cursor"), _ref("crs"), _ref("bbox-crs")]
    if collection.temporal:
        params.append(_ref("datetime"))
    for name in collection.filters:
        params.append(_param(name, _filter_schema(collection, name), f"Only features whose {name} is this."))
    return params + _common()


def _ok(schema: dict, mimetype: str = "application/json") -> dict:
    return {"description": "OK", "content": {mimetype: {"schema": schema}}}


def _errors(*codes: int) -> dict:
    text = {400: "A parameter is not valid.", 404: "No such collection or feature."}
    return {str(c): {"description": text[c], "content": {"application/json": {"schema": EXCEPTION}}}
            for c in codes}


def build_document(root: str) -> dict:
    """The OpenAPI 3.0 document of /ogc/ with ``root`` (the request's URL root) as server."""
    feature = {"type": "object", "required": ["type", "geometry", "properties"],
               "properties": {"type": {"type": "string", "enum": ["Feature"]},
                              "id": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
                              "geometry": {"type": "object", "nullable": True},
                              "properties": {"type": "object", "nullable": True},
                              "links": {"type": "array", "items": LINK}}}
    page = {"type": "object", "required": ["type", "features", "numberMatched", "numberReturned", "links"],
            "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                           "features": {"type": "array", "items": feature},
                           "numberMatched": {"type": "integer", "minimum": 0},
                           "numberReturned": {"type": "integer", "minimum": 0},
                           "timeStamp": {"type": "string", "format": "date-time"},
                           "links": {"type": "array", "items": LINK}}}
    plain = {"type": "object"}
    paths = {
        "/": {"get": {"operationId": "getLandingPage", "summary": "The landing page", "parameters": _common(),
                      "responses": {"200": _ok(plain), **_errors(400)}}},
        "/conformance": {"get": {"operationId": "getConformance", "summary": "The conformance classes",
                                 "parameters": _common(), "responses": {"200": _ok(plain), **_errors(400)}}},
        "/api": {"get": {"operationId": "getAPI", "summary": "This document", "parameters": _common(),
                         "responses": {"200": _ok(plain, OPENAPI), **_errors(400)}}},
        "/collections": {"get": {"operationId": "getCollections", "summary": "The collections",
                                 "parameters": _common(), "responses": {"200": _ok(plain), **_errors(400)}}},
    }
    for c in ogc.collections():
        op = c.id.replace("-", "_")
        paths[f"/collections/{c.id}"] = {"get": {
            "operationId": f"describe_{op}", "summary": c.title, "parameters": _common(),
            "responses": {"200": _ok(plain), **_errors(400)}}}
        paths[f"/collections/{c.id}/items"] = {"get": {
            "operationId": f"get_{op}_items", "summary": f"{c.title}: features", "description": c.description,
            "parameters": _items_params(c),
            "responses": {"200": _ok(page, "application/geo+json"), **_errors(400)}}}
        paths[f"/collections/{c.id}/items/{{featureId}}"] = {"get": {
            "operationId": f"get_{op}_item", "summary": f"{c.title}: one feature",
            "parameters": [{"name": "featureId", "in": "path", "required": True,
                            "schema": {"type": c.id_type}}, *_common()],
            "responses": {"200": _ok(feature, "application/geo+json"), **_errors(400, 404)}}}
    return {"openapi": "3.0.3",
            "info": {"title": "Ahya OGC API - Features", "version": "1.0.0",
                     "description": "Published reports, areas, places, organizations and map layers of Ahya "
                                    "as GeoJSON in CRS84. Read-only, no account, any origin (CORS).",
                     "license": {"name": "See the site's about page"}},
            "servers": [{"url": root.rstrip("/") + bp.url_prefix}],
            "paths": paths, "components": {"parameters": _components()}}


@bp.get("/api")
def api():
    """The OpenAPI 3.0 definition of this API."""
    _plain()
    return json_response(build_document(request.url_root), mimetype=OPENAPI)
