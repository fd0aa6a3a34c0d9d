"""The rows behind every export: published reports through ``public_dict``, areas with counts.

Nothing here reads a private field: reports leave the database only as
``reporting.public_dict`` results (public point, public fields), then gain a few labels
derived from public data (category label, area name, permalink). Areas carry counts from
the SQL ``GROUP BY`` in ``stats``, after the ``MIN_PUBLIC_COUNT`` suppression.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
from flask import current_app, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from geo.export import to_frame

from ..extensions import db
from ..store import queries
from ..store.layers import get_display_layers, get_layers, place_names
from ..store.models import Report
from ..store.reporting import get_taxonomy, public_dict
from ..store.stats import area_totals, grouped_counts, public_count

#: Default row caps (settings ``EXPORT_MAX_ROWS`` and ``EXPORT_MAP_MAX_ROWS`` override them):
#: a file export stays under ~100 MB; a standalone map must still open in a phone's browser.
MAX_ROWS = 100_000
MAP_MAX_ROWS = 20_000
#: Column order of report exports (first the public fields, then labels derived from them).
REPORT_COLUMNS = ("id", "kind", "category", "category_label", "title", "description", "area", "area_name",
                  "precision", "observed_on", "organization", "link", "demo", "published_at", "photo",
                  "addresses", "addressed_categories", "url")
AREA_COLUMNS = ("slug", "name_ar", "name_en", "name_he", "kind", "sector")
DEFAULT_COLOUR = "#4a4e69"


class TooManyRows(Exception):
    """More reports match than an export may hold."""

    def __init__(self, count: int, cap: int):
        super().__init__(f"{count} reports match; at most {cap} can be exported")
        self.count, self.cap = count, cap


def cap(kind: str = "file") -> int:
    name, default = ("EXPORT_MAP_MAX_ROWS", MAP_MAX_ROWS) if kind == "map" else ("EXPORT_MAX_ROWS", MAX_ROWS)
    return int(current_app.config.get(name, default))


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
                 "url": f"{permalink}{row['id']}"}
        if row.get("photo"):
            extra["photo"] = photo_base + row["photo"]
        out.append({**row, **extra})
    return out


def reports_frame(rows: list[dict], *, keep_colour: bool = False) -> gpd.GeoDataFrame:
    """A GeoDataFrame (public points) of :func:`labelled` rows in :data:`REPORT_COLUMNS` order.

    The columns are fixed, so an empty or challenge-only export has the same schema as any other.
    """
    frame = to_frame(rows)
    columns = [*REPORT_COLUMNS, *(("colour",) if keep_colour else ())]
    table = pd.DataFrame({c: frame[c] if c in frame.columns else pd.Series([None] * len(frame), dtype=object)
                          for c in columns})
    for col in table.columns:
        if table[col].isna().all():
            table[col] = table[col].astype(object)  # an all-empty column is text, not float NaN
    if len(frame):
        table["id"] = table["id"].astype("int64")
        table["demo"] = table["demo"].astype(bool)
    return gpd.GeoDataFrame(table, geometry=frame.geometry.values, crs=4326)


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
    suppressing = int(current_app.config.get("MIN_PUBLIC_COUNT", 1)) > 1
    for col in ("challenges", "initiatives", "reports"):
        values = [public_count(counts.get(slug, {}).get(col, 0)) for slug in frame["slug"]]
        frame[col] = [str(v) for v in values] if suppressing else pd.array(values, dtype="int64")
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
