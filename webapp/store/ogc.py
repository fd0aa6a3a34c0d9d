"""The collections of the OGC API – Features (``/ogc/``) and the queries behind their items.

Collections: ``reports`` (published reports at their public point), ``areas`` (the
neighbourhood and village polygons), ``places`` (the gazetteer points), ``organizations``
(published organizations, outlined by the areas they serve) and one ``overlay-<name>`` per
imported overlay. Every feature comes from a public serializer (``reporting.public_dict``,
``organizations.public_dict``) or from public reference data, so no private field or exact
point can reach a GIS client.

Reports are selected with numpy over the in-memory public points of
:mod:`webapp.store.pointcache` (the map's data, at the committed data version): the matching
ids, their number and the page cost milliseconds at a million reports, and only the page's rows
are read from the database. Pages are cut by id (keyset): ``cursor`` is the last id of the
previous page, so following ``next`` links reaches every feature exactly once whatever the
filters. The other collections are small and held as feature lists, rebuilt when their data
changes (the data version for organizations, the stored files' signature for overlays).
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from dataclasses import dataclass, field

import numpy as np
import shapely
from werkzeug.datastructures import MultiDict

from geo.reference.overlays import valid_name

from ..extensions import db
from ..state import app_state
from . import overlays as overlay_store
from . import pointcache, queries
from .filters import ParameterError, parse_area, parse_categories, parse_kind
from .layers import get_display_layers, get_layers, place_slugs
from .models import Report
from .ogc_params import ItemsQuery, OgcError
from .organizations import MAX_ID, published_dicts
from .reporting import get_taxonomy, locate, public_dict
from .versioning import current_data_version

OVERLAY_PREFIX = "overlay-"
#: Properties of a report feature (``public_dict`` fields; the point is the geometry).
REPORT_PROPERTIES = ("kind", "category", "title", "description", "area", "precision", "observed_on",
                     "published_at", "status", "organization", "organization_id", "link", "photo",
                     "is_demo")
PLACE_PROPERTIES = ("slug", "name_ar", "name_en", "name_he", "kind", "sector")
ORGANIZATION_PROPERTIES = ("name_ar", "name_en", "kind", "description", "website", "public_phone",
                           "public_email", "areas", "categories", "is_demo", "published_at")
#: Days since 1970-01-01 of ``pointcache``'s ``day`` array.
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Collection:
    """One collection's description: what ``/ogc/collections`` lists.

    ``filters`` are the property filters its items take; ``id_type`` is the JSON type of its
    feature ids (``integer`` or ``string``); ``bbox`` its extent, ``interval`` its dates (or None).
    """

    id: str
    title: str
    description: str
    filters: tuple[str, ...] = ()
    temporal: bool = False
    id_type: str = "string"
    geometry: str = "Geometry"
    bbox: tuple[float, float, float, float] | None = None
    interval: tuple[str | None, str | None] | None = None


@dataclass
class Page:
    """One page of items: the features, how many match in all, the cursor of the next page."""

    features: list[dict]
    matched: int
    next_cursor: str | None = None


@dataclass
class FeatureList:
    """A small collection held in memory: features sorted by id, their bounds and filter values."""

    ids: list
    features: list[dict]
    bounds: np.ndarray  # (n, 4) minx, miny, maxx, maxy; NaN for a feature without geometry
    values: list[dict[str, frozenset]] = field(default_factory=list)

    @classmethod
    def build(cls, features: list[dict], filters=()) -> FeatureList:
        features = sorted(features, key=lambda f: f["id"])
        geoms = [shapely.from_geojson(json.dumps(f["geometry"])) if f["geometry"] else None for f in features]
        bounds = shapely.bounds(np.array(geoms, dtype=object)) if geoms else np.zeros((0, 4))
        values = [{name: _as_set(f["properties"].get(name)) for name in filters} for f in features]
        return cls([f["id"] for f in features], features, bounds.reshape(-1, 4), values)


def _as_set(value) -> frozenset:
    if value is None:
        return frozenset()
    if isinstance(value, str) and ";" in value:
        return frozenset(value.split(";"))
    return frozenset([str(value)])


# --- the collections -----------------------------------------------------------------------------

def collections() -> list[Collection]:
    """Every collection, reports first, then the reference layers, organizations and overlays."""
    out = [reports_collection(), _static("areas"), _static("places"), organizations_collection()]
    for name, meta in _overlay_metas():
        listing = _overlay_features(name)
        out.append(Collection(
            id=OVERLAY_PREFIX + name, title=meta.get("title") or name,
            description=f"Imported map layer '{meta.get('title') or name}' ({len(listing.ids)} features).",
            id_type="integer", bbox=_extent(listing.bounds)))
    return out


def get_collection(collection_id: str, *, extent: bool = True) -> Collection:
    """The collection ``collection_id``, or an :class:`OgcError` 404.

    ``extent=False`` leaves the reports' extent out (min/max over every point: ~10 ms at a million,
    which an items request does not need).
    """
    if collection_id == "reports":
        return reports_collection(extent=extent)
    if collection_id in ("areas", "places"):
        return _static(collection_id)
    if collection_id == "organizations":
        return organizations_collection()
    name = collection_id.removeprefix(OVERLAY_PREFIX)
    if collection_id.startswith(OVERLAY_PREFIX) and valid_name(name):
        for found, meta in _overlay_metas():
            if found == name:
                listing = _overlay_features(name)
                return Collection(id=collection_id, title=meta.get("title") or name,
                                  description=f"Imported map layer '{meta.get('title') or name}'.",
                                  id_type="integer", bbox=_extent(listing.bounds))
    raise OgcError("no such collection", code="NotFound", status=404)


def _extent(bounds: np.ndarray) -> tuple[float, float, float, float] | None:
    if not len(bounds) or np.isnan(bounds).all():
        return None
    return (float(np.nanmin(bounds[:, 0])), float(np.nanmin(bounds[:, 1])),
            float(np.nanmax(bounds[:, 2])), float(np.nanmax(bounds[:, 3])))


def reports_collection(*, extent: bool = True) -> Collection:
    """Published reports; the extent is that of their public points and observation dates."""
    points = pointcache.get_points() if extent else ()
    bbox = interval = None
    if len(points):
        bbox = (float(points.lon.min()), float(points.lat.min()), float(points.lon.max()),
                float(points.lat.max()))
        days = points.day[points.day != pointcache.NO_DAY]
        if len(days):
            interval = ((_EPOCH + dt.timedelta(days=int(days.min()))).isoformat() + "T00:00:00Z",
                        (_EPOCH + dt.timedelta(days=int(days.max()))).isoformat() + "T23:59:59Z")
    return Collection(
        id="reports", title="Reports: challenges and initiatives",
        description="Published reports at their public point (moved 150-300 m, or to the area's "
                    "centre, as the reporter chose). The datetime filter applies to the day observed.",
        filters=("kind", "category", "area"), temporal=True, id_type="integer", geometry="Point",
        bbox=bbox, interval=interval)


def organizations_collection() -> Collection:
    listing = _organization_features()
    return Collection(
        id="organizations", title="Organizations",
        description="Published organizations; the geometry is the outline of the areas each serves "
                    "(none when it names no area).",
        filters=("kind", "category", "area"), id_type="integer", geometry="MultiPolygon",
        bbox=_extent(listing.bounds))


_STATIC = {
    "areas": ("Neighbourhoods and villages", "The areas reports are counted in (outlines simplified "
              "to about 5 m).", ("kind", "sector"), "MultiPolygon"),
    "places": ("Places", "The gazetteer: every named place, areas included, as a point.",
               ("kind", "sector"), "Point"),
}


def _static(name: str) -> Collection:
    title, description, filters, geometry = _STATIC[name]
    return Collection(id=name, title=title, description=description, filters=filters,
                      geometry=geometry, bbox=_extent(_reference_features(name).bounds))


# --- items ---------------------------------------------------------------------------------------

def items(collection: Collection, query: ItemsQuery) -> Page:
    """One page of ``collection``'s items under ``query`` (an :class:`OgcError` for a bad filter)."""
    if collection.id == "reports":
        return _report_items(query)
    return _list_items(_feature_list(collection.id), query, integer_ids=collection.id_type == "integer")


def item(collection: Collection, feature_id: str) -> dict:
    """One feature by id, or an :class:`OgcError` 404."""
    if collection.id == "reports":
        if feature_id.isascii() and feature_id.isdigit() and len(feature_id) <= 10 \
                and 1 <= int(feature_id) <= MAX_ID:
            row = db.session.scalars(queries.published_report(int(feature_id))).first()
            if row is not None:
                return report_feature(row)
        raise OgcError("no such feature", code="NotFound", status=404)
    listing = _feature_list(collection.id)
    key: int | str = feature_id
    if collection.id_type == "integer":
        if not (feature_id.isascii() and feature_id.isdigit() and len(feature_id) <= 10):
            raise OgcError("no such feature", code="NotFound", status=404)
        key = int(feature_id)
    i = bisect.bisect_left(listing.ids, key)
    if i < len(listing.ids) and listing.ids[i] == key:
        return listing.features[i]
    raise OgcError("no such feature", code="NotFound", status=404)


def report_feature(report: Report) -> dict:
    """A published report as a GeoJSON feature: ``public_dict``'s fields at the public point."""
    public = public_dict(report)
    props = {name: public.get(name) for name in REPORT_PROPERTIES}
    if props["published_at"]:  # stored as naive UTC: said so, to the second
        props["published_at"] = props["published_at"][:19] + "Z"
    return {"type": "Feature", "id": public["id"],
            "geometry": {"type": "Point", "coordinates": [public["lon"], public["lat"]]},
            "properties": props}


def report_filters(query: ItemsQuery) -> queries.ReportFilters:
    """The report filters of ``query`` (kind, category, area checked against the taxonomy and
    gazetteer; bbox; the datetime interval as observed-on days)."""
    try:
        given = MultiDict(query.properties)
        kind = parse_kind(given)
        categories = parse_categories(given, get_taxonomy(), kind)
        area = parse_area(given, place_slugs())
    except ParameterError as exc:
        raise OgcError(exc.message) from None
    return queries.ReportFilters(kind=kind, categories=categories, area=area, bbox=query.bbox,
                                 since=query.since, until=query.until)


def _report_items(query: ItemsQuery) -> Page:
    ids = pointcache.matching_ids(report_filters(query), dated=query.has_datetime)
    start = 0
    if query.cursor is not None:
        start = int(np.searchsorted(ids, _integer_cursor(query.cursor), side="right"))
    page_ids = ids[start:start + query.limit]
    rows = queries.published_rows(page_ids)
    more = start + query.limit < len(ids)
    return Page([report_feature(r) for r in rows], int(len(ids)),
                str(int(page_ids[-1])) if more and len(page_ids) else None)


def _integer_cursor(cursor: str) -> int:
    """The id in a cursor of a collection with integer ids (up to 10 digits, as the definition
    says; one above every id simply starts after the last feature)."""
    if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 10 and int(cursor) >= 1):
        raise OgcError("'cursor' is not valid: use the 'next' link of a previous page")
    return int(cursor)


def _list_items(listing: FeatureList, query: ItemsQuery, *, integer_ids: bool) -> Page:
    n = len(listing.ids)
    mask = np.ones(n, dtype=bool)
    if query.bbox and n:
        min_lon, min_lat, max_lon, max_lat = query.bbox
        b = listing.bounds
        with np.errstate(invalid="ignore"):  # NaN bounds (no geometry) compare False: left out
            mask &= (b[:, 0] <= max_lon) & (b[:, 2] >= min_lon) & (b[:, 1] <= max_lat) & (b[:, 3] >= min_lat)
    for name, value in query.properties.items():
        mask &= np.fromiter((value in v[name] for v in listing.values), dtype=bool, count=n)
    start = 0
    if query.cursor is not None:
        key = _integer_cursor(query.cursor) if integer_ids else query.cursor
        start = bisect.bisect_right(listing.ids, key)
    selected = np.flatnonzero(mask)
    after = selected[selected >= start]
    page = after[:query.limit]
    more = len(after) > query.limit
    return Page([listing.features[i] for i in page], int(len(selected)),
                str(listing.ids[page[-1]]) if more else None)


# --- the in-memory collections -------------------------------------------------------------------

def _feature_list(collection_id: str) -> FeatureList:
    if collection_id in ("areas", "places"):
        return _reference_features(collection_id)
    if collection_id == "organizations":
        return _organization_features()
    return _overlay_features(collection_id.removeprefix(OVERLAY_PREFIX))


def _cache() -> dict:
    state = app_state()
    if state.ogc is None:
        state.ogc = {}
    return state.ogc


def _frame_features(frame, columns, id_column: str | None = None) -> list[dict]:
    rows = frame.drop(columns=frame.geometry.name).to_dict("records")
    geoms = shapely.to_geojson(frame.geometry.values)
    out = []
    for i, (row, geom) in enumerate(zip(rows, geoms, strict=True)):
        props = {c: _plain(row.get(c)) for c in columns}
        out.append({"type": "Feature", "id": row[id_column] if id_column else i + 1,
                    "geometry": json.loads(geom) if geom else None, "properties": props})
    return out


def _plain(value):
    """A JSON value for a table cell (numpy scalars and NaN as JSON numbers and null)."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _reference_features(name: str) -> FeatureList:
    cache = _cache()
    if name not in cache:
        frame = get_display_layers().areas if name == "areas" else get_layers().places
        features = _frame_features(frame, PLACE_PROPERTIES, "slug")
        for f in features:  # one geometry type per layer: a GIS guesses it from the first page
            if f["geometry"] and f["geometry"]["type"] == "Polygon":
                f["geometry"] = {"type": "MultiPolygon", "coordinates": [f["geometry"]["coordinates"]]}
        cache[name] = FeatureList.build(features, _STATIC[name][2])
    return cache[name]


def _organization_features() -> FeatureList:
    cache = _cache()
    version = current_data_version()
    found = cache.get("organizations")
    if found is not None and found[0] == version:
        return found[1]
    features = []
    for org in published_dicts():
        props = {name: org[name] for name in ORGANIZATION_PROPERTIES}
        # Lists as "a;b" text, as the exports write them: every GIS reads a string field.
        props["areas"], props["categories"] = ";".join(org["areas"]), ";".join(org["categories"])
        geom = served_outline(org["areas"])
        features.append({"type": "Feature", "id": org["id"],
                         "geometry": json.loads(shapely.to_geojson(geom)) if geom is not None else None,
                         "properties": props})
    listing = FeatureList.build(features, ("kind", "categories", "areas"))
    # The filters are named as elsewhere (category, area); the values sit in the list fields.
    listing.values = [{"kind": v["kind"], "category": v["categories"], "area": v["areas"]}
                      for v in listing.values]
    cache["organizations"] = (version, listing)
    return listing


def served_outline(slugs) -> shapely.MultiPolygon | None:
    """The union of the outlines of the areas ``slugs`` (a place without an outline counts with
    the area that holds it), as a MultiPolygon; None when no slug has one."""
    areas = get_display_layers().areas
    outline = dict(zip(areas["slug"], areas.geometry.values, strict=True))
    places = get_layers().places
    points = dict(zip(places["slug"], places.geometry.values, strict=True))
    shapes = []
    for slug in slugs:
        host = slug
        if slug not in outline and slug in points:
            host = locate(points[slug].x, points[slug].y)
        if host in outline:
            shapes.append(outline[host])
    if not shapes:
        return None
    geom = shapely.union_all(shapes)
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"]
    return shapely.MultiPolygon(parts) if parts else None


def _overlay_metas() -> list[tuple[str, dict]]:
    return [(m["name"], m) for m in overlay_store.listing()]


def _overlay_features(name: str) -> FeatureList:
    """The features of overlay ``name`` numbered from 1 in file order, every attribute kept."""
    cache = _cache()
    signature = overlay_store.signature()
    key = f"overlay:{name}"
    found = cache.get(key)
    if found is not None and found[0] == signature:
        return found[1]
    raw = overlay_store.geojson(name)
    data = json.loads(raw) if raw else {"features": []}
    features = [{"type": "Feature", "id": i + 1, "geometry": f.get("geometry"),
                 "properties": f.get("properties") or {}}
                for i, f in enumerate(data.get("features") or [])]
    listing = FeatureList.build(features)
    cache[key] = (signature, listing)
    return listing
