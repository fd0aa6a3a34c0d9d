"""The public map in a real browser: Leaflet, polygons, search, language switch, controls."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.browser.expectations import expect

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AREAS = ROOT / "data" / "layers" / "areas.geojson"
# The README's screenshot is refreshed only on request (UPDATE_SCREENSHOTS=1), so a test run
# never dirties the work tree.
SCREENSHOT = ROOT / "docs" / "screenshot-map.png"
ARABIC = re.compile(r"[\u0600-\u06FF]")

# The area polygons and the search index arrive by fetch (webapp/static/js/map-data.js).
MAP_READY = ("() => !!(window.L && window.AHYA_MAP && window.AHYA_MAP.map && window.AHYA_SEARCH"
             " && window.AHYA_MAP.areasLoaded)")
TILES_LOADED = """() => {
  const tiles = document.querySelectorAll('.leaflet-tile-pane img.leaflet-tile');
  return tiles.length > 0 && [...tiles].every(t => t.classList.contains('leaflet-tile-loaded'));
}"""
# Paths of the area layer that are drawn in the map's SVG.
AREA_PATHS = """() => window.AHYA_MAP.areas.getLayers().filter(
  l => l._path && l._path.isConnected && l._path.tagName.toLowerCase() === 'path'
       && l._path.ownerSVGElement && l._path.closest('.leaflet-container')).length"""


@pytest.fixture(scope="module")
def area_features() -> list[dict]:
    return json.loads(AREAS.read_text(encoding="utf-8"))["features"]


def _bbox(geometry: dict) -> tuple[float, float, float, float]:
    def points(coords):
        if isinstance(coords[0], (int, float)):
            yield coords
        else:
            for c in coords:
                yield from points(c)

    xs, ys = zip(*((p[0], p[1]) for p in points(geometry["coordinates"])), strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def center_inside(bbox: tuple[float, float, float, float], min_zoom: int = 0) -> str:
    """JS predicate: the map's centre is inside ``bbox`` (lon/lat) at ``min_zoom`` or closer."""
    minx, miny, maxx, maxy = bbox
    return ("() => { const c = AHYA_MAP.map.getCenter();"
            f" return c.lat > {miny} && c.lat < {maxy} && c.lng > {minx} && c.lng < {maxx}"
            f" && AHYA_MAP.map.getZoom() >= {min_zoom}; }}")


def open_map(page, path: str = "/"):
    page.goto(path)
    page.wait_for_function(MAP_READY)
    return page


def search(page, text: str) -> list[str]:
    """Type ``text`` in the search box the way a user would and return the result slugs."""
    page.fill("#place-search", text)
    page.dispatch_event("#place-search", "keyup")
    expect(page.locator("#place-results li").first).to_be_attached()
    return page.eval_on_selector_all("#place-results li[data-slug]", "els => els.map(e => e.dataset.slug)")


def test_map_loads_in_arabic(page, network):
    open_map(page)
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert page.evaluate("typeof window.L") == "object"
    assert page.evaluate("!!AHYA_MAP.map.getContainer() && AHYA_MAP.map.getContainer().isConnected")
    assert page.evaluate("AHYA_MAP.map.getContainer().classList.contains('leaflet-container')")
    expect(page.locator("#place-search")).to_have_attribute("placeholder", ARABIC)
    page.wait_for_function(TILES_LOADED)
    assert network.console_errors == []


def test_all_areas_are_drawn(page, network, area_features):
    open_map(page)
    n = len(area_features)
    assert n > 0
    page.wait_for_function(f"() => ({AREA_PATHS})() === {n}")
    assert page.evaluate("AHYA_MAP.areas.getLayers().length") == n
    # Every interactive SVG path is an area or a place without a polygon.
    lone_places = page.evaluate("AHYA_MAP.places.getLayers().length")
    expect(page.locator("path.leaflet-interactive")).to_have_count(n + lone_places)
    slugs = page.evaluate("AHYA_MAP.areas.getLayers().map(l => l.feature.properties.slug)")
    assert sorted(slugs) == sorted(f["properties"]["slug"] for f in area_features)
    assert network.console_errors == []


def test_only_local_and_stubbed_tile_requests(page, network):
    open_map(page)
    page.wait_for_function(TILES_LOADED)
    assert network.tiles, "no tile was requested"
    assert all(re.fullmatch(r"https://tiles\.example\.test/\d+/\d+/\d+\.png", u) for u in network.tiles)
    # Stubbed tiles arrived as images (Leaflet marks them loaded, not errored).
    expect(page.locator("img.leaflet-tile-loaded").first).to_be_attached()
    expect(page.locator("img.leaflet-tile-error")).to_have_count(0)
    assert network.violations == []
    assert network.foreign_requests() == []
    assert any(u.endswith("/vendor/leaflet/leaflet.js") for u in network.requests)
    assert network.console_errors == []


def test_search_arabic_moves_map_to_silwan(page, network, area_features):
    open_map(page)
    silwan = next(f for f in area_features if f["properties"]["slug"] == "silwan")
    bbox = _bbox(silwan["geometry"])
    # Start somewhere else so the move is visible.
    page.evaluate("AHYA_MAP.map.setView([31.84, 35.18], 13, {animate: false})")
    assert not page.evaluate(center_inside(bbox))

    slugs = search(page, "سلوان")
    assert slugs and slugs[0] == "silwan"
    expect(page.locator("#place-results")).to_be_visible()
    first_name = page.locator("#place-results li:first-child span").first
    expect(first_name).to_have_text(silwan["properties"]["name_ar"])

    page.press("#place-search", "Enter")
    page.wait_for_function(center_inside(bbox, min_zoom=14))
    expect(page.locator("#place-results")).to_be_hidden()
    expect(page.locator("#place-search")).to_have_value(silwan["properties"]["name_ar"])
    assert network.console_errors == []


def test_search_click_result(page, area_features):
    open_map(page)
    page.evaluate("AHYA_MAP.map.setView([31.84, 35.18], 13, {animate: false})")
    silwan = next(f for f in area_features if f["properties"]["slug"] == "silwan")
    search(page, "سلوان")
    page.click("#place-results li[data-slug='silwan']")
    page.wait_for_function(center_inside(_bbox(silwan["geometry"]), min_zoom=14))
    expect(page.locator("#place-results")).to_be_hidden()


@pytest.mark.parametrize(("query", "expected"), [("Silwan", "silwan"), ("Qatamon", "qatamon-1948")])
def test_search_latin_names(page, network, query, expected):
    open_map(page)
    slugs = search(page, query)
    assert slugs, f"no result for {query!r}"
    assert slugs[0] == expected
    assert network.console_errors == []


def test_language_switch_to_english_is_remembered(page, network):
    open_map(page)
    page.click("#lang-switch")
    expect(page).to_have_url(re.compile(r"[?&]lang=en\b"))
    page.wait_for_function(MAP_READY)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    search_box = page.locator("#place-search")
    expect(search_box).to_have_attribute("placeholder", re.compile(r"^Find a neighborhood"))
    expect(search_box).not_to_have_attribute("placeholder", ARABIC)
    placeholder = search_box.get_attribute("placeholder")

    open_map(page, "/")  # no ?lang=: the session remembers English
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(search_box).to_have_attribute("placeholder", placeholder)
    assert network.console_errors == []


def test_map_container_stays_ltr_in_rtl_page(page):
    open_map(page)
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('.leaflet-container')).direction") == "ltr"


def test_hover_shows_arabic_tooltip_first(page, network):
    open_map(page)
    page.wait_for_function(f"() => ({AREA_PATHS})() > 0")
    # An area whose own path is on top at its centre, in page coordinates.
    target = page.evaluate("""() => {
      const map = AHYA_MAP.map, box = map.getContainer().getBoundingClientRect();
      for (const layer of AHYA_MAP.areas.getLayers()) {
        const p = map.latLngToContainerPoint(layer.getCenter());
        const x = box.left + p.x, y = box.top + p.y;
        if (x < box.left + 80 || x > box.right - 80 || y < box.top + 80 || y > box.bottom - 80) continue;
        if (document.elementFromPoint(x, y) === layer._path) {
          return {x, y, slug: layer.feature.properties.slug};
        }
      }
      return null;
    }""")
    assert target, "no area polygon is hoverable at its centre"
    page.mouse.move(target["x"] - 20, target["y"] - 20)
    page.mouse.move(target["x"], target["y"], steps=5)
    tip = page.locator(".leaflet-tooltip .ahya-tip")
    expect(tip).to_be_visible()
    expect(tip).to_have_attribute("dir", "rtl")
    expect(tip.locator("b")).to_have_text(ARABIC, use_inner_text=True)
    main = tip.locator("b").inner_text()
    # The tooltip's text starts with the Arabic name (an Arabic letter first).
    expect(tip).to_have_text(re.compile("^\\s*" + re.escape(main)), use_inner_text=True)
    text = tip.inner_text().strip()
    assert text.startswith(main)
    assert ARABIC.match(text), text
    assert network.console_errors == []


def test_fullscreen_and_locate_controls(page, network):
    open_map(page)
    for control in ("#ahya-fullscreen", "#ahya-locate"):
        button = page.locator(f".leaflet-control-container {control}")
        expect(button).to_be_visible()
        expect(button).to_have_attribute("role", "button")
        expect(button).to_have_attribute("aria-label", ARABIC)
    assert network.console_errors == []


def test_screenshot_of_arabic_map(page, network, area_features, tmp_path):
    target = SCREENSHOT if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path / "map.png"
    open_map(page)
    page.wait_for_function(f"() => ({AREA_PATHS})() === {len(area_features)}")
    page.wait_for_function(TILES_LOADED)
    # Let the fade-in of the last tiles finish (CSS opacity transition), then shoot.
    page.wait_for_function("""() => [...document.querySelectorAll('img.leaflet-tile')]
      .every(t => getComputedStyle(t).opacity === '1')""")
    page.mouse.move(0, 0)
    target.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
    assert network.violations == []
    assert network.console_errors == []
