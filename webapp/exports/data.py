"""The rows behind every export: published reports through ``public_dict``, areas with counts.

Nothing here reads a private field: reports leave the database only as
``reporting.public_dict`` results (public point, public fields), then gain a few labels
derived from public data (category label, area name, permalink). Areas carry counts from
``stats.grouped_counts`` (numpy over the in-memory points of ``webapp.store.pointcache``, the map's
counts), after the ``MIN_PUBLIC_COUNT`` suppression.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
from flask import current_app, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from shapely.geometry import Point
from sqlalchemy import func, select

from geo.formats.export import to_frame

from ..extensions import db
from ..store import lifecycle, queries
from ..store.layers import get_display_layers, get_layers, place_names
from ..store.models import Report
from ..store.public_fields import GIS_TYPES, export_column, export_value, public_field_defs
from ..store.reporting import get_taxonomy, locate, public_dict
from ..store.stats import area_totals, grouped_counts, min_public_count, public_count
from ..web.labels import ORG_KIND_LABELS

#: Column order of report exports (first the public fields, then labels derived from them).
REPORT_COLUMNS = ("id", "kind", "category", "category_label", "title", "description", "area", "area_name",
                  "precision", "observed_on", "organization", "link", "demo", "published_at", "photo",
                  "addresses", "addressed_categories", "url", "status", "status_label")
#: Column order of the updates table (each at its report's public point).
UPDATE_COLUMNS = ("id", "report_id", "title", "kind", "category", "source", "state", "state_label",
                  "previous_state", "text", "happened_on", "published_at", "photo", "url")
AREA_COLUMNS = ("slug", "name_ar", "name_en", "name_he", "kind", "sector")
#: GIS types of the columns that are not text (``geo.formats.export.column_types``): GeoPackage
#: and Shapefile write them as integer/date/datetime fields, the CSV's ``.csvt`` declares them.
#: Declared, not inferred, so an empty export has the same types as a full one.
REPORT_TYPES = {"id": "integer", "demo": "boolean", "observed_on": "date", "published_at": "datetime"}
UPDATE_TYPES = {"id": "integer", "report_id": "integer", "happened_on": "date", "published_at": "datetime"}
ORGANIZATION_TYPES = {"id": "integer", "demo": "boolean", "published_at": "datetime"}
DEFAULT_COLOUR = "#4a4e69"


class TooManyRows(Exception):
    """More reports match than an export may hold."""

    def __init__(self, count: int, cap: int):
        super().__init__(f"{count} reports match; at most {cap} can be exported")
        self.count, self.cap = count, cap


def cap(kind: str = "file") -> int:
    """Row cap of an export (``EXPORT_MAX_ROWS``) or a standalone map (``EXPORT_MAP_MAX_ROWS``).

    The defaults keep a file export under ~100 MB and a standalone map openable on a phone.
    """
    return current_app.config["EXPORT_MAP_MAX_ROWS" if kind == "map" else "EXPORT_MAX_ROWS"]


def matching_count(filters: queries.ReportFilters) -> int:
    """Number of published reports matching ``filters`` (one COUNT query, no rows loaded)."""
    stmt = queries.apply_filters(select(func.count(Report.id)).where(
        Report.status == queries.PUBLIC_STATUS), filters)
    return int(db.session.scalar(stmt) or 0)


def has_demo(filters: queries.ReportFilters) -> bool:
    """Whether demonstration reports are among the matches (a poster must then say so)."""
    stmt = queries.apply_filters(select(func.count(Report.id)).where(
        Report.status == queries.PUBLIC_STATUS, Report.is_demo.is_(True)), filters)
    return bool(db.session.scalar(stmt))


def public_rows(filters: queries.ReportFilters, limit: int) -> list[dict]:
    """``public_dict`` of every matching published report, oldest id first.

    Raises :class:`TooManyRows` before loading anything when more than ``limit`` match.
    """
    count = matching_count(filters)
    if count > limit:
        raise TooManyRows(count, limit)
    stmt = queries.with_public_relations(
        queries.apply_filters(queries.published(), filters).order_by(Report.id))
    return [public_dict(report) for report in db.session.scalars(stmt)]


def labelled(rows: list[dict], lang: str) -> list[dict]:
    """Public rows plus labels a reader needs: category label and colour, area name, permalink."""
    taxonomy, names = get_taxonomy(), place_names()
    # url_for once, not per row (100,000 rows): the id / file name is the last path segment.
    permalink = url_for("public.report_detail", id=0, _external=True).rsplit("/", 1)[0] + "/"
    photo_base = url_for("public.photo", filename="x.jpg", _external=True).rsplit("/", 1)[0] + "/"
    out = []
    for row in rows:
        cat = taxonomy.get(row["kind"], row["category"])
        place = names.get(row.get("area") or "", {})
        extra = {"category_label": cat.label(lang) if cat else row["category"],
                 "colour": cat.colour if cat else DEFAULT_COLOUR,
                 "area_name": place.get(lang) or place.get("en") or "",
                 "status_label": lifecycle.label(row.get("status")),
                 "url": f"{permalink}{row['id']}"}
        if row.get("photo"):
            extra["photo"] = photo_base + row["photo"]
        out.append({**row, **extra})
    return out


def reports_frame(rows: list[dict], *, keep_colour: bool = False) -> gpd.GeoDataFrame:
    """A GeoDataFrame (public points) of :func:`labelled` rows in :data:`REPORT_COLUMNS` order.

    The columns are fixed, so an empty or challenge-only export has the same schema as any other.
    """
    frame = to_frame([{k: v for k, v in row.items() if k != "fields"} for row in rows])
    columns = [*REPORT_COLUMNS, *(("colour",) if keep_colour else ())]
    table = pd.DataFrame({c: frame[c] if c in frame.columns else pd.Series([None] * len(frame), dtype=object)
                          for c in columns})
    # One column per public structured field (every category's, so every file has the same
    # columns), typed for GIS: integer, real, date, boolean or text (issue 20).
    types = dict(REPORT_TYPES)
    for fid, field in public_field_defs().items():
        name = export_column(fid, REPORT_COLUMNS)
        table[name] = pd.Series([export_value(field, (row.get("fields") or {}).get(fid)) for row in rows],
                                dtype=object, index=table.index)
        types[name] = GIS_TYPES[field.type]
    for col in table.columns:
        if table[col].isna().all():
            table[col] = table[col].astype(object)  # an all-empty column is text, not float NaN
    if len(frame):
        table["id"] = table["id"].astype("int64")
        table["demo"] = table["demo"].astype(bool)
    out = gpd.GeoDataFrame(table, geometry=frame.geometry.values, crs=4326)
    out.attrs["column_types"] = types
    return out


def area_counts(filters: queries.ReportFilters) -> dict[str, dict[str, int]]:
    """Per area slug: challenges, initiatives and reports (raw counts, not yet suppressed)."""
    totals = area_totals(grouped_counts(filters))
    return {slug: {"challenges": t["challenge"], "initiatives": t["initiative"],
                   "reports": t["challenge"] + t["initiative"]} for slug, t in totals.items()}


def areas_frame(filters: queries.ReportFilters) -> gpd.GeoDataFrame:
    """The areas with their names and the filtered counts, suppressed for publication.

    The geometry is the map's (simplified by 5 m, rounded to ~1 m): the 2008 census outlines
    are approximate anyway, the files get 8 times smaller, and a download shows exactly the
    shapes the public map shows. With ``MIN_PUBLIC_COUNT`` above 1 a count may be ``"<k"``;
    the count columns are then text in every row, so each format keeps one type per column.
    """
    areas = get_display_layers().areas
    counts = area_counts(filters)
    frame = areas[[*AREA_COLUMNS, areas.geometry.name]].copy()
    suppressing = min_public_count() > 1
    for col in ("challenges", "initiatives", "reports"):
        values = [public_count(counts.get(slug, {}).get(col, 0)) for slug in frame["slug"]]
        frame[col] = [str(v) for v in values] if suppressing else pd.array(values, dtype="int64")
    # "<3" is text: the counts are integers only when nothing is suppressed.
    frame.attrs["column_types"] = dict.fromkeys(("challenges", "initiatives", "reports"),
                                                "string" if suppressing else "integer")
    return frame


def poster_points(rows: list[dict]) -> gpd.GeoDataFrame:
    """Points for the poster: public point, category colour, category label (legend)."""
    points = gpd.points_from_xy([r["lon"] for r in rows], [r["lat"] for r in rows])
    table = {"colour": [r["colour"] for r in rows], "label": [r["category_label"] for r in rows]}
    return gpd.GeoDataFrame(table, geometry=points, crs=4326)


def filter_summary(filters: queries.ReportFilters, lang: str) -> str:
    """The filters in words ("Challenges · Housing and demolitions · Silwan · from 1 May 2026")."""
    taxonomy, parts = get_taxonomy(), []
    if filters.kind:
        parts.append(_("Challenges") if filters.kind == "challenge" else _("Initiatives"))
    labels = []
    for cat_id in filters.categories:
        cat = next((c for k in ("challenge", "initiative") if (c := taxonomy.get(k, cat_id))), None)
        labels.append(cat.label(lang) if cat else cat_id)
    if labels:
        parts.append("، ".join(labels) if lang == "ar" else ", ".join(labels))
    if filters.area:
        place = get_layers().places.set_index("slug")
        if filters.area in place.index:
            parts.append(str(place.at[filters.area, f"name_{lang}"] or filters.area))
    if filters.status_arg:  # posters and the export page say which states they show
        parts.append(lifecycle.label(filters.status_arg))
    if filters.since:
        parts.append(_("from %(date)s", date=format_date(filters.since, "long")))
    if filters.until:
        parts.append(_("until %(date)s", date=format_date(filters.until, "long")))
    if filters.q:
        parts.append(_("title contains “%(words)s”", words=filters.q))
    if filters.bbox:
        parts.append(_("within the chosen map area"))
    return " · ".join(parts)


def sources_lines() -> list[str]:
    """Where the data comes from, for posters and standalone maps (the map page's credit line)."""
    return [_("Boundaries: Israel CBS 2008 statistical areas (geostatil, MIT), grouped by place. "
              "Names: OCHA/PCBS (CC BY), Jerusalem municipality, Palestine Open Maps."),
            _("Reports: published on Ahya by community organizers; points are moved 150–300 m "
              "for privacy unless marked exact.")]


def date_text() -> str:
    return _("Data as of %(date)s", date=format_date(today(), "long"))


def today() -> dt.date:
    # UTC, like every stored timestamp: the file name's date does not depend on the server's zone.
    return dt.datetime.now(dt.UTC).date()


#: Column order of the organizations export (public fields only, then labels and links).
ORGANIZATION_COLUMNS = ("id", "name_ar", "name_en", "kind", "kind_label", "description", "website",
                        "public_phone", "public_email", "areas", "categories", "demo", "published_at",
                        "logo", "initiatives", "url")


def organizations_frame(orgs: list[dict], lang: str) -> gpd.GeoDataFrame:
    """Published organizations (``store.organizations.public_dict`` results) with their areas.

    The geometry is the union of the outlines of the areas served (a served place without an
    outline counts with the area that holds it), always a MultiPolygon so every format keeps one
    geometry type; None for an organization that names no area.
    """
    import shapely
    from shapely.geometry import MultiPolygon

    areas = get_display_layers().areas
    outline = dict(zip(areas["slug"], areas.geometry.values, strict=True))
    places = get_layers().places
    points = dict(zip(places["slug"], places.geometry.values, strict=True))
    initiatives: dict[int, list[int]] = {}
    for org_id, report_id in db.session.execute(select(Report.organization_id, Report.id).where(
            Report.organization_id.is_not(None), Report.status == queries.PUBLIC_STATUS,
            Report.kind == "initiative").order_by(Report.id)):
        initiatives.setdefault(org_id, []).append(report_id)
    page = url_for("organizations.organization_page", org_id=0, _external=True).rsplit("/", 1)[0] + "/"
    rows, geoms = [], []
    for org in orgs:
        shapes = []
        for slug in org["areas"]:
            host = slug
            if slug not in outline and slug in points:  # a place without an outline: the area holding it
                host = locate(points[slug].x, points[slug].y)
            if host in outline:
                shapes.append(outline[host])
        geom = shapely.union_all(shapes) if shapes else None
        if geom is not None and geom.geom_type == "Polygon":
            geom = MultiPolygon([geom])
        elif geom is not None and geom.geom_type != "MultiPolygon":
            geom = MultiPolygon([g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"]) or None
        geoms.append(geom)
        rows.append({**{k: org[k] for k in ("id", "name_ar", "name_en", "kind", "description", "website",
                                            "public_phone", "public_email", "published_at")},
                     "kind_label": str(ORG_KIND_LABELS.get(org["kind"], org["kind"])),
                     "areas": ";".join(org["areas"]), "categories": ";".join(org["categories"]),
                     "demo": bool(org["is_demo"]),
                     "logo": url_for("organizations.logo", filename=org["logo"], _external=True)
                     if org["logo"] else None,
                     "initiatives": ";".join(map(str, initiatives.get(org["id"], []))),
                     "url": f"{page}{org['id']}"})
    table = pd.DataFrame(rows, columns=list(ORGANIZATION_COLUMNS))
    for col in table.columns:
        if table[col].isna().all():
            table[col] = table[col].astype(object)
    if len(table):
        table["id"] = table["id"].astype("int64")
        table["demo"] = table["demo"].astype(bool)
    out = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, crs=4326), crs=4326)
    out.attrs["column_types"] = dict(ORGANIZATION_TYPES)
    return out


def updates_frame(filters: queries.ReportFilters, lang: str) -> gpd.GeoDataFrame:
    """Published updates of the published reports matching ``filters``, at their report's public
    point, oldest first (:data:`UPDATE_COLUMNS`; never a contact or an author)."""
    from ..store.models import ReportUpdate
    from ..store.updates import public_update, published_updates_query

    stmt = queries.apply_filters(published_updates_query(), filters).order_by(
        ReportUpdate.published_at, ReportUpdate.id).limit(cap())
    permalink = url_for("public.report_detail", id=0, _external=True).rsplit("/", 1)[0] + "/"
    rows, points = [], []
    for update in db.session.scalars(stmt):
        data, report = public_update(update), update.report
        rows.append({
            "id": data["id"], "report_id": data["report_id"], "title": report.title, "kind": report.kind,
            "category": report.category, "source": data["source"], "state": data["state"] or "",
            "state_label": lifecycle.label(data["state"]) if data["state"] else "",
            "previous_state": data["previous_state"] or "", "text": data["text"],
            "happened_on": data["happened_on"] or "", "published_at": data["published_at"],
            "photo": url_for("progress.update_photo", filename=data["photo"], _external=True)
            if data["photo"] else "",
            "url": f"{permalink}{report.id}#update-{data['id']}"})
        points.append(Point(report.public_lon, report.public_lat))
    table = pd.DataFrame(rows, columns=list(UPDATE_COLUMNS)).astype(object)
    out = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(points, crs=4326).values, crs=4326)
    out.attrs["column_types"] = dict(UPDATE_TYPES)
    return out


def schema_frame(what: str, filters: queries.ReportFilters) -> gpd.GeoDataFrame:
    """An empty frame with the columns and declared types of an export (for the CSV's ``.csvt``).

    No report is loaded: the types are declared per column, the same for every row set (the
    areas' counts are text only when ``MIN_PUBLIC_COUNT`` suppresses).
    """
    if what == "reports":
        return reports_frame([])
    if what == "organizations":
        return organizations_frame([], "en")
    if what == "areas":
        frame = areas_frame(filters)
        empty = frame.head(0)
        empty.attrs["column_types"] = frame.attrs["column_types"]
        return empty
    empty = gpd.GeoDataFrame(pd.DataFrame(columns=list(UPDATE_COLUMNS)).astype(object),
                             geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    empty.attrs["column_types"] = dict(UPDATE_TYPES)
    return empty
