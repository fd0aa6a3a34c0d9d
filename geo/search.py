"""Place search: one normalised key per name, shared by the server and the page.

The page's ``search.js`` applies the same ``normalize`` rules to what the user
types, so "Shu'fat", "shufat" and "شعفاط" all match.
"""

from __future__ import annotations

import re
import unicodedata

import geopandas as gpd

# Letters that Arabic writers interchange freely; folding them avoids misses.
_ARABIC_FOLD = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي", "ـ": None,
})
_APOSTROPHES = re.compile(r"['’‘`ʿʾ]")
_PUNCT = re.compile(r"[\s\-_.,;:()\"/]+")
_NOTE = re.compile(r"\s*\(.*?\)\s*$")


def normalize(text: str) -> str:
    """Fold case, diacritics, Arabic letter variants and punctuation for matching."""
    text = unicodedata.normalize("NFKD", str(text or "")).lower()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_ARABIC_FOLD)
    text = _APOSTROPHES.sub("", text)
    return _PUNCT.sub(" ", text).strip()


def search_index(places: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> list[dict]:
    """Entries for the page's search box, one per gazetteer place.

    Each entry has the three names, the normalised keys (primary names first,
    then alternative names), a point and, for places with a polygon, its bounds.
    """
    bounds = {slug: [round(v, 5) for v in geom.bounds]
              for slug, geom in zip(areas["slug"], areas.geometry.values, strict=True)}
    entries = []
    for row, geom in zip(places.to_dict("records"), places.geometry.values, strict=True):
        names = [row["name_ar"], row["name_en"], row["name_he"]]
        alts = [a.strip() for a in str(row.get("alt_names") or "").split(";") if a.strip()]
        # "(municipal neighbourhood)" notes in alt names are provenance, not names.
        alts = [_NOTE.sub("", a) for a in alts]
        # "Qatamon (1948 neighbourhood)" should match "Qatamon" exactly.
        names = [_NOTE.sub("", n) for n in names] + names
        primary = list(dict.fromkeys(k for k in map(normalize, names) if k))
        keys = list(dict.fromkeys(primary + [k for k in map(normalize, alts) if k]))
        entries.append({
            "slug": row["slug"],
            "name_ar": row["name_ar"], "name_en": row["name_en"], "name_he": row["name_he"],
            "kind": row["kind"],
            "primary": len(primary),  # keys[:primary] are the place's own names
            "keys": keys,
            "lat": round(geom.y, 5), "lon": round(geom.x, 5),
            "bounds": bounds.get(row["slug"]),
        })
    return entries
