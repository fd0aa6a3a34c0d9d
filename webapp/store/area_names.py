"""Neighborhoods and villages as the form offers them: names per language and a point each.

The area field accepts every spelling the map search does (``geo.reference.search.name_lookup``: the
names in three languages, alternative names, with or without diacritics, hamza forms or
apostrophes); each option of the page's datalist carries the normalised spellings that name it,
so pick-point.js recognises them too, with the map search's normaliser.
"""

from __future__ import annotations

from geo.reference.search import name_lookup, normalize, search_index

from ..state import app_state
from .layers import get_layers
from .reporting import get_area_index


def _catalogue() -> dict:
    """Built once per app: rows for the list and a name → slug lookup."""
    state = app_state()
    if state.area_catalogue is None:
        index = get_area_index()
        layers = get_layers()
        areas = layers.areas
        lookup = name_lookup(search_index(layers.places, areas), set(areas["slug"]))
        rows = []
        for rec in areas.drop(columns=areas.geometry.name).to_dict("records"):
            slug = rec["slug"]
            # The same point the "area" precision publishes, so the form shows what the map will.
            lon, lat = index.representative_point(slug)
            rows.append({"slug": slug, "ar": rec.get("name_ar") or slug, "en": rec.get("name_en") or slug,
                         "lon": round(lon, 6), "lat": round(lat, 6), "keys": []})
            # An area the gazetteer lacks is still found by its own names.
            for name in (slug, rec.get("name_ar"), rec.get("name_en"), rec.get("name_he")):
                if name and normalize(name):
                    lookup.setdefault(normalize(name), slug)
        by_slug = {r["slug"]: r for r in rows}
        for key, slug in lookup.items():
            by_slug[slug]["keys"].append(key)
        state.area_catalogue = {"rows": rows, "lookup": lookup, "by_slug": by_slug}
    return state.area_catalogue


def area_options(lang: str) -> list[dict]:
    """``[{slug, name, other, lon, lat}]`` sorted by the name in ``lang`` (built once per language)."""
    options = _catalogue().setdefault("options", {})
    if lang not in options:
        other = "en" if lang == "ar" else "ar"
        rows = [{"slug": r["slug"], "name": r[lang], "other": r[other], "lon": r["lon"], "lat": r["lat"],
                 "keys": r["keys"]} for r in _catalogue()["rows"]]
        options[lang] = sorted(rows, key=lambda r: r["name"].casefold())
    return options[lang]


def find_area(text: str | None) -> str | None:
    """The slug of the area named ``text`` in any language and spelling the map search knows, or None."""
    key = normalize(text or "")
    return _catalogue()["lookup"].get(key) if key else None


def area_point(slug: str) -> tuple[float, float]:
    """(lon, lat) of the area's representative point."""
    row = _catalogue()["by_slug"][slug]
    return row["lon"], row["lat"]


def area_label(slug: str, lang: str) -> str:
    """The area's name in ``lang`` (``ar`` or ``en``), its slug when it has none."""
    row = _catalogue()["by_slug"].get(slug)
    return slug if row is None else row["ar" if lang == "ar" else "en"]
