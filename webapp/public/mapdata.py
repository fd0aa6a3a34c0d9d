"""The map page's static data: area polygons and the place-search index, at versioned URLs.

They change only when the shipped layers change (a rebuild and restart), never with reports,
so they are built once per app and language, gzip-compressed once, and served under
``?v=<content hash>`` with a year-long ``immutable`` cache: the page HTML stays small and a
returning reader's browser fetches nothing. A request with another (old) ``v`` still gets
the current data, revalidated by ETag.
"""

from __future__ import annotations

from flask import Response, abort, current_app, request

from ..web.compression import YEAR, accepts_gzip
from ..web.mapview import Asset, areas_asset, places_asset
from .views import bp


def _lang(lang: str) -> str:
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    return lang


def _send(asset: Asset) -> Response:
    current = request.args.get("v") == asset.etag
    if asset.etag in request.if_none_match:
        resp = Response(status=304)
    elif accepts_gzip():
        resp = Response(asset.gzipped, mimetype=asset.mimetype)
        resp.headers["Content-Encoding"] = "gzip"
    else:
        resp = Response(asset.body, mimetype=asset.mimetype)
    resp.vary.add("Accept-Encoding")
    resp.set_etag(asset.etag)
    if current:
        resp.cache_control.public = True
        resp.cache_control.max_age = YEAR
        resp.cache_control.immutable = True
    else:
        resp.cache_control.no_cache = True
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@bp.get("/map/<lang>/areas.geojson")
def map_areas(lang: str):
    """The area polygons with names and tooltips in ``lang``."""
    return _send(areas_asset(_lang(lang)))


@bp.get("/map/places.json")
def map_places():
    """The place-search index (every gazetteer place, names in three languages)."""
    return _send(places_asset())
