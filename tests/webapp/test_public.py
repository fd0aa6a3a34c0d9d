"""The public map page, language switching and self-hosted assets (Flask test client)."""

from __future__ import annotations

import json
import re

from tests.conftest import ROOT

ASSET_RE = re.compile(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"')


def page_text(resp) -> str:
    """The page with JSON's \\uXXXX and \\/ escapes undone, as the browser would read it."""
    text = resp.get_data(as_text=True)
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return text.replace("\\/", "/").replace('\\"', '"')


def test_map_is_arabic_and_rtl_by_default(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "ابحث عن حي أو قرية" in html
    assert 'hreflang="en"' in html  # the visible switch to English


def test_lang_switch_is_remembered(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html
    assert "Find a neighborhood or village" in html
    again = client.get("/").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in again
    back = client.get("/?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in back


def test_unknown_lang_falls_back_to_default(client):
    html = client.get("/?lang=xx").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html


def data_urls(client, lang: str = "ar") -> dict:
    """The URLs of the area polygons and the search index that the map page fetches."""
    html = client.get(f"/?lang={lang}").get_data(as_text=True)
    match = re.search(r"dataUrls: (\{[^}]*\})", html)
    assert match, "the page names no data URLs"
    return json.loads(match.group(1))


def test_map_loads_every_area_and_place_names(client):
    urls = data_urls(client)
    fetched = client.get(urls["areas"]).get_json(force=True)
    areas = json.loads((ROOT / "data/layers/areas.geojson").read_text(encoding="utf-8"))
    assert [f["properties"]["slug"] for f in fetched["features"]] == \
        [f["properties"]["slug"] for f in areas["features"]]
    index = client.get(urls["places"]).get_json()
    silwan = next(p for p in index if p["slug"] == "silwan")
    assert (silwan["name_ar"], silwan["name_he"]) == ("سلوان", "סילואן")


def test_tooltips_follow_language(client):
    def tip(lang):
        data = client.get(data_urls(client, lang)["areas"]).get_json(force=True)
        return next(f["properties"]["_tip"] for f in data["features"] if f["id"] == "silwan")
    assert '<b>سلوان</b><br><bdi lang="en">Silwan</bdi>' in tip("ar")
    assert '<b>Silwan</b><br><bdi lang="ar">سلوان</bdi>' in tip("en")


def test_page_loads_assets_only_from_the_app(client):
    html = client.get("/").get_data(as_text=True)
    # The one link off the app: a preconnect to the tile server (no asset comes from it).
    preconnects = re.findall(r'<link rel="preconnect" href="([^"]+)">', html)
    assert preconnects == ["https://tiles.example.test"]
    urls = [u for u in ASSET_RE.findall(html) if u not in preconnects]
    assert urls, "the page loads no assets at all?"
    for url in urls:
        assert url.startswith("/"), f"third-party asset: {url}"
        assert client.get(url).status_code == 200, url
    # Nothing but the tile server is named with a scheme in scripts.
    hosts = set(re.findall(r'https?://([^/"\'\s]+)', html))
    # The share tags' absolute URLs (og:url, og:image) name the app's own host.
    assert hosts <= {"tiles.example.test", "www.openstreetmap.org", "localhost"}, hosts


def test_tile_settings_come_from_config(client):
    html = client.get("/").get_data(as_text=True)
    assert "https://tiles.example.test/{z}/{x}/{y}.png" in html
    assert "test tiles" in html


def test_vendor_files_are_served_and_cached(client):
    resp = client.get("/vendor/leaflet/leaflet.js")
    assert resp.status_code == 200
    assert b"Leaflet" in resp.data[:500]
    assert "max-age" in resp.headers["Cache-Control"]
    assert client.get("/vendor/nope/leaflet.js").status_code == 404
    assert client.get("/vendor/leaflet/../../../etc/passwd").status_code == 404


def test_favicon(client):
    assert client.get("/favicon.ico").status_code == 200


def test_about_names_sources(client):
    html = client.get("/about?lang=en").get_data(as_text=True)
    assert "geostatil" in html and "OCHA" in html and "Palestine Open Maps" in html
    assert "OpenStreetMap" in html or "test tiles" in html


def test_404_is_localized_page(client):
    resp = client.get("/no-such-page")
    assert resp.status_code == 404
    assert "هذه الصفحة غير موجودة" in resp.get_data(as_text=True)


def test_language_switch_keeps_repeated_filters(client):
    html = client.get("/reports?category=housing&category=water").get_data(as_text=True)
    switch = re.search(r'id="lang-switch"[^>]*href="([^"]+)"', html).group(1)
    assert "category=housing" in switch and "category=water" in switch and "lang=en" in switch
