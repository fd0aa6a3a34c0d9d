"""/embed (the map alone, frameable by any site), framing headers, and the share dialog markup."""

from __future__ import annotations

import json
import re

import pytest

from webapp.exports.framing import _with_frame_ancestors

SHARE_ASSETS = ("css/share.css", "js/share.js")


def assets(page: str) -> list[str]:
    """Script sources and stylesheets of a page, without the cache-busting ``?v=``."""
    found = re.findall(r'<script[^>]*\bsrc="([^"]+)"', page)
    found += re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    return [re.sub(r"\?v=[0-9a-f]+$", "", url) for url in found]


def test_embed_is_the_map_without_header_or_navigation(client):
    resp = client.get("/embed?lang=ar")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert 'class="folium-map"' in page and "window.AHYA_MAP = {map: map_" in page
    assert "site-header" not in page and "<nav" not in page
    assert '<details class="map-filters" id="map-filters" hidden>' in page  # no visible form
    assert 'id="share-open"' not in page
    assert '<base target="_blank">' in page  # popup links leave the frame


def test_embed_loads_the_same_styles_and_scripts_as_the_map_page(client):
    index = [a for a in assets(client.get("/").get_data(as_text=True)) if not a.endswith(SHARE_ASSETS)]
    embed = assets(client.get("/embed").get_data(as_text=True))
    missing = [a for a in index if a not in embed]
    assert not missing, f"embed.html is behind index.html: {missing}"
    # ... in the same order, so scripts that build on each other still do.
    assert [a for a in embed if a in index] == [a for a in index if a in embed]


def test_embed_has_the_same_page_data_as_the_map_page(client):
    """The JSON the map's scripts read (strings, places, report layer settings) is the same."""
    pattern = re.compile(r'<script[^>]* type="application/json" id="(ahya-[a-z0-9]+)">(.*?)</script>', re.S)

    def blocks(page):
        return dict(pattern.findall(page))
    index, embed = (blocks(client.get(f"{path}?lang=en").get_data(as_text=True)) for path in ("/", "/embed"))
    index.pop("ahya-share")
    assert index.keys() == embed.keys()
    for key in index:
        assert json.loads(index[key]) == json.loads(embed[key]), key


def test_embed_applies_the_filters_like_the_map_page(client):
    query = "kind=challenge&category=housing&area=silwan&since=2026-01-01&lang=en"
    embed = client.get(f"/embed?{query}").get_data(as_text=True)
    index = client.get(f"/?{query}").get_data(as_text=True)

    def config(page):
        return json.loads(re.search(r'id="ahya-filters">(.*?)</script>', page, re.S).group(1))["initial"]
    assert config(embed) == config(index)
    assert config(embed)["category"] == ["housing"] and config(embed)["area"] == "silwan"
    link = re.search(r'<a href="([^"]+)" rel="noopener">Open this map on Ahya', embed).group(1)
    assert link.startswith("http://localhost/?") and "kind=challenge" in link and "area=silwan" in link


@pytest.mark.parametrize("path", ["/", "/about", "/export", "/reports", "/api/v1/reports", "/no-such-page",
                                  "/export/reports.csv", "/export/map.html", "/auth/login"])
def test_every_other_response_refuses_framing(client, path):
    resp = client.get(path)
    assert resp.headers["X-Frame-Options"] == "DENY", path
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


def test_only_embed_may_be_framed(client):
    resp = client.get("/embed?kind=initiative")
    assert "X-Frame-Options" not in resp.headers
    policy = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy and "'none'" not in policy.split("frame-ancestors", 1)[1]


def test_existing_policy_directives_are_kept():
    assert _with_frame_ancestors("default-src 'self'; frame-ancestors https://a.test", "'none'") == \
        "default-src 'self'; frame-ancestors 'none'"
    assert _with_frame_ancestors(None, "*") == "frame-ancestors *"


def test_map_page_has_the_share_dialog(client):
    page = client.get("/?lang=en&kind=challenge&category=water").get_data(as_text=True)
    assert page.count('id="share-open"') == 1 and page.count('<dialog class="share-dialog"') == 1
    # Without JavaScript the button is a link to the export page, with the same filters.
    href = re.search(r'id="share-open" href="([^"]+)"', page).group(1)
    assert href.startswith("/export?") and "kind=challenge" in href and "category=water" in href
    assert 'data-embed="/embed"' in page and "js/share.js" in page
    config = json.loads(re.search(r'id="ahya-share">(.*?)</script>', page, re.S).group(1))
    assert config["lang"] == "en" and config["copied"]
    assert 'aria-labelledby="share-title"' in page and 'for="share-embed"' in page
