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
# Unicode's White_Space list spelled out, not ``\s``: Python's and JavaScript's ``\s`` differ
# (U+001C-U+001F, U+0085, U+FEFF), and search.js must split names exactly like this.
_SPACES = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_PUNCT = re.compile(f"[{_SPACES}\\-_.,;:()\"/]+")
_DROPPED = re.compile(r"M.|Cf").fullmatch  # Unicode categories: marks, format characters
_NOTE = re.compile(r"\s*\(.*?\)\s*$")


def normalize(text: str) -> str:
    """Fold case, diacritics, Arabic letter variants and punctuation for matching.

    After NFKD, every mark (Unicode category M: tashkeel, niqqud, Latin accents, the hamza
    of أ إ آ ؤ ئ) and every invisible format character (category Cf: bidi marks, zero-width
    joiners, soft hyphens) is dropped; tatweel too, ة/ى/ٱ are folded. ``search.js`` does the
    same, character for character (tests/browser/test_normalize.py compares the two).
    """
    text = unicodedata.normalize("NFKD", str(text or "")).lower()
    text = "".join(ch for ch in text if not _DROPPED(unicodedata.category(ch)))
    text = text.translate(_ARABIC_FOLD)
    text = _APOSTROPHES.sub("", text)
    return _PUNCT.sub(" ", text).strip(" ")


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


def name_lookup(entries: list[dict], slugs=None) -> dict[str, str]:
    """``{normalised name: slug}`` for the places a form accepts, from the search index's keys.

    Any spelling the map search matches exactly ("Shufat", "Shu'fat", "شعفاط", "שועפאט",
    "Qatamon") names the place. A spelling shared by several places goes to the one the map
    search ranks first for it: a place's own name before an alternative name, then index order.

    Parameters
    ----------
    entries : list of dict
        ``search_index`` entries.
    slugs : collection of str, optional
        Only these places (e.g. those with a polygon); all when None.
    """
    lookup: dict[str, str] = {}
    for primary in (True, False):
        for entry in entries:
            if slugs is not None and entry["slug"] not in slugs:
                continue
            keys = entry["keys"][:entry["primary"]] if primary else entry["keys"][entry["primary"]:]
            if primary:
                keys = [normalize(entry["slug"]), *keys]
            for key in keys:
                lookup.setdefault(key, entry["slug"])
    return lookup
