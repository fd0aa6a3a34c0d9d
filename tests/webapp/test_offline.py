"""The service worker and web app manifest behind offline capture (served, not run, here;
``tests/browser/test_offline_form.py`` runs them in Chromium)."""

from __future__ import annotations

import io
import json
import re

from PIL import Image


def test_manifest_is_arabic_rtl_and_installable(client):
    resp = client.get("/manifest.webmanifest")
    assert resp.status_code == 200 and resp.mimetype == "application/manifest+json"
    manifest = json.loads(resp.data)
    assert (manifest["name"], manifest["short_name"], manifest["dir"], manifest["lang"]) == (
        "أحياء", "أحياء", "rtl", "ar")
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/suggest"
    assert manifest["scope"] == "/"
    sizes = {}
    for icon in manifest["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200 and png.mimetype == "image/png"
        with Image.open(io.BytesIO(png.data)) as img:
            assert img.format == "PNG"
            assert f"{img.width}x{img.height}" == icon["sizes"]
            sizes[img.width] = icon["type"]
    assert sizes == {192: "image/png", 512: "image/png"}


def test_service_worker_is_served_from_the_root_and_lists_what_exists(client):
    resp = client.get("/sw.js")
    assert resp.status_code == 200 and resp.mimetype == "application/javascript"
    assert resp.headers["Cache-Control"] == "no-cache"
    body = resp.get_data(as_text=True)
    cache = re.search(r'var CACHE = "(ahya-offline-[0-9a-f]{12})";', body).group(1)
    assert cache == resp.headers["X-Ahya-Cache"]
    assets = json.loads(re.search(r"var ASSETS = (\[.*?\]);", body).group(1))
    assert any(a.startswith("/static/js/offline-form.js?v=") for a in assets)
    assert "/vendor/leaflet/leaflet.js" in assets
    for url in assets:
        assert client.get(url).status_code == 200, url
    assert json.loads(re.search(r"var PAGES = (\[.*?\]);", body).group(1)) == ["/suggest", "/reports/new"]
    assert "eval(" not in body and "new Function" not in body


def test_cache_name_follows_the_cached_files(tmp_path):
    """A changed asset gives a new cache name, so browsers drop the old copies."""
    import shutil

    from tests.conftest import app_config
    from webapp import create_app

    names = []
    static = tmp_path / "static"
    import webapp

    shutil.copytree(webapp.__path__[0] + "/static", static)
    for content in ("/* one */", "/* two */"):
        (static / "js" / "offline-form.js").write_text(content)
        app = create_app(app_config(tmp_path / f"instance{len(names)}", None))
        app.static_folder = str(static)
        names.append(app.test_client().get("/sw.js").headers["X-Ahya-Cache"])
    assert names[0] != names[1]


def test_csp_allows_our_worker_and_manifest_only(client):
    csp = client.get("/suggest").headers["Content-Security-Policy"]
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp
    assert "unsafe-eval" not in csp


def test_form_pages_carry_the_offline_parts(client, login):
    page = client.get("/suggest").get_data(as_text=True)
    assert 'rel="manifest"' in page and 'id="offline-status"' in page and "offline-form.js" in page
    assert "data-offline" in page and 'data-worker="/sw.js"' in page
    assert "بانتظار الإرسال ({n})" in page  # Arabic first
    login()
    page = client.get("/reports/new").get_data(as_text=True)
    assert 'id="offline-status"' in page and 'name="client_key"' in page
