"""The map page's bundles (webapp/web/assets.py), what blocks its first paint, and meta descriptions."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from webapp.web.assets import BUNDLES, _source_file


class _Head(HTMLParser):
    """The ``<script>`` and ``<link rel=stylesheet>`` tags of a page, and its meta description."""

    def __init__(self):
        super().__init__()
        self.scripts, self.styles, self.descriptions = [], [], []
        self.in_head = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "head":
            self.in_head = True
        elif tag == "script":
            self.scripts.append((a, self.in_head))
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.styles.append(a["href"])
        elif tag == "meta" and a.get("name") == "description":
            self.descriptions.append(a.get("content") or "")

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False


def parse(html: str) -> _Head:
    p = _Head()
    p.feed(html)
    return p


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_map_page_has_one_stylesheet_and_no_parser_blocking_script(client, path):
    page = parse(client.get(path).get_data(as_text=True))
    assert [re.sub(r"\?v=\w+$", "", s) for s in page.styles] == ["/vendor/bundle/map.css"]
    for attrs, _in_head in page.scripts:
        if attrs.get("type") == "application/json":
            continue  # data, not code
        if "src" in attrs:
            assert "defer" in attrs, attrs["src"]
        else:  # inline code: only folium's map script and Leaflet's two flags
            assert attrs.get("type") == "module" or not attrs.get("type")
    srcs = [re.sub(r"\?v=\w+$", "", a["src"]) for a, _ in page.scripts if "src" in a]
    # Leaflet, then (after folium's module script) the map's bundle.
    assert srcs[:2] == ["/vendor/leaflet/leaflet.js", "/vendor/bundle/map.js"]
    modules = [a for a, _ in page.scripts if a.get("type") == "module"]
    assert len(modules) == 1 and modules[0].get("nonce")


def test_bundles_hold_every_listed_file_in_order(client):
    html = client.get("/").get_data(as_text=True)
    for name, files in BUNDLES.items():
        url = re.search(rf'"(/vendor/bundle/{re.escape(name)}\?v=[0-9a-f]{{10}})"', html).group(1)
        resp = client.get(url)
        assert resp.status_code == 200
        body = resp.get_data(as_text=True)
        positions = [body.index(f"/* {source}/{path} */") for source, path in files]
        assert positions == sorted(positions)
        if name.endswith(".js"):
            # Every file whole (less its source-map link), so nothing was cut.
            for source, path in files:
                text = re.sub(r"^//# sourceMappingURL=.*$", "", _source_file(source, path).read_text(
                    encoding="utf-8"), flags=re.M).rstrip()
                assert text in body, path
            assert "sourceMappingURL" not in body
        else:
            assert "#map-filters" in body or ".map-filters" in body  # filters.css is in
        cache = resp.headers["Cache-Control"]
        assert "max-age=31536000" in cache and "immutable" in cache


def test_bundle_css_points_leaflets_images_at_served_files(client):
    body = client.get("/vendor/bundle/map.css").get_data(as_text=True)
    urls = [u for u in re.findall(r"url\(([^)]+)\)", body) if not u.startswith(("#", "data:"))]
    assert "/vendor/leaflet/images/layers.png" in urls
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_bundle_is_gzipped_revalidated_and_unknown_bundles_are_404(client):
    resp = client.get("/vendor/bundle/map.js", headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "gzip"
    plain = client.get("/vendor/bundle/map.js")
    assert "max-age=300" in plain.headers["Cache-Control"]  # not versioned: short cache
    again = client.get("/vendor/bundle/map.js", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    assert client.get("/vendor/bundle/nope.js").status_code == 404
    assert client.get("/vendor/bundle/../leaflet/leaflet.js").status_code == 404


@pytest.mark.parametrize("path", ["/", "/about", "/reports", "/api/", "/export", "/suggest", "/login",
                                  "/areas/silwan", "/embed", "/no-such-page"])
@pytest.mark.parametrize("lang", ["ar", "en"])
def test_every_page_has_one_translated_meta_description(client, path, lang):
    resp = client.get(f"{path}?lang={lang}")
    descriptions = parse(resp.get_data(as_text=True)).descriptions
    assert len(descriptions) == 1 and len(descriptions[0]) > 30, (path, descriptions)
    arabic = bool(re.search(r"[\u0600-\u06ff]", descriptions[0]))
    assert arabic == (lang == "ar") or path == "/areas/silwan", descriptions[0]


def test_specific_pages_describe_themselves(client, make_report):
    default = parse(client.get("/no-such-page?lang=en").get_data(as_text=True)).descriptions[0]
    for path in ("/", "/about", "/reports", "/export"):
        assert parse(client.get(f"{path}?lang=en").get_data(as_text=True)).descriptions[0] != default, path
    area = parse(client.get("/areas/silwan?lang=en").get_data(as_text=True)).descriptions[0]
    assert area.startswith("Silwan on Ahya")
    report_id = make_report(title='A "quoted" <b>title</b>')
    html = client.get(f"/reports/{report_id}?lang=en").get_data(as_text=True)
    desc = parse(html).descriptions[0]
    assert desc.startswith('A "quoted" <b>title</b>: a report on Ahya')  # unescaped by the parser
    assert "<b>title" not in html.split("<title>")[0]  # escaped in the HTML itself


def test_map_page_preconnects_to_the_tile_server(client, app):
    html = client.get("/").get_data(as_text=True)
    origin = re.match(r"https?://[^/]+", app.config["TILE_URL"]).group(0)
    assert f'<link rel="preconnect" href="{origin}">' in html


@pytest.mark.parametrize(("url", "origin"), [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("http://127.0.0.1:8080/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
    ("https://{s}.tile.example.org/{z}/{x}/{y}.png", ""),  # one host per subdomain: none
    ("/tiles/{z}/{x}/{y}.png", ""), ("", ""), ("javascript:alert(1)", ""),
])
def test_tile_origin(url, origin):
    from webapp.web.mapview import tile_origin

    assert tile_origin(url) == origin
