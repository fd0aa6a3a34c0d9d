"""Per-app state: what an app loads or computes once and keeps, in one typed object.

``create_app`` attaches one :class:`AppState` to each app; :func:`app_state` returns the current
app's. Per app, not per process: tests make many apps with different settings and layers. Each
attribute starts empty and is filled by the module that owns it (named in the comments).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cachetools import LRUCache
from flask import Flask, current_app

if TYPE_CHECKING:  # types only: these modules read the state themselves
    from geo.reference.layers import Layers
    from geo.reference.taxonomy import Taxonomy
    from geo.spatial.assign import AreaIndex

    from .store.pointcache import Points

#: The one key of ``app.extensions`` that Ahya uses.
KEY = "ahya"

#: Posters and share cards kept per app (least recently used dropped first).
POSTER_CACHE_SIZE = 16
CARD_CACHE_SIZE = 64
#: Overlay bodies (one per overlay, version and zoom tier) kept per app.
OVERLAY_CACHE_SIZE = 48


@dataclass
class AppState:
    """Everything an app keeps between requests (caches and data loaded once)."""

    # store/: loaded once, or kept with the data version they were built at
    layers: Layers | None = None  # store.layers.get_layers
    display_layers: Layers | None = None  # store.layers.get_display_layers (simplified)
    overlays: tuple[Any, list] | None = None  # store.layers.map_overlays: (files signature, entries)
    # store.layers.overlay_body: (name, version, tier) → GeoJSON bytes the map fetches
    overlay_bodies: LRUCache = field(default_factory=lambda: LRUCache(maxsize=OVERLAY_CACHE_SIZE))
    place_slugs: frozenset[str] | None = None
    place_names: dict[str, dict[str, str]] | None = None
    taxonomy: Taxonomy | None = None  # store.reporting.get_taxonomy
    area_index: AreaIndex | None = None  # store.reporting.get_area_index
    points: Points | None = None  # store.pointcache.get_points
    trend_values: dict[tuple, Any] = field(default_factory=dict)  # store.trends: field values per version
    organization_lookup: tuple[Any, dict[int, dict]] | None = None  # (data version, lookup)
    site_settings: tuple[Any, dict[str, Any]] | None = None  # store.sitesettings: (data version, values)
    area_points: dict[str, tuple[float, float]] | None = None  # store.whocanhelp
    area_catalogue: dict[str, Any] | None = None  # store.area_names
    accounts_exist: bool = False  # auth.views.setup_open_cached: once True, stays True
    ogc: dict[str, Any] | None = None  # store.ogc: the small collections' feature lists
    # web/
    map_assets: dict[str, Any] = field(default_factory=dict)  # web.mapview: key → Asset
    map_parts: dict[tuple, Any] = field(default_factory=dict)  # web.mapview: folium base maps
    bundles: dict[tuple[str, str], tuple[bytes, str]] = field(default_factory=dict)  # web.assets
    category_choices: dict[str, tuple[list, list]] = field(default_factory=dict)  # web.report_form
    places: dict[str, dict] | None = None  # web.places
    outlines: dict[str, dict] | None = None  # web.places
    # features
    # exports.poster: rendered posters (each is seconds of matplotlib); cards.views: share cards
    posters: LRUCache = field(default_factory=lambda: LRUCache(maxsize=POSTER_CACHE_SIZE))
    cards: LRUCache = field(default_factory=lambda: LRUCache(maxsize=CARD_CACHE_SIZE))
    leaflet: tuple[str, str] | None = None  # exports.views: Leaflet's JS and CSS, inlined
    api_area_features: list[dict] | None = None  # api.areas
    api_cache: Any = None  # api.cache.ResponseCache, made on first use
    api_deploy: str | None = None  # api.cache: what responses depend on besides the data
    api_started: dt.datetime | None = None  # api.cache: when this process first answered
    offline_worker: dict[str, Any] = field(default_factory=dict)  # offline.views: the service worker


def init_app(app: Flask) -> None:
    """Give ``app`` its (empty) state."""
    app.extensions[KEY] = AppState()


def app_state(app: Flask | None = None) -> AppState:
    """The state of ``app``, by default the current app."""
    return (app or current_app).extensions[KEY]
