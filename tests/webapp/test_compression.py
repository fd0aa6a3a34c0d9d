"""gzip and cache headers."""

from __future__ import annotations

import gzip
import re


def test_map_page_is_gzipped_when_asked(client):
    plain = client.get("/")
    zipped = client.get("/", headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    body = gzip.decompress(zipped.data)
    # folium names its elements randomly per render and every response has its own CSP nonce.
    mask = re.compile(rb'_[0-9a-f]{32}|nonce="[^"]*"')
    assert mask.sub(b"_", body) == mask.sub(b"_", plain.data)
    assert len(zipped.data) < len(plain.data) / 3


def test_small_and_binary_responses_are_not_gzipped(client):
    from webapp.web.compression import MIN_SIZE

    # A text response below MIN_SIZE: gzip would save nothing. A larger one of the same type is
    # compressed, so what keeps the small one plain is its size.
    small = client.get("/favicon.ico", headers={"Accept-Encoding": "gzip"})
    assert small.status_code == 200 and small.mimetype == "image/svg+xml"
    assert len(small.data) < MIN_SIZE and small.data.lstrip().startswith(b"<svg")
    assert "Content-Encoding" not in small.headers
    small.close()
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    # A binary file above MIN_SIZE (PNG is compressed already): served as it is.
    png = client.get("/vendor/leaflet/images/marker-icon-2x.png", headers={"Accept-Encoding": "gzip"})
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert len(png.data) >= MIN_SIZE and png.data.startswith(b"\x89PNG")
    assert "Content-Encoding" not in png.headers
    png.close()


def test_static_urls_are_versioned_and_cached_for_a_year(client):
    html = client.get("/about").get_data(as_text=True)  # the map page has ahya.css in its bundle
    url = re.search(r'href="(/static/css/ahya\.css\?v=[0-9a-f]{10})"', html)
    assert url, "static URL without a content version"
    resp = client.get(url.group(1))
    assert resp.status_code == 200
    assert "max-age=31536000" in resp.headers["Cache-Control"]
    assert "immutable" in resp.headers["Cache-Control"]
    resp.close()


def test_static_and_vendor_files_are_gzipped_and_revalidate(client):
    for url in ("/vendor/leaflet/leaflet.js", "/static/js/reports-layer.js", "/static/css/map.css"):
        plain = client.get(url)
        zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert "Content-Encoding" not in plain.headers
        assert zipped.headers["Content-Encoding"] == "gzip", url
        assert gzip.decompress(zipped.data) == plain.data
        assert len(zipped.data) < len(plain.data)
        assert "Accept-Encoding" in zipped.headers["Vary"]
        # Compressed again the same way; the compressed body's own ETag revalidates.
        again = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert again.data == zipped.data
        etag = zipped.headers["ETag"]
        assert etag != plain.headers["ETag"]
        assert client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag}).status_code == 304


def test_range_requests_on_static_files_are_not_gzipped(client):
    resp = client.get("/vendor/leaflet/leaflet.js",
                      headers={"Accept-Encoding": "gzip", "Range": "bytes=0-99"})
    assert resp.status_code == 206
    assert "Content-Encoding" not in resp.headers
    assert len(resp.data) == 100


def test_a_client_that_refuses_gzip_gets_the_plain_body(client):
    # RFC 9110 12.5.3: q=0 means "not acceptable"; "*" does not bring gzip back.
    for header in ("gzip;q=0", "gzip;q=0, *", "identity"):
        for url in ("/", "/vendor/leaflet/leaflet.js", "/api/v1/reports", "/map/places.json"):
            resp = client.get(url, headers={"Accept-Encoding": header})
            assert resp.status_code == 200, url
            assert "Content-Encoding" not in resp.headers, (header, url)
            assert "Accept-Encoding" in resp.headers["Vary"]
            assert resp.data == client.get(url).data or url == "/"
            resp.close()
    page = client.get("/", headers={"Accept-Encoding": "gzip;q=0"}).get_data(as_text=True)
    assert page.lstrip().lower().startswith("<!doctype html")


def test_conditional_requests_stay_the_apis_own(app, client, make_report):
    # A data version ahead of the clock makes Last-Modified inexact: the API then never answers
    # If-Modified-Since with 304 (api/cache.py), compressed or not.
    import datetime as dt

    from webapp.extensions import db
    from webapp.store.models import DataVersion

    for i in range(5):
        make_report(title=f"Report {i}")  # a body above MIN_SIZE: the gzip answer is compressed
    with app.app_context():
        ahead = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=1)
        db.session.execute(db.update(DataVersion).values(changed_at=ahead))
        db.session.commit()
    since = {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}
    for encoding in ("identity", "gzip"):
        resp = client.get("/api/v1/reports", headers={**since, "Accept-Encoding": encoding})
        assert resp.status_code == 200, encoding
        assert resp.headers.get("Content-Encoding", "identity") == encoding
