"""The map's filters, choropleth, heatmap and profile links in a real browser, checked against the API."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.expectations import expect, expect_number
from tests.browser.test_reports_layer import RENDERED, VIEW_BBOX

pytestmark = pytest.mark.browser

READY = """() => !!(window.AHYA_MAP && AHYA_MAP.reports && AHYA_MAP.reports.loaded
                    && AHYA_MAP.choropleth && AHYA_MAP.choropleth.loaded)"""
# [slug, fill colour] of every drawn choropleth polygon, and [class, swatch colour] of the legend.
PATH_FILLS = """() => AHYA_MAP.choropleth.layer.getLayers().filter(l => l._path && l._path.isConnected)
  .map(l => [l.feature.properties.slug, l._path.getAttribute('fill')])"""
SWATCHES = """() => [...document.querySelectorAll('#choropleth-legend li')]
  .map(li => [Number(li.dataset.class), li.querySelector('.swatch').style.backgroundColor,
              li.querySelector('.range').textContent])"""


@pytest.fixture
def demo(live_app, fresh_data):
    runner = live_app.test_cli_runner()
    runner.invoke(args=["demo", "clear"])
    result = runner.invoke(args=["demo", "load", "--count", "150", "--seed", "3"])
    assert result.exit_code == 0, result.output
    yield 150
    runner.invoke(args=["demo", "clear"])


def open_map(page, path="/"):
    page.goto(path)
    page.wait_for_function(READY)
    return page


def strings(page) -> dict:
    return json.loads(page.text_content("#ahya-filters"))["strings"]


def url_args(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def api(page, path: str) -> dict:
    resp = page.request.get(path)
    assert resp.ok, resp.text()
    return resp.json()


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def toggle_overlay(page, label: str) -> None:
    page.hover(".leaflet-control-layers")
    page.locator(".leaflet-control-layers-overlays label").filter(has_text=label).locator("input").check()
    page.mouse.move(5, 400)  # let the layer control collapse again


def check_choropleth(page, measure: str) -> None:
    """Legend rows = the API's classes plus "0"; each polygon has its class's swatch colour."""
    body = api(page, f"/api/v1/areas?geometry=none&measure={measure}")
    ranges = body["classes"]["ranges"]
    assert ranges, "the demo data should give at least one class"
    expect(page.locator("#choropleth-legend li")).to_have_count(len(ranges) + 1)
    swatches = page.evaluate(SWATCHES)
    assert [s[0] for s in swatches] == list(range(-1, len(ranges)))
    assert [s[2] for s in swatches] == ["0"] + [str(lo) if lo == hi else f"{lo}–{hi}" for lo, hi in ranges]
    colour_of = {cls: colour for cls, colour, _ in swatches}
    assert len(set(colour_of.values())) == len(ranges) + 1
    fills = dict(page.evaluate(PATH_FILLS))
    classes = {f["id"]: f["properties"]["class"] for f in body["features"]}
    assert set(fills) == set(classes)
    assert {slug: rgb(fill) for slug, fill in fills.items()} == {s: colour_of[c] for s, c in classes.items()}
    # As many colours on the map as classes in the API's answer (every class is used).
    assert len(set(fills.values())) == len(set(classes.values())) == len(ranges) + 1


def test_choropleth_classes_and_legend_follow_the_api(page, network, demo):
    open_map(page)
    expect(page.locator("path.ahya-choropleth")).to_have_count(0)  # off by default
    toggle_overlay(page, strings(page)["choropleth"])
    expect(page.locator("#choropleth-legend")).to_be_visible()
    page.wait_for_function("() => new URLSearchParams(location.search).get('choropleth') === 'challenge'")
    check_choropleth(page, "challenge")

    page.select_option("#choropleth-measure", "initiative")
    page.wait_for_function("() => AHYA_MAP.choropleth.loaded"
                           " && /measure=initiative/.test(AHYA_MAP.choropleth.query)")
    check_choropleth(page, "initiative")
    assert url_args(page)["choropleth"] == ["initiative"]
    assert network.console_errors == [] and network.foreign_requests() == []


def test_category_filter_changes_the_url_and_the_markers(page, network, demo):
    open_map(page)
    total = page.evaluate("AHYA_MAP.reports.count")
    assert total == demo
    page.click("#map-filters summary")
    page.check("#map-filters-form input[name=category][value=housing]")
    page.wait_for_function("() => AHYA_MAP.reports.loaded && AHYA_MAP.reports.query === 'category=housing'")
    assert url_args(page)["category"] == ["housing"]
    view = page.evaluate(VIEW_BBOX)
    expected = api(page, f"/api/v1/reports?limit=5000&category=housing&bbox={view}")["count"]
    assert 0 < expected < total
    page.wait_for_function(f"() => ({RENDERED})() === {expected}")
    expect_number(page.locator("#filter-status"), expected, alone=False)
    # The area counts follow the same filters.
    page.wait_for_function("() => AHYA_MAP.choropleth.loaded"
                           " && /category=housing/.test(AHYA_MAP.choropleth.query)")
    expect_number(page.locator("#filter-count"), 1)
    assert network.console_errors == []


def test_reloading_the_url_reproduces_the_view(page, network, demo):
    open_map(page)
    page.click("#map-filters summary")
    page.check("#map-filters-form input[name=kind][value=challenge]")
    page.check("#map-filters-form input[name=category][value=water]")
    page.fill("#filter-since", "2025-01-01")
    page.wait_for_function("() => AHYA_MAP.reports.loaded && AHYA_MAP.reports.query === "
                           "'kind=challenge&category=water&since=2025-01-01'")
    page.evaluate("AHYA_MAP.map.setView([31.7767, 35.2345], 14, {animate: false})")
    toggle_overlay(page, strings(page)["choropleth"])
    page.wait_for_function("() => /z=14/.test(location.search)"
                           " && /choropleth=challenge/.test(location.search)")
    shared = page.url
    before = page.evaluate("[AHYA_MAP.reports.count, AHYA_MAP.choropleth.query]")

    page.goto("about:blank")
    open_map(page, shared)
    expect(page.locator("#map-filters-form input[name=kind][value=challenge]")).to_be_checked()
    expect(page.locator("#map-filters-form input[name=category][value=water]")).to_be_checked()
    expect(page.locator("#map-filters-form input[name=category][value=housing]")).not_to_be_checked()
    expect(page.locator("#filter-since")).to_have_value("2025-01-01")
    assert page.evaluate("AHYA_MAP.reports.query") == "kind=challenge&category=water&since=2025-01-01"
    assert page.evaluate("[AHYA_MAP.reports.count, AHYA_MAP.choropleth.query]") == before
    centre = page.evaluate("[AHYA_MAP.map.getZoom(), AHYA_MAP.map.getCenter().lat,"
                           " AHYA_MAP.map.getCenter().lng]")
    assert centre[0] == 14 and abs(centre[1] - 31.7767) < 1e-4 and abs(centre[2] - 35.2345) < 1e-4
    assert page.evaluate("AHYA_MAP.map.hasLayer(AHYA_MAP.choropleth.layer)")
    assert url_args(page) == parse_qs(urlsplit(shared).query)
    assert network.console_errors == []


def test_a_bad_filter_in_a_link_is_named_and_dropped(page, network, demo):
    open_map(page, "/?category=housing&since=someday")
    expect(page.locator("#filter-message")).to_be_visible()
    assert page.evaluate("AHYA_MAP.reports.query") == "category=housing"
    args = url_args(page)
    assert "since" not in args and args["category"] == ["housing"]
    assert network.console_errors == []


def test_heatmap_of_the_fetched_challenges(page, network, demo):
    open_map(page)
    toggle_overlay(page, strings(page)["heat"])
    expect(page.locator("canvas.leaflet-heatmap-layer")).to_be_visible()
    challenges = api(page, "/api/v1/reports?limit=5000&kind=challenge")["count"]
    # Zoomed out the heat is built from the server's clusters: one weighted point per cell
    # ([lat, lon, challenges]), so the weights, not the points, add up to the challenges.
    weights = page.evaluate("AHYA_MAP.reports.heat._latlngs.reduce((s, p) => s + (p[2] || 1), 0)")
    assert weights == challenges > 0
    assert url_args(page)["heat"] == ["1"]
    assert network.console_errors == []


def test_clicking_an_area_opens_a_popup_with_its_profile_link(page, network, demo):
    open_map(page)
    target = page.evaluate("""() => {
      const map = AHYA_MAP.map, box = map.getContainer().getBoundingClientRect();
      for (const layer of AHYA_MAP.areas.getLayers()) {
        const p = map.latLngToContainerPoint(layer.getCenter());
        const x = box.left + p.x, y = box.top + p.y;
        if (x < box.left + 120 || x > box.right - 320 || y < box.top + 80 || y > box.bottom - 80) continue;
        if (document.elementFromPoint(x, y) === layer._path)
          return {x, y, slug: layer.feature.properties.slug};
      }
      return null;
    }""")
    assert target, "no area polygon is clickable at its centre"
    page.mouse.click(target["x"], target["y"])
    link = page.locator(".leaflet-popup-content .ahya-area-popup a.profile")
    expect(link).to_have_attribute("href", f"/areas/{target['slug']}")
    expect(page.locator(".ahya-area-popup")).to_have_attribute("dir", "rtl")
    assert network.console_errors == []


def test_search_results_link_to_the_profile_and_keep_the_keyboard(page, demo):
    open_map(page)
    page.fill("#place-search", "سلوان")
    page.dispatch_event("#place-search", "keyup")
    first = page.locator("#place-results li[role=option]").first
    expect(first).to_have_attribute("data-slug", "silwan")
    expect(first.locator("a.profile-link")).to_have_attribute("href", "/areas/silwan")
    page.press("#place-search", "Tab")  # the link is reachable from the search box
    expect(page.locator(":focus")).to_have_attribute("href", "/areas/silwan")
    page.focus("#place-search")
    page.press("#place-search", "ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    page.press("#place-search", "Enter")
    expect(page.locator("#place-results")).to_be_hidden()


def test_panel_sits_on_the_reading_side(page, demo):
    open_map(page)
    expect(page.locator(".leaflet-top.leaflet-right #map-filters")).to_have_count(1)
    open_map(page, "/?lang=en")
    expect(page.locator(".leaflet-top.leaflet-left #map-filters")).to_have_count(1)
    expect(page.locator("#map-filters")).to_have_attribute("dir", "ltr")
    # Keyboard: the summary opens the panel and the fields have labels.
    page.focus("#map-filters summary")
    page.keyboard.press("Enter")
    expect(page.locator("#map-filters")).to_have_js_property("open", True)
    for field in ("filter-area", "filter-since", "filter-until", "filter-q"):
        expect(page.locator(f"label[for={field}]")).to_have_count(1)


def test_a_shared_view_opens_on_a_phone(page, network, demo):
    # folium's first fitBounds zooms with an animation on a small screen: the link's view must win.
    page.set_viewport_size({"width": 390, "height": 760})
    open_map(page, "/?category=housing&z=14&lat=31.77&lon=35.23")
    page.wait_for_function("() => !AHYA_MAP.map._animatingZoom")
    zoom, lat, lon = page.evaluate("[AHYA_MAP.map.getZoom(), AHYA_MAP.map.getCenter().lat,"
                                   " AHYA_MAP.map.getCenter().lng]")
    assert zoom == 14 and lat == pytest.approx(31.77, abs=5e-5) and lon == pytest.approx(35.23, abs=5e-5)
    expect(page.locator("#map-filters")).to_have_js_property("open", False)  # collapsed on phones
    expect_number(page.locator("#filter-count"), 1)
    assert network.console_errors == []
