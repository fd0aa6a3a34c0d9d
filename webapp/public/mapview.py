"""The public map's page context, shared by the map page, the embed and the standalone export."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import gettext as _

from geo.maps import MapParts, build_public_map, render_parts
from geo.search import search_index

from ..i18n import current_language
from ..layers_store import get_display_layers, get_layers, get_overlays


def layer_labels() -> dict[str, str]:
    return {"areas": _("Neighborhoods and villages"), "places": _("Other places"),
            "boundary": _("Municipal boundary")}


def build_map_parts(asset_base: str | None = None) -> MapParts:
    """Render the folium base map (areas, places, outline, overlays) for the current language."""
    layers = get_layers()
    display = get_display_layers()
    m = build_public_map(
        display.areas, layers.places, display.boundary, lang=current_language(),
        labels=layer_labels(),
        tile_url=current_app.config["TILE_URL"],
        tile_attribution=current_app.config["TILE_ATTRIBUTION"],
        overlays=get_overlays(),
        asset_base=asset_base if asset_base is not None else request.script_root + "/vendor",
    )
    return render_parts(m)


def map_page_context() -> dict:
    """What ``index.html`` (and the embed page) need besides the request's filters."""
    layers = get_layers()
    return {"map": build_map_parts(), "places": search_index(layers.places, layers.areas)}
