"""The shipped layers and imported overlays, loaded and validated once per app."""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app

from geo.drawing.maps import Overlay, display_geometries
from geo.reference.layers import Layers, load_layers
from geo.reference.overlays import list_overlays, read_overlay

from ..state import app_state


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
    """Name, size and modification time of every file in instance/layers (a few ``stat`` calls).

    Overlays are imported by the CLI or another worker process: this is how a process sees
    that its cached overlays (and rendered maps) are out of date, without reading them.
    """
    directory = Path(current_app.config["LAYERS_INSTANCE_DIR"])
    try:
        entries = [(e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(directory)
                   if e.is_file()]
    except OSError:  # no overlay imported yet: the directory does not exist
        return ()
    return tuple(sorted(entries))


def get_overlays() -> list[Overlay]:
    """Imported overlays from instance/layers, newest last (read again when a file changed)."""
    state = app_state()
    signature = overlays_signature()
    cached = state.overlays
    if cached is not None and cached[0] == signature:
        return cached[1]
    directory = Path(current_app.config["LAYERS_INSTANCE_DIR"])
    overlays = []
    for meta in list_overlays(directory):
        gdf = read_overlay(directory, meta["name"])
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
