"""The shipped layers (loaded and validated once per app) and the imported overlays (from the database)."""

from __future__ import annotations

from flask import current_app

from geo.drawing.maps import Overlay, display_geometries
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


def get_overlays() -> list[Overlay]:
    """Imported overlays from the database, oldest import first (read again when one changed)."""
    state = app_state()
    signature = overlays_signature()
    cached = state.overlays
    if cached is not None and cached[0] == signature:
        return cached[1]
    overlays = []
    for meta in overlay_store.listing():
        try:
            gdf = overlay_store.read(meta["name"])
        except KeyError:  # removed between the listing and the read
            continue
        overlays.append(Overlay(title=meta["title"], gdf=gdf, name_field=meta.get("name_field")))
    state.overlays = (signature, overlays)
    return overlays


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
