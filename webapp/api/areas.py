"""Areas joined with their published reports: /api/v1/areas and /api/v1/areas/<slug>.

Counts come from ``stats.grouped_counts`` (numpy over the in-memory points of
:mod:`webapp.store.pointcache`) under the same filters as /api/v1/reports, and every published count
goes through ``stats.public_count`` so the small-count suppression setting applies. Choropleth
classes are :func:`geo.spatial.aggregate.choropleth_classes`, computed on the server, so every client
(the map, a script) draws the classes the posters print.
"""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import shapely
from flask import Response, request, url_for
from werkzeug.datastructures import MultiDict

from geo.reference.taxonomy import KINDS
from geo.spatial.aggregate import choropleth_classes

from ..state import app_state
from ..store.filters import ParameterError, filters_from_args
from ..store.layers import get_display_layers, get_layers, place_slugs
from ..store.reporting import get_taxonomy
from ..store.stats import area_totals, grouped_counts, min_public_count, public_count
from .cache import cached_json
from .geojson import dumps, feature_collection
from .params import args_dict
from .views import bp

#: Properties copied from the gazetteer layers into every area feature.
FIELDS = ("slug", "name_ar", "name_en", "name_he", "kind", "sector")
CLASSES = 5
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


def _json(data, status: int = 200, mimetype: str = "application/json") -> Response:
    # Same headers as api/views.py's responses (their helper is private and being reworked).
    resp = Response(dumps(data), status=status, mimetype=mimetype)
    resp.headers["Cache-Control"] = "no-cache"  # counts change as soon as a report is published
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def _profile_url(slug: str) -> str:
    return url_for("public.area_profile", slug=slug)


def _area_features() -> list[dict]:
    """Display geometries and names of the areas as plain dicts (built once per app).

    Plain dicts dumped with ``json`` are several times faster than ``GeoDataFrame.to_json``.
    """
    state = app_state()
    if state.api_area_features is None:
        areas = get_display_layers().areas
        rows = areas.drop(columns=areas.geometry.name).to_dict("records")
        geoms = shapely.to_geojson(areas.geometry.values)
        state.api_area_features = [
            {"props": {f: row.get(f) for f in FIELDS}, "geometry": json.loads(g)}
            for row, g in zip(rows, geoms, strict=True)
        ]
    return state.api_area_features


def parse_measure(args: MultiDict) -> tuple[str, str | None]:
    """What the choropleth classes count: ``measure`` (a kind) and optional ``measure_category``."""
    measure = args.get("measure", "challenge").strip()  # absent: challenge; empty: an error
    if len(args.getlist("measure")) > 1 or measure not in KINDS:
        raise ParameterError("measure", f"'measure' must be one of {', '.join(KINDS)}")
    category = args.get("measure_category")
    category = None if category is None else category.strip()
    # Any category of the taxonomy (the document's enum); one of the other kind counts nothing.
    taxonomy = get_taxonomy()
    if len(args.getlist("measure_category")) > 1 or (
            category is not None and not any(taxonomy.is_valid(k, category) for k in KINDS)):
        raise ParameterError("measure_category", "'measure_category' must be a category id")
    return measure, category


def parse_geometry(args: MultiDict) -> bool:
    """``geometry=none`` leaves polygons out: the map page already has them, only counts change."""
    value = args.get("geometry", "full").strip()
    if value not in ("full", "none") or len(args.getlist("geometry")) > 1:
        raise ParameterError("geometry", "'geometry' must be 'full' or 'none'")
    return value == "full"


def _counts(entry: dict | None, all_categories: bool = False) -> dict:
    """Public (suppressed) counts of one area from an ``area_totals`` entry."""
    entry = entry or {"challenge": 0, "initiative": 0, "by_category": {k: {} for k in KINDS}}
    taxonomy = get_taxonomy()
    by_category = {}
    for kind in KINDS:
        found = entry["by_category"].get(kind, {})
        ids = [c.id for c in taxonomy.categories(kind)] if all_categories else sorted(found)
        by_category[kind] = {cat: public_count(found.get(cat, 0)) for cat in ids}
    return {"challenges": public_count(entry["challenge"]),
            "initiatives": public_count(entry["initiative"]), "by_category": by_category}


def _raw_measure(entry: dict | None, measure: str, category: str | None) -> int:
    if not entry:
        return 0
    return entry["by_category"][measure].get(category, 0) if category else entry[measure]


@bp.get("/v1/areas")
@cached_json
def areas():
    """Every area polygon with its report counts under the request's filters, and choropleth classes.

    Filters as /api/v1/reports (kind, category, area, since, until, q, bbox; ``limit`` is checked
    and has no effect). ``measure``/``measure_category`` choose what the classes count (each
    feature's ``value`` and ``class``); ``geometry=none`` leaves the polygons out.
    """
    try:
        filters = filters_from_args(request.args)
        measure, measure_category = parse_measure(request.args)
        with_geometry = parse_geometry(request.args)
    except ParameterError as exc:
        return _json(exc.as_json(), status=400)
    totals = area_totals(grouped_counts(filters))
    base = _area_features()
    raw = np.array([_raw_measure(totals.get(f["props"]["slug"]), measure, measure_category)
                    for f in base], dtype=int)
    # The posters' classes too: counts 1..k-1 share one "<k" class (MIN_PUBLIC_COUNT=k).
    classes = choropleth_classes(raw, k=CLASSES, min_count=min_public_count())
    features = []
    for f, cls, value in zip(base, classes.classes, raw, strict=True):
        slug = f["props"]["slug"]
        props = {**f["props"], **_counts(totals.get(slug)), "value": public_count(value),
                 "class": int(cls), "url": _profile_url(slug)}
        features.append({"type": "Feature", "id": slug,
                         "geometry": f["geometry"] if with_geometry else None, "properties": props})
    body = feature_collection(
        features, count=len(features), filters=args_dict(filters.to_args()),
        classes={"scheme": "quantiles", "measure": measure, "category": measure_category,
                 "breaks": classes.breaks, "ranges": classes.ranges, "labels": classes.labels,
                 "zero_class": -1})
    return _json(body, mimetype="application/geo+json")


@bp.get("/v1/areas/<slug>")
@cached_json
def area(slug: str):
    """One gazetteer place: its polygon (or its point when it has none) and counts by category."""
    layers = get_layers()
    places = layers.places
    if slug not in place_slugs():
        shown = f" '{slug}'" if _SLUG.fullmatch(slug) else ""
        return _json({"error": f"unknown area{shown}", "status": 404}, status=404)
    try:
        filters = filters_from_args(request.args)
    except ParameterError as exc:
        return _json(exc.as_json(), status=400)
    polygon = next((f for f in _area_features() if f["props"]["slug"] == slug), None)
    if polygon:
        props, geometry = dict(polygon["props"]), polygon["geometry"]
    else:
        row = places[places["slug"] == slug].iloc[0]
        props = {f: row.get(f) for f in FIELDS}
        point = row.geometry
        geometry = {"type": "Point", "coordinates": [round(point.x, 5), round(point.y, 5)]}
    # Counted for this place only, whatever ``area=`` the query string carried.
    totals = area_totals(grouped_counts(dataclasses.replace(filters, area=slug))).get(slug)
    props.update(_counts(totals, all_categories=True), has_polygon=polygon is not None,
                 url=_profile_url(slug))
    return _json({"type": "Feature", "id": slug, "geometry": geometry, "properties": props},
                 mimetype="application/geo+json")
