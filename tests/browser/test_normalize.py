"""geo/reference/search.py's ``normalize`` and search.js's, run on the same names, give the same keys.

The JavaScript one runs in the map page itself (``window.AHYA_SEARCH.normalize``, from the
served bundle), not a copy: a change to either side that the other lacks fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.reference.search import normalize

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PLACES = ROOT / "data" / "layers" / "places.geojson"

#: (spelling, the key both sides must give). Spellings of one place share their key.
CASES = [
    # Arabic: diacritics (tashkeel), tatweel, hamza forms, ta marbuta, alef maqsura.
    ("شعفاط", "شعفاط"), ("شُعْفَاط", "شعفاط"), ("شــعـفـاط", "شعفاط"),
    ("أبو ديس", "ابو ديس"), ("ابو ديس", "ابو ديس"), ("أَبُو دِيس", "ابو ديس"),
    ("إسكندر", "اسكندر"), ("آمنة", "امنه"), ("ٱلقدس", "القدس"), ("القُدْس", "القدس"),
    ("مؤسسة", "موسسه"), ("بئر", "بير"), ("بِئْر", "بير"), ("ماء", "ماء"), ("سماء", "سماء"),
    ("جامعة", "جامعه"), ("جامعه", "جامعه"), ("مستشفى", "مستشفي"), ("مستشفي", "مستشفي"),
    ("رأس العامود", "راس العامود"), ("راس العامود", "راس العامود"), ("رَأْسُ العَامُود", "راس العامود"),
    ("بيت صفافا", "بيت صفافا"), ("بيت\u00a0صفافا", "بيت صفافا"), ("\u200fسلوان\u200f", "سلوان"),
    ("ﻻ", "لا"), ("٣", "٣"),
    # Hebrew with and without niqqud.
    ("ירושלים", "ירושלים"), ("יְרוּשָׁלַיִם", "ירושלים"), ("שֻׁעְפָאט", "שעפאט"), ("שועפאט", "שועפאט"),
    ("בֵּית צָפָאפָא", "בית צפאפא"), ("קטמון", "קטמון"),
    # English: case, diacritics, apostrophes and transliteration marks, punctuation, spaces.
    ("Shu'fat", "shufat"), ("Shu’fat", "shufat"), ("SHUʿFAT", "shufat"), ("Shufat", "shufat"),
    ("Shu`fat", "shufat"), ("Qaṭamon", "qatamon"), ("Qatamon", "qatamon"), ("QATAMON", "qatamon"),
    ("Beit Ṣafafa", "beit safafa"), ("Beit-Safafa", "beit safafa"), ("  Beit   Safafa ", "beit safafa"),
    ("Ras al-ʿAmud", "ras al amud"), ("Ras al-'Amud", "ras al amud"), ("Café", "cafe"),
    ("Wadi al-Joz (East)", "wadi al joz east"), ("a\u2003b\u3000c", "a b c"), ("ﬁre", "fire"),
    ("\ufeffSilwan\u00ad", "silwan"), ("e\u0903", "e"), ("", ""),
]


def _names() -> list[str]:
    """Every name and alternative name of the gazetteer, plus the spellings above."""
    features = json.loads(PLACES.read_text(encoding="utf-8"))["features"]
    names = []
    for f in features:
        p = f["properties"]
        names += [p.get("name_ar") or "", p.get("name_en") or "", p.get("name_he") or ""]
        names += [a for a in str(p.get("alt_names") or "").split(";") if a.strip()]
    return names + [spelling for spelling, _key in CASES]


def test_python_keys_are_the_expected_ones():
    wrong = [(s, normalize(s), key) for s, key in CASES if normalize(s) != key]
    assert not wrong


def test_python_and_javascript_normalise_every_name_alike(page):
    page.goto("/")
    page.wait_for_function("() => !!(window.AHYA_SEARCH && window.AHYA_SEARCH.normalize)")
    names = _names()
    assert len(names) > 300
    js = page.evaluate("names => names.map(n => window.AHYA_SEARCH.normalize(n))", names)
    differ = [(n, normalize(n), j) for n, j in zip(names, js, strict=True) if normalize(n) != j]
    assert not differ, differ[:10]
