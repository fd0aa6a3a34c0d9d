"""The public map's page context, shared by the map page, the embed and the standalone export,
and the map's static data (area polygons, place-search index) built once per app at versioned URLs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import request, url_for
from flask_babel import gettext as _
from folium.map import FitBounds
from werkzeug.datastructures import MultiDict

from geo.drawing.maps import MapParts, area_collection, build_public_map, render_parts
from geo.drawing.overlay_data import tier_count, tier_zooms
from geo.reference.search import search_index
from geo.reference.taxonomy import KINDS

from ..state import app_state
from ..store import lifecycle, sitesettings
from ..store.filters import FILTER_PARAMS as REPORT_FILTERS
from ..store.filters import parse_each
from ..store.layers import get_display_layers, get_layers, map_overlays, place_slugs
from ..store.overlays import display_title
from ..store.queries import ReportFilters
from ..store.reporting import get_taxonomy
from .i18n import current_language


@dataclass(frozen=True)
class Asset:
    body: bytes
    etag: str
    mimetype: str


def _asset(key: str, build, mimetype: str) -> Asset:
    ext = app_state().map_assets
    if key not in ext:
        body = json.dumps(build(), ensure_ascii=False, separators=(",", ":")).encode()
        ext[key] = Asset(body, hashlib.sha256(body).hexdigest()[:16], mimetype)
    return ext[key]


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


def layer_labels() -> dict[str, str]:
    return {"areas": _("Neighborhoods and villages"), "places": _("Other places"),
            "boundary": _("Municipal boundary")}


def build_map_parts(asset_base: str | None = None) -> MapParts:
    """The folium base map (places, outline; areas and overlays load later) for the current language.

    Nothing in it depends on reports or overlays: rendered once per language and asset base
    (~15 ms saved per page).
    """
    lang = current_language()
    base = asset_base if asset_base is not None else request.script_root + "/vendor"
    # The tile server is a site setting (webapp/store/sitesettings.py): a change renders anew.
    tiles = sitesettings.get("TILE_URL"), sitesettings.get("TILE_ATTRIBUTION")
    key = (lang, base, *tiles)
    cache = app_state().map_parts
    if key not in cache:
        layers = get_layers()
        display = get_display_layers()
        m = build_public_map(
            layers.places, display.boundary, lang=lang, labels=layer_labels(),
            tile_url=sitesettings.get("TILE_URL"),
            tile_attribution=sitesettings.get("TILE_ATTRIBUTION"),
            asset_base=base,
        )
        # The page loads Leaflet itself (_map_head.html: deferred script, CSS in the bundle).
        m.default_js, m.default_css = [], []
        # The first view without a zoom animation: folium's script runs in a task of its own
        # (a deferred module) and an animation it starts would end after filters.js set the
        # view of a shared link, undoing it.
        for child in m._children.values():
            if isinstance(child, FitBounds):
                child.options["animate"] = False
        cache[key] = render_parts(m)
    return cache[key]


def _shape(geometry_types) -> str:
    kinds = {str(t).removeprefix("Multi") for t in geometry_types or ()}
    return "point" if kinds == {"Point"} else "line" if kinds == {"LineString"} else "area"


def overlay_config(lang: str) -> list[dict]:
    """The imported overlays as the page lists them (in map order): title in ``lang``, style,
    legend shape, the attributes of the label and popup, on by default or not, and the versioned
    URL of each zoom tier (``zooms``: the highest zoom of each). No feature is in it."""
    out = []
    for entry in map_overlays():
        meta, style = entry.meta, entry.meta["style"]
        tiers = tier_count(entry.size, meta.get("geometry_types"))
        out.append({
            "name": meta["name"], "title": display_title(meta, lang),
            "shape": _shape(meta.get("geometry_types")),
            "color": style["color"], "weight": style["weight"], "radius": style["radius"],
            "fillOpacity": style["fill_opacity"], "by": style["by"], "colors": style["colors"],
            "popup": style["popup"], "label": meta.get("name_field"), "visible": style["visible"],
            "zooms": tier_zooms(tiers),
            "urls": [url_for("public.map_overlay", name=meta["name"], tier=t, v=entry.version)
                     for t in range(tiers)],
        })
    return out


def map_page_context() -> dict:
    """What ``index.html`` (and the embed page) need besides the request's filters.

    The area polygons, the search index and the overlays are not in the page: ``map_data``
    holds the cached URLs of the first two and ``map_overlays`` lists the overlays with theirs
    (fetched when switched on). ``tile_origin``: the tile server, for a
    preconnect (the first tiles are the largest paint; empty with ``{s}`` subdomains).
    """
    return {"map": build_map_parts(), "map_data": asset_urls(current_language()),
            "map_overlays": overlay_config(current_language()),
            "tile_origin": tile_origin(sitesettings.get("TILE_URL"))}


def tile_origin(tile_url: str) -> str:
    """``scheme://host[:port]`` of a tile URL template, or "" if the host is a template itself."""
    parts = urlsplit(tile_url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc or "{" in parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


# --- the map page's filters ------------------------------------------------------------------

#: The report filters (``limit`` is checked but means nothing on the map page) ...
FILTER_PARAMS = (*REPORT_FILTERS, "limit")
#: ... and the page's own parameters: the map's centre and zoom, and the extra layers.
VIEW_PARAMS = ("z", "lat", "lon", "choropleth", "choropleth_category", "heat")


def filter_labels() -> dict[str, str]:
    """Translated names of the filter fields (labels, and the "not understood" message)."""
    return {"kind": _("Type"), "category": _("Categories"), "area": _("Area"),
            "since": _("Observed from"), "until": _("Observed until"), "q": _("Words in the title"),
            "bbox": _("Map extent"), "limit": _("Number of reports"), "status": _("State")}


def page_filters(args: MultiDict) -> tuple[ReportFilters, list[str]]:
    """The report filters of the map page's query string, and the parameters that were dropped.

    A shared link with one bad value should still open the map: each parameter that
    :func:`webapp.store.filters.parse_each` refuses is dropped and named (never echoed: it may be
    anything), and the rest still apply; an end date before the start date drops ``until``.
    """
    # The form without JavaScript sends its empty fields too (kind=&area=): they mean "any".
    args = MultiDict([(k, v) for k, v in args.items(multi=True) if v.strip()])
    filters, dropped = parse_each(args, get_taxonomy(), place_slugs())
    if filters.since and filters.until and filters.since > filters.until:
        filters, dropped = dataclasses.replace(filters, until=None), [*dropped, "until"]
    return filters, dropped


def category_options(lang: str) -> list[dict]:
    """One checkbox per category id (education, health, other exist for both kinds)."""
    taxonomy = get_taxonomy()
    options: dict[str, dict] = {}
    for kind in KINDS:
        for cat in taxonomy.categories(kind):
            entry = options.setdefault(cat.id, {"id": cat.id, "label": cat.label(lang),
                                                "colour": cat.colour, "kinds": []})
            entry["kinds"].append(kind)
    return list(options.values())


def area_options(lang: str) -> list[tuple[str, str]]:
    """(slug, name) of every gazetteer place, sorted by the name in ``lang``."""
    places = get_layers().places
    field = f"name_{lang}" if f"name_{lang}" in places.columns else "name_en"
    pairs = [(slug, name or slug) for slug, name in zip(places["slug"], places[field], strict=True)]
    return sorted(pairs, key=lambda p: p[1].casefold())


def filters_context(args: MultiDict) -> dict:
    """What the filter panel and ``filters.js`` need: current values, options and strings."""
    lang = current_language()
    filters, dropped = page_filters(args)
    labels = filter_labels()
    initial = {"kind": filters.kind or "", "category": list(filters.categories),
               "area": filters.area or "", "q": filters.q or "",
               "since": filters.since.isoformat() if filters.since else "",
               "until": filters.until.isoformat() if filters.until else "",
               "bbox": list(filters.bbox) if filters.bbox else None,
               "status": filters.status_arg or ""}
    names = [labels.get(p, p) for p in dict.fromkeys(dropped)]
    config = {
        "initial": initial, "dropped": list(dict.fromkeys(dropped)),
        "params": [*FILTER_PARAMS, *VIEW_PARAMS],
        "areasApi": url_for("api.areas"), "areaUrl": request.script_root + "/areas/",
        "lang": lang, "dir": "rtl" if lang == "ar" else "ltr",
        "strings": {
            "shown": _("Reports shown: {count}"), "none": _("No published report matches these filters."),
            "choropleth": _("Reports per area"), "heat": _("Heatmap of challenges"),
            "count": _("Count"), "category": _("Category"), "allCategories": _("All categories"),
            "profile": _("Area profile"), "areasError": _("The area counts could not be loaded."),
            "challenges": _("Challenges"), "initiatives": _("Initiatives"),
            "dates": _("The end date must not be before the start date."),
        },
    }
    active = sum(bool(initial[k]) for k in ("kind", "area", "since", "until", "q", "status")) \
        + len(filters.categories)
    return {"filters": initial, "filter_labels": labels, "filter_config": config, "filter_active": active,
            "filter_message": (_("Some filters in this link were not understood and were ignored: "
                                 "%(names)s.", names=_(", ").join(names)) if names else ""),
            "filter_categories": category_options(lang), "filter_areas": area_options(lang),
            "filter_statuses": [(value, lifecycle.label(value)) for value in lifecycle.STATUS_VALUES],
            "filter_years": report_years()}


#: The time control's first year. Fixed, not the oldest report's: the map page must not grow with
#: the data (tests/browser/test_reports_layer.py); older dates can still be typed in the two dates.
FIRST_YEAR = 2000


def report_years() -> list[int]:
    """The years of the time control, newest first: this year back to ``FIRST_YEAR``."""
    return list(range(dt.date.today().year, FIRST_YEAR - 1, -1))
