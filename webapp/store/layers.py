"""The shipped layers (loaded and validated once per app) and the imported overlays (from the database)."""

from __future__ import annotations

import json

from flask import current_app

from geo.drawing.maps import display_geometries
from geo.drawing.overlay_data import overlay_collection, tier_count
from geo.reference.layers import Layers, load_layers

from ..state import app_state
from . import overlays as overlay_store


def get_layers() -> Layers:
    state = app_state()
    if state.layers is None:
        state.layers = load_layers(current_app.config["LAYERS_DIR"])
    return state.layers


def get_display_layers() -> Layers:
    """Layers simplified for the map page (computed once)."""
    state = app_state()
    if state.display_layers is None:
        layers = get_layers()
        state.display_layers = Layers(areas=display_geometries(layers.areas), places=layers.places,
                                     boundary=display_geometries(layers.boundary))
    return state.display_layers


def overlays_signature() -> tuple:
    """Name and SHA-256 of every stored overlay file (one indexed read of the file store).

    Overlays are imported by the CLI or on another server: this is how a process sees that its
    cached overlays (and rendered maps) are out of date, without reading them.
    """
    return overlay_store.signature()


def map_overlays() -> list[overlay_store.Entry]:
    """Every complete overlay in map order (read again when one changed; features not read)."""
    state = app_state()
    signature = overlays_signature()
    cached = state.overlays
    if cached is not None and cached[0] == signature:
        return cached[1]
    entries = overlay_store.catalogue()
    state.overlays = (signature, entries)
    return entries


def served_attributes(meta: dict) -> list[str]:
    """The attributes the map is sent of an overlay: its label, its colouring one, its popup's."""
    style = meta["style"]
    return [a for a in dict.fromkeys([meta.get("name_field"), style.get("by"), *style.get("popup", [])]) if a]


def overlay_body(entry: overlay_store.Entry, tier: int) -> bytes | None:
    """The GeoJSON the map fetches of ``entry`` at zoom ``tier`` (built once per version and tier).

    None if the overlay was removed meanwhile. Only :func:`served_attributes` leave the server.
    """
    key = (entry.meta["name"], entry.version, tier)
    bodies = app_state().overlay_bodies
    if key not in bodies:
        try:
            gdf = overlay_store.read(entry.meta["name"])
        except KeyError:
            return None
        tiers = tier_count(entry.size, entry.meta.get("geometry_types"))
        collection = overlay_collection(gdf, served_attributes(entry.meta), min(tier, tiers - 1), tiers)
        bodies[key] = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()
    return bodies[key]


def place_slugs() -> frozenset[str]:
    """Every gazetteer slug (areas and places without polygons): valid ``area`` filters."""
    state = app_state()
    if state.place_slugs is None:
        state.place_slugs = frozenset(get_layers().places["slug"])
    return state.place_slugs


def place_names() -> dict[str, dict[str, str]]:
    """``{slug: {"ar", "en", "he"}}`` for every gazetteer place (areas included), once per app."""
    state = app_state()
    if state.place_names is None:
        places = get_layers().places
        state.place_names = {
            row["slug"]: {lang: row.get(f"name_{lang}") or "" for lang in ("ar", "en", "he")}
            for row in places.drop(columns=places.geometry.name).to_dict("records")
        }
    return state.place_names
