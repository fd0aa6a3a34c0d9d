"""Gazetteer places and report list entries as pages show them: names per language, points,
simplified outlines, category colours (shared by area profiles, feeds and organization pages)."""

from __future__ import annotations

import datetime as dt

from flask_babel import format_date
from shapely.geometry import mapping

from ..state import app_state
from ..store.demotext import localized_title
from ..store.layers import get_display_layers, get_layers
from ..store.reporting import get_taxonomy, public_dict

FALLBACK_COLOUR = "#4a4e69"
LANGS = ("ar", "en", "he")


def places() -> dict[str, dict]:
    """``{slug: place}`` for every gazetteer place: names, kind, sector, point (computed once)."""
    state = app_state()
    if state.places is None:
        gdf = get_layers().places
        rows = gdf.drop(columns=gdf.geometry.name).to_dict("records")
        state.places = {
            row["slug"]: {"slug": row["slug"], "names": {lang: row[f"name_{lang}"] for lang in LANGS},
                          "kind": row["kind"], "sector": row["sector"], "has_area": bool(row["has_area"]),
                          "lon": round(geom.x, 6), "lat": round(geom.y, 6)}
            for row, geom in zip(rows, gdf.geometry.values, strict=True)}
    return state.places


def area_outline(slug: str) -> dict | None:
    """The area's simplified polygon as GeoJSON, or None for a place without one."""
    state = app_state()
    if state.outlines is None:
        areas = get_display_layers().areas
        state.outlines = {s: mapping(g) for s, g in zip(areas["slug"], areas.geometry.values,
                                                                      strict=True)}
    return state.outlines.get(slug)


def place_name(slug: str | None, lang: str) -> str:
    """A gazetteer place's name in one language.

    Parameters
    ----------
    slug : str or None
        Place slug (a report's ``area``).
    lang : {"ar", "en", "he"}
        Language of the name.

    Returns
    -------
    str
        The name (English when missing in ``lang``); "" for None or an unknown slug.
    """
    names = places().get(slug or "", {}).get("names", {})
    return names.get(lang) or names.get("en") or ""


def category_style(kind: str, category: str, lang: str) -> tuple[str, str, str]:
    cat = get_taxonomy().get(kind, category)
    return (cat.label(lang), cat.colour, cat.icon) if cat else (category, FALLBACK_COLOUR, "•")


def report_item(report, lang: str) -> dict:
    """A list entry: title, category and date from the public view of the report."""
    data = public_dict(report)
    label, colour, _icon = category_style(report.kind, data["category"], lang)
    day = data["observed_on"] or (data["published_at"] or "")[:10]
    return {"id": data["id"], "title": localized_title(data, lang), "is_demo": data["is_demo"],
            "category": label, "colour": colour, "date": day,
            "date_label": format_date(dt.date.fromisoformat(day), "medium") if day else "",
            "area": place_name(data["area"], lang), "area_slug": data["area"]}
