"""The map page's static data: area polygons and the place-search index, at versioned URLs.

They change only when the shipped layers change (a rebuild and restart), never with reports,
so they are built once per app and language, compressed once (Flask-Compress keeps them by
content hash: ``keep_compressed``), and served under
``?v=<content hash>`` with a year-long ``immutable`` cache: the page HTML stays small and a
returning reader's browser fetches nothing. A request with another (old) ``v`` still gets
the current data, revalidated by ETag.
"""

from __future__ import annotations

from flask import Response, abort, current_app, request

from ..web.compression import YEAR, keep_compressed
from ..web.mapview import Asset, areas_asset, places_asset
from .views import bp


def _lang(lang: str) -> str:
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    return lang


def _send(asset: Asset) -> Response:
    current = request.args.get("v") == asset.etag
    # A gzip client revalidates with the compressed body's tag (Flask-Compress adds ":gzip").
    matched = [tag for tag in (asset.etag, f"{asset.etag}:gzip") if tag in request.if_none_match]
    if matched:
        resp = Response(status=304)
        resp.set_etag(matched[0])
    else:
        resp = Response(asset.body, mimetype=asset.mimetype)
        resp.set_etag(asset.etag)
        keep_compressed(f"{request.endpoint}:{asset.etag}")
    resp.vary.add("Accept-Encoding")
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
