"""The map page's filters on the server: validated like the API, reflected in the form, never a 500."""

from __future__ import annotations

import json
import re

import pytest


def filter_config(html: str) -> dict:
    match = re.search(r'<script[^>]*id="ahya-filters">(.*?)</script>', html, re.S)
    assert match, "the page has no filter settings"
    return json.loads(match.group(1))


def test_filters_from_the_query_string_fill_the_form(client):
    resp = client.get("/?lang=en&kind=challenge&category=housing&category=water&area=silwan"
                      "&since=2025-01-01&until=2026-12-31&q=roof%20leak&z=14&lat=31.77&lon=35.23")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert re.search(r'name="kind" value="challenge" checked', html)
    assert re.search(r'name="category" value="housing" checked', html)
    assert re.search(r'name="category" value="water" checked', html)
    assert not re.search(r'name="category" value="education" checked', html)
    assert '<option value="silwan" selected>Silwan</option>' in html
    assert 'name="since" value="2025-01-01"' in html and 'name="until" value="2026-12-31"' in html
    assert 'name="q" maxlength="100" value="roof leak"' in html
    # Initiative-only categories are hidden while the kind is "challenge".
    assert re.search(r'<label data-kinds="initiative" hidden>\s*<input type="checkbox" name="category" '
                     r'value="culture"', html)
    conf = filter_config(html)
    assert conf["initial"] == {"kind": "challenge", "category": ["housing", "water"], "area": "silwan",
                               "since": "2025-01-01", "until": "2026-12-31", "q": "roof leak", "bbox": None,
                               "status": ""}
    assert conf["dropped"] == [] and conf["areasApi"] == "/api/v1/areas"
    assert {"z", "lat", "lon", "choropleth", "heat"} <= set(conf["params"])
    assert 'id="filter-count">7<' in html  # kind, two categories, area, two dates, words


def test_active_filter_count(client):
    html = client.get("/?kind=initiative&category=culture&q=x").get_data(as_text=True)
    assert re.search(r'id="filter-count">3</span>', html)
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'id="filter-count" hidden>0</span>', html)


@pytest.mark.parametrize(("query", "dropped"), [
    ("since=yesterday", ["since"]),
    ("kind=problem&category=housing", ["kind"]),
    ("area=%3Cscript%3Ealert(1)%3C/script%3E&q=roof", ["area"]),
    ("since=2026-05-01&until=2026-01-01", ["until"]),
    ("category=nope&since=2026-99-01&bbox=1,2", ["category", "since", "bbox"]),
    ("q=" + "x" * 101, ["q"]),
])
def test_bad_filters_still_render_the_map_with_a_message(client, query, dropped):
    resp = client.get(f"/?lang=en&{query}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert sorted(filter_config(html)["dropped"]) == sorted(dropped)
    message = re.search(r'<p class="filter-message" id="filter-message" role="alert">([^<]*)</p>', html)
    assert message, "no visible message"
    labels = {"since": "Observed from", "kind": "Type", "area": "Area", "until": "Observed until",
              "category": "Categories", "bbox": "Map extent", "q": "Words in the title"}
    for name in dropped:
        assert labels[name] in message.group(1)
    assert "<script>alert" not in html and "alert(1)" not in message.group(1)
    assert '<details class="map-filters" id="map-filters" dir="ltr" open>' in html
    assert "leaflet" in html  # the map itself is there


def test_good_filters_survive_a_bad_one(client):
    html = client.get("/?category=housing&since=bad&q=roof").get_data(as_text=True)
    conf = filter_config(html)
    assert conf["initial"]["category"] == ["housing"] and conf["initial"]["q"] == "roof"
    assert conf["initial"]["since"] == "" and conf["dropped"] == ["since"]


def test_the_plain_form_submission_is_understood(client):
    """Without JavaScript the GET form sends every field, the empty ones included."""
    html = client.get("/?kind=&category=housing&area=&since=&until=&q=").get_data(as_text=True)
    conf = filter_config(html)
    assert conf["dropped"] == [] and conf["initial"]["category"] == ["housing"]
    assert 'id="filter-message"' not in html


def test_arabic_page_is_rtl_and_translated(client):
    html = client.get("/?lang=ar&since=bad").get_data(as_text=True)
    assert '<details class="map-filters" id="map-filters" dir="rtl" open>' in html
    conf = filter_config(html)
    assert conf["dir"] == "rtl" and conf["lang"] == "ar"
    # Category labels come from the taxonomy, in Arabic.
    assert "السكن والهدم" in html


def test_page_size_does_not_depend_on_the_reports(app, client, runner):
    def size(query=""):
        return len(app.test_client().get(f"/{query}").data)

    before = size(), size("?category=housing")
    assert runner.invoke(args=["demo", "load", "--count", "150", "--seed", "3"]).exit_code == 0
    after = size(), size("?category=housing")
    assert before == after
    html = client.get("/").get_data(as_text=True)
    assert "[DEMO]" not in html and "تجريبي]" not in html


def test_scripts_and_heat_plugin_are_served_locally(client):
    """The map's scripts and styles come in the app's bundles (webapp/web/assets.py), heat plugin included."""
    html = client.get("/").get_data(as_text=True)
    js = client.get(re.search(r'"(/vendor/bundle/map\.js[^"]*)"', html).group(1))
    css = client.get(re.search(r'"(/vendor/bundle/map\.css[^"]*)"', html).group(1))
    assert js.status_code == 200 and css.status_code == 200
    for name in ("filters.js", "choropleth.js", "leaflet_heat.min.js"):
        assert f"/* static/js/{name} */".encode() in js.data or f"/* folium/{name} */".encode() in js.data
    assert b"heatLayer" in js.data and b"AHYA_FILTERS" in js.data
    assert b"/* static/css/filters.css */" in css.data
    resp = client.get("/vendor/folium/leaflet_heat.min.js")
    assert resp.status_code == 200 and b"heatLayer" in resp.data
