"""The map page's static data: area polygons, the place-search index and the imported overlays,
at versioned URLs.

They change only when the shipped layers change (a rebuild and restart), never with reports,
so they are built once per app and language, compressed once (Flask-Compress keeps them by
content hash: ``keep_compressed``), and served under
``?v=<content hash>`` with a year-long ``immutable`` cache: the page HTML stays small and a
returning reader's browser fetches nothing. A request with another (old) ``v`` still gets
the current data, revalidated by ETag.
"""

from __future__ import annotations

from flask import Response, abort, current_app, request

from geo.drawing.overlay_data import tier_count

from ..store.layers import map_overlays, overlay_body
from ..web.compression import YEAR, keep_compressed
from ..web.mapview import Asset, areas_asset, places_asset
from .views import bp


def _lang(lang: str) -> str:
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    return lang


def _send(asset: Asset, version: str | None = None) -> Response:
    current = request.args.get("v") == (version or asset.etag)
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


@bp.get("/map/overlays/<name>.geojson")
def map_overlay(name: str):
    """Imported overlay ``name`` at zoom tier ``tier`` (its label, colouring and popup attributes).

    Versioned like the areas (``v``: the overlay's version, which any re-import or restyle
    changes); a tier or name that does not exist is a 404.
    """
    entry = next((e for e in map_overlays() if e.meta["name"] == name), None)
    tier = request.args.get("tier", "0")
    if entry is None or not (tier.isascii() and tier.isdigit() and len(tier) < 3):
        abort(404)
    tiers = tier_count(entry.size, entry.meta.get("geometry_types"))
    if int(tier) >= tiers:
        abort(404)
    body = overlay_body(entry, int(tier))
    if body is None:
        abort(404)
    return _send(Asset(body, f"{entry.version}-{tier}", "application/geo+json"), entry.version)
