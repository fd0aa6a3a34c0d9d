"""The map page's data at versioned URLs (webapp/public/mapdata.py), and the page's size."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from tests.conftest import SILWAN

from .test_public import data_urls

#: The issue's target for the map page's HTML, whatever the number of reports.
PAGE_LIMIT = 100_000


def test_areas_are_cached_for_a_year_at_their_versioned_url(client):
    url = data_urls(client)["areas"]
    assert re.fullmatch(r"/map/ar/areas\.geojson\?v=[0-9a-f]{16}", url)
    resp = client.get(url)
    assert resp.status_code == 200
    assert resp.mimetype == "application/geo+json"
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert resp.headers["ETag"] == f'"{url.rsplit("=", 1)[1]}"'
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert len(resp.get_json()["features"]) >= 100


def test_gzip_is_compressed_once_and_revalidates(client, monkeypatch):
    import flask_compress.flask_compress as library

    compressed = []
    real = library._compress_data

    def counted(app, data, algorithm):
        compressed.append(len(data))
        return real(app, data, algorithm)
    monkeypatch.setattr(library, "_compress_data", counted)
    url = data_urls(client)["areas"]
    plain = client.get(url).data
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain
    assert len(zipped.data) < len(plain) / 3
    assert compressed == [len(plain)]
    # Kept by Flask-Compress's cache: the next gzip answer is the same bytes, not compressed again.
    assert client.get(url, headers={"Accept-Encoding": "gzip"}).data == zipped.data
    assert compressed == [len(plain)]
    # A gzip client revalidates with the compressed body's ETag.
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304
    refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain


def test_etag_revalidation_answers_304(client):
    url = data_urls(client)["areas"]
    etag = client.get(url).headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_old_version_gets_current_data_but_no_long_cache(client):
    url = data_urls(client)["areas"]
    current = client.get(url).data
    stale = client.get(url.split("?")[0] + "?v=0123456789abcdef")
    assert stale.status_code == 200
    assert stale.data == current
    assert "no-cache" in stale.headers["Cache-Control"]
    assert "immutable" not in stale.headers["Cache-Control"]


def test_languages_differ_and_unknown_language_is_404(client):
    ar, en = data_urls(client, "ar")["areas"], data_urls(client, "en")["areas"]
    assert ar != en and "/map/en/" in en
    assert client.get("/map/xx/areas.geojson").status_code == 404
    assert client.get("/map/%3Cscript%3E/areas.geojson").status_code == 404


def test_places_index_matches_the_gazetteer(client, app):
    from webapp.store.layers import get_layers

    url = data_urls(client)["places"]
    resp = client.get(url)
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    index = resp.get_json()
    with app.app_context():
        slugs = list(get_layers().places["slug"])
    assert [p["slug"] for p in index] == slugs
    assert all(p["keys"] and p["primary"] >= 1 for p in index)


def test_embed_names_the_same_data(client):
    html = client.get("/embed").get_data(as_text=True)
    match = re.search(r"dataUrls: (\{[^}]*\})", html)
    assert match and json.loads(match.group(1)) == data_urls(client)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_page_stays_small_whatever_the_number_of_reports(client, make_report, lang):
    def size():
        html = client.get(f"/?lang={lang}").get_data(as_text=True)
        assert "dataUrls" in html
        # The CSP nonce and the CSRF token differ between requests; everything else is fixed.
        return len(re.sub(r'(nonce|value)="[^"]*"', "", html).encode())

    empty = size()
    for i in range(30):
        make_report(title=f"Report {i}", lon=SILWAN[0] + i * 1e-4, lat=SILWAN[1])
    assert size() == empty
    assert empty < PAGE_LIMIT
