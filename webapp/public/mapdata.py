"""The map page's static data: area polygons and the place-search index, at versioned URLs.

They change only when the shipped layers change (a rebuild and restart), never with reports,
so they are built once per app and language, gzip-compressed once, and served under
``?v=<content hash>`` with a year-long ``immutable`` cache: the page HTML stays small and a
returning reader's browser fetches nothing. A request with another (old) ``v`` still gets
the current data, revalidated by ETag.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass

from flask import Response, abort, current_app, request, url_for

from geo.maps import area_collection
from geo.search import search_index

from ..store.layers import get_display_layers, get_layers
from ..web.compression import YEAR, accepts_gzip
from . import bp


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    etag: str
    mimetype: str


def _asset(key: str, build, mimetype: str) -> Asset:
    ext = current_app.extensions.setdefault("ahya.mapdata", {})
    if key not in ext:
        body = json.dumps(build(), ensure_ascii=False, separators=(",", ":")).encode()
        ext[key] = Asset(body, gzip.compress(body, compresslevel=9, mtime=0),
                         hashlib.sha256(body).hexdigest()[:16], mimetype)
    return ext[key]


def _lang(lang: str) -> str:
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    return lang


def areas_asset(lang: str) -> Asset:
    return _asset(f"areas.{lang}", lambda: area_collection(get_display_layers().areas, lang),
                  "application/geo+json")


def places_asset() -> Asset:
    layers = get_layers()
    return _asset("places", lambda: search_index(layers.places, layers.areas), "application/json")


def asset_urls(lang: str) -> dict[str, str]:
    """Versioned URLs of the map page's data for ``lang``: ``areas`` and ``places``."""
    return {"areas": url_for("public.map_areas", lang=lang, v=areas_asset(lang).etag),
            "places": url_for("public.map_places", v=places_asset().etag)}


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
