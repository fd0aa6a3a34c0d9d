"""geo.search: normalisation and ranking on the shipped layers."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.layers import load_layers
from geo.search import find, normalize, search_index

ROOT = Path(__file__).resolve().parents[2]

QATAMON = {"old-katamon", "qatamon-1948"}


@pytest.mark.parametrize(("variant", "plain"), [
    # Arabic alef variants (hamza above/below, madda, wasla)
    ("أبو ديس", "ابو ديس"),
    ("إسكان", "اسكان"),
    ("آل", "ال"),
    ("ٱلقدس", "القدس"),
    # ta marbuta -> ha, alef maqsura -> ya, hamza on waw/ya
    ("مدرسة", "مدرسه"),
    ("على", "علي"),
    ("مؤسسة", "موسسه"),
    ("بئر", "بير"),
    # harakat (fatha, damma, kasra, sukun, shadda, tanween) and tatweel
    ("سِلْوَان", "سلوان"),
    ("شُعْفَاط", "شعفاط"),
    ("القُدْسُ", "القدس"),
    ("محمّدٌ", "محمد"),
    ("سـلـوان", "سلوان"),
    # Latin accents and case
    ("Bayt Ṣafāfā", "bayt safafa"),
    ("ÉCOLE", "ecole"),
    ("Sūr Bāhir", "sur bahir"),
    # apostrophes and ayn/hamza transliteration marks
    ("Shu'fat", "Shufat"),
    ("Shu’fat", "shufat"),
    ("Shuʿfat", "shufat"),
    ("Ras al-ʿAmud", "ras al amud"),
    # punctuation and spacing
    ("  Sheikh-Jarrah  ", "sheikh jarrah"),
    ("Qatamon (1948)", "qatamon 1948"),
])
def test_normalize_folds_variants(variant, plain):
    assert normalize(variant) == normalize(plain)
    assert normalize(variant) == normalize(normalize(variant))  # idempotent


def test_normalize_exact_outputs():
    assert normalize("Shu'fat") == "shufat"
    assert normalize("أَبُو دِيس") == "ابو ديس"
    assert normalize("مدرسة") == "مدرسه"
    assert normalize("Bayt Ṣafāfā") == "bayt safafa"
    assert normalize("Wadi al-Joz") == "wadi al joz"
    assert normalize("") == ""
    assert normalize(None) == ""


def test_normalize_keeps_distinct_names_distinct():
    assert normalize("Silwan") != normalize("Shufat")
    assert normalize("سلوان") != normalize("شعفاط")


@pytest.fixture(scope="module")
def layers():
    return load_layers(ROOT / "data" / "layers")


@pytest.fixture(scope="module")
def entries(layers):
    return search_index(layers.places, layers.areas)


def slugs(results):
    return [r["slug"] for r in results]


@pytest.mark.parametrize(("query", "slug"), [
    ("سلوان", "silwan"),
    ("Silwan", "silwan"),
    ("silwan", "silwan"),
    ("סילואן", "silwan"),
    ("شعفاط", "shufat"),
    ("Shu'fat", "shufat"),
    ("Shufat", "shufat"),
])
def test_find_ranks_exact_name_first(entries, query, slug):
    results = find(entries, query)
    assert results, query
    assert results[0]["slug"] == slug


def test_find_qatamon(entries):
    results = slugs(find(entries, "Qatamon"))
    assert set(results) >= QATAMON
    assert results[0] in QATAMON


def test_find_prefix(entries):
    results = slugs(find(entries, "Silw"))
    assert results[0] == "silwan"


@pytest.mark.parametrize("query", ["", "   ", "'", "-", None])
def test_find_empty_query(entries, query):
    assert find(entries, query) == []


def test_find_no_match(entries):
    assert find(entries, "Tel Aviv-Yafo") == []


def test_find_limit(entries):
    assert len(find(entries, "a", limit=3)) == 3
    assert len(find(entries, "a")) == 8


def test_index_has_one_entry_per_place(entries, layers):
    assert [e["slug"] for e in entries] == list(layers.places["slug"])
    for entry in entries:
        assert set(entry) >= {"slug", "name_ar", "name_en", "name_he", "kind", "primary", "keys",
                              "lat", "lon", "bounds"}
        assert 1 <= entry["primary"] <= len(entry["keys"])
        assert len(entry["keys"]) == len(set(entry["keys"]))
        assert all(k == normalize(k) for k in entry["keys"])
        assert 31.6 < entry["lat"] < 32.0 and 35.0 < entry["lon"] < 35.4


def test_index_bounds_only_for_places_with_polygons(entries, layers):
    area_bounds = dict(zip(layers.areas["slug"], layers.areas.geometry.bounds.values.tolist(), strict=True))
    has_area = dict(zip(layers.places["slug"], layers.places["has_area"], strict=True))
    with_bounds = 0
    for entry in entries:
        slug = entry["slug"]
        if has_area[slug]:
            with_bounds += 1
            minx, miny, maxx, maxy = entry["bounds"]
            assert minx < maxx and miny < maxy
            assert entry["bounds"] == pytest.approx(area_bounds[slug], abs=1e-5)
        else:
            assert entry["bounds"] is None, slug
    assert with_bounds == len(layers.areas)


def test_index_primary_names_exclude_notes(entries):
    qatamon = next(e for e in entries if e["slug"] == "qatamon-1948")
    # "Qatamon (1948 neighbourhood)" is searchable as "qatamon", as a primary name.
    assert "qatamon" in qatamon["keys"][:qatamon["primary"]]
