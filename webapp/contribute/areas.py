"""Neighborhoods and villages as the form offers them: names per language and a point each."""

from __future__ import annotations

from flask import current_app

from ..store.layers import get_layers
from ..store.reporting import get_area_index

_KEY = "ahya.contribute.areas"


def _catalogue() -> dict:
    """Built once per app: rows for the list and a name → slug lookup."""
    ext = current_app.extensions
    if _KEY not in ext:
        index = get_area_index()
        areas = get_layers().areas
        rows, lookup = [], {}
        for rec in areas.drop(columns=areas.geometry.name).to_dict("records"):
            slug = rec["slug"]
            # The same point the "area" precision publishes, so the form shows what the map will.
            lon, lat = index.representative_point(slug)
            rows.append({"slug": slug, "ar": rec.get("name_ar") or slug, "en": rec.get("name_en") or slug,
                         "lon": round(lon, 6), "lat": round(lat, 6)})
            # Any of the names (or the slug) finds the area: people type what they know.
            for name in (slug, rec.get("name_ar"), rec.get("name_en"), rec.get("name_he")):
                if name:
                    lookup.setdefault(_norm(name), slug)
        ext[_KEY] = {"rows": rows, "lookup": lookup,
                     "by_slug": {r["slug"]: r for r in rows}}
    return ext[_KEY]


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def area_options(lang: str) -> list[dict]:
    """``[{slug, name, other, lon, lat}]`` sorted by the name in ``lang`` (built once per language)."""
    options = _catalogue().setdefault("options", {})
    if lang not in options:
        other = "en" if lang == "ar" else "ar"
        rows = [{"slug": r["slug"], "name": r[lang], "other": r[other], "lon": r["lon"], "lat": r["lat"]}
                for r in _catalogue()["rows"]]
        options[lang] = sorted(rows, key=lambda r: r["name"].casefold())
    return options[lang]


def find_area(text: str | None) -> str | None:
    """The slug of the area named ``text`` in any language, or None."""
    if not text or not text.strip():
        return None
    return _catalogue()["lookup"].get(_norm(text))


def area_point(slug: str) -> tuple[float, float]:
    """(lon, lat) of the area's representative point."""
    row = _catalogue()["by_slug"][slug]
    return row["lon"], row["lat"]
