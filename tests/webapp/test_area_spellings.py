"""The report form's area field takes every spelling the map search does.

Both go through ``geo.reference.search.name_lookup``.
"""

from __future__ import annotations

import html
import re

import pytest

from geo.reference.search import name_lookup, normalize, search_index
from webapp.store.area_names import find_area
from webapp.store.layers import get_layers

from .test_contribute import NEW, SUGGEST, counts, field_error, only_report, submit, valid_data

SPELLINGS = {
    "shufat": ["Shufat", "Shu'fat", "shu’fat", "SHUʿFAT", "Shuafat", "شعفاط", "شُعْفَاط", "شــعفاط", "שועפאט"],
    "silwan": ["سلوان", "Silwan", "silwan", "סילואן", "Siloam", "כפר השילוח"],
    "old-katamon": ["Old Katamon", "القطمون القديم", "קטמון הישנה"],
    "ras-al-amud": ["راس العامود", "رأس العامود", "Ras al-Amud", "Ras el-Amud", "ראס אל-עמוד"],
}


@pytest.mark.parametrize(("slug", "spelling"), [(s, w) for s, ws in SPELLINGS.items() for w in ws])
def test_suggest_accepts_the_map_searchs_spellings(app, client, slug, spelling):
    resp = submit(client, SUGGEST, valid_data(lon="", lat="", area_name=spelling))
    assert resp.status_code == 200, field_error(resp, "area_name")
    report = only_report(app)
    assert report.area == slug and report.precision == "area"


def test_new_report_accepts_an_alternative_name(app, client, login):
    login()
    # "Qatamon" is an alternative name of two areas: the map search's first (index order) wins.
    resp = submit(client, NEW, valid_data(lon="", lat="", area_name="Qatamon"))
    assert resp.status_code == 302
    with app.app_context():
        layers = get_layers()
        entries = search_index(layers.places, layers.areas)
        key, areas = normalize("Qatamon"), set(layers.areas["slug"])
        first_area = next(e["slug"] for e in entries if key in e["keys"] and e["slug"] in areas)
    assert only_report(app).area == first_area


def test_unknown_or_partial_names_are_still_refused(app, client):
    for bad in ("Shu", "Atlantis", "'", "ـ"):
        resp = submit(client, SUGGEST, valid_data(lon="", lat="", area_name=bad))
        assert resp.status_code == 400, bad
        assert "from the list" in field_error(resp, "area_name")
    assert counts(app) == (0, 0, 0)


def test_datalist_options_carry_the_accepted_spellings(app, client):
    page = client.get(SUGGEST + "?lang=en").get_data(as_text=True)
    pattern = r'<option value="[^"]*" label="[^"]*" data-slug="([^"]+)"[^>]*data-keys="([^"]*)"'
    options = re.findall(pattern, page)
    keys = {slug: html.unescape(k).split("|") for slug, k in options}
    assert normalize("Shu'fat") in keys["shufat"] and normalize("שועפאט") in keys["shufat"]
    # Each spelling names one option, and the server takes exactly those spellings.
    all_keys = [k for ks in keys.values() for k in ks]
    assert len(all_keys) == len(set(all_keys))
    with app.app_context():
        for slug, ks in keys.items():
            assert all(find_area(k) == slug for k in ks), slug


def test_name_lookup_prefers_own_names_then_index_order():
    entries = [
        {"slug": "a", "keys": ["alpha", "shared"], "primary": 1},
        {"slug": "b", "keys": ["shared", "beta"], "primary": 1},
        {"slug": "c", "keys": ["gamma", "alpha"], "primary": 1},
    ]
    lookup = name_lookup(entries)
    assert lookup["shared"] == "b"  # b's own name beats a's alternative name
    assert lookup["alpha"] == "a"
    assert name_lookup(entries, slugs={"c"}) == {"c": "c", "gamma": "c", "alpha": "c"}
