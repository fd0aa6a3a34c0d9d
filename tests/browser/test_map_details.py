"""What a new user meets on the maps: clusters that say what they hold, a legend for every symbol,
a searched place marked, the pick map's areas, Leaflet's labels in Arabic, a visible focus ring,
the controls first in the keyboard order, and the city fitted once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

READY = "() => !!(window.AHYA_READY && AHYA_MAP.reports && AHYA_MAP.reports.loaded)"


@pytest.fixture
def demo(live_app, fresh_data):
    result = live_app.test_cli_runner().invoke(args=["demo", "load", "--count", "150", "--seed", "3"])
    assert result.exit_code == 0, result.output


def _rgb(value: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", value)[:3])


def _luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_city_clusters_tell_challenges_from_initiatives_in_category_colours(page, demo):
    page.goto("/?lang=ar")
    page.wait_for_function(READY)
    assert page.evaluate("AHYA_MAP.map.getZoom()") <= 15
    parts = page.locator(".ahya-cluster-part")
    expect(parts.first).to_be_visible()
    found = page.evaluate("""() => [...document.querySelectorAll('.ahya-cluster-part')].map(p => ({
        kind: p.classList.contains('challenge') ? 'challenge' : 'initiative',
        radius: getComputedStyle(p).borderTopLeftRadius, colour: getComputedStyle(p).backgroundColor}))""")
    kinds = {f["kind"] for f in found}
    assert kinds == {"challenge", "initiative"}
    # Circles for challenges, squares for initiatives (as the single markers and the legend).
    assert {f["radius"] for f in found if f["kind"] == "challenge"} == {"50%"}
    assert all(f["radius"] != "50%" for f in found if f["kind"] == "initiative")
    # Coloured by their most frequent category: the taxonomy's colours, several of them.
    conf = page.evaluate("JSON.parse(document.getElementById('ahya-reports').textContent)")
    palette = {_rgb_hex(c["colour"]) for kind in conf["categories"].values() for c in kind}
    colours = {_rgb(f["colour"]) for f in found}
    assert len(colours) >= 4 and colours <= palette
    # The legend explains every other symbol too.
    legend = page.locator("#ahya-legend .symbols")
    expect(legend.locator(".ahya-cluster-part")).to_have_count(2)
    for key in ("clusterHelp", "placeHelp", "eastHelp", "otherHelp", "boundaryHelp", "demoHelp"):
        expect(legend).to_contain_text(conf["strings"][key])


def _rgb_hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))


def test_a_searched_place_is_outlined_and_named(page, demo):
    page.goto("/?lang=ar")
    page.wait_for_function(READY)
    page.fill("#place-search", "سلوان")
    page.dispatch_event("#place-search", "keyup")
    option = page.locator("#place-results li[role=option]").first
    expect(option).to_be_visible()
    option.click()
    label = page.locator(".ahya-place-label")
    expect(label).to_have_text("سلوان")
    expect(label).to_be_in_viewport()
    assert page.evaluate("AHYA_MAP.marked.slug") == "silwan"
    # A demo report's popup title is in the page's language whatever it was stored in.
    shown = page.evaluate("""() => AHYA_REPORT_MARKERS(JSON.parse(document.getElementById('ahya-reports')
        .textContent), AHYA_MAP.placeNames).shownTitle({is_demo: true, kind: 'challenge', category: 'housing',
        area: 'silwan', title: '[DEMO] Housing & demolitions in Silwan'})""")
    assert shown.startswith("[تجريبي] ") and "سلوان" in shown
    written = page.evaluate("""() => AHYA_REPORT_MARKERS(JSON.parse(document.getElementById('ahya-reports')
        .textContent), AHYA_MAP.placeNames).shownTitle({is_demo: true, kind: 'challenge', category: 'housing',
        area: 'silwan', title: '[DEMO] <b>our own words</b>'})""")
    assert written == "[DEMO] <b>our own words</b>"  # not the generator's: shown as written
    # Clearing the box removes the mark.
    page.fill("#place-search", "")
    page.dispatch_event("#place-search", "input")
    expect(label).to_have_count(0)


def test_leaflet_labels_are_arabic_on_arabic_pages(page):
    page.goto("/?lang=ar")
    page.wait_for_function("() => !!document.querySelector('.leaflet-control-zoom-in')")
    labels = page.evaluate("""() => [
        document.querySelector('.leaflet-control-zoom-in').title,
        document.querySelector('.leaflet-control-zoom-out').getAttribute('aria-label'),
        document.querySelector('.leaflet-control-layers-toggle').title,
        document.querySelector('.leaflet-control-scale').innerText]""")
    assert labels[:3] == ["تكبير", "تصغير", "الطبقات"]
    assert re.fullmatch(r"\d+ (كم|م)", labels[3].strip()), labels[3]  # metric only, in Arabic
    page.goto("/?lang=en")
    page.wait_for_function("() => !!document.querySelector('.leaflet-control-zoom-in')")
    assert page.get_attribute(".leaflet-control-zoom-in", "title") == "Zoom in"


def test_focus_ring_contrast_and_controls_first_in_keyboard_order(page):
    page.goto("/?lang=ar")
    page.wait_for_function("() => !!(window.AHYA_MAP && AHYA_MAP.areasLoaded)")
    # Tab from the search box: the map's controls come before any area polygon.
    page.focus("#place-search")
    order = []
    for _ in range(12):
        page.keyboard.press("Tab")
        order.append(page.evaluate("""() => { const a = document.activeElement;
            return a.closest('.leaflet-control') ? 'control'
                 : a.closest('.leaflet-pane') ? 'pane' : a.id || a.tagName; }"""))
        if order[-1] == "control":
            break
    assert "control" in order and "pane" not in order, order
    # The ring: at least 3:1 against the page behind it (WCAG 2.2).
    page.focus(".leaflet-control-zoom-in")
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    ring = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }""")
    assert ring[0] == "solid" and float(ring[1].rstrip("px")) >= 2
    assert contrast(_rgb(ring[2]), (255, 255, 255)) >= 3
    assert contrast(_rgb(ring[2]), (232, 232, 228)) >= 3  # the grey map without tiles
    # On the dark header, the ring is light.
    page.focus(".site-header a")
    page.keyboard.press("Tab")
    header = page.evaluate("""() => [getComputedStyle(document.activeElement).outlineColor,
                                     getComputedStyle(document.querySelector('.site-header')).backgroundColor]""")
    assert contrast(_rgb(header[0]), _rgb(header[1])) >= 3


def test_the_city_is_fitted_once(page, network):
    """Tiles are asked for once, at the fitted view: none for the view before the fit."""
    page.goto("/?lang=ar")
    page.wait_for_function("() => !!window.AHYA_READY")
    page.wait_for_load_state("networkidle")
    zoom = page.evaluate("AHYA_MAP.map.getZoom()")
    tiles = [tuple(int(v) for v in re.search(r"/(\d+)/(\d+)/(\d+)\.png", u).groups()) for u in network.tiles]
    assert tiles and {z for z, _, _ in tiles} == {zoom}
    visible = page.evaluate("""() => { const b = AHYA_MAP.map.getPixelBounds(), s = 256;
        return [b.min.x, b.min.y, b.max.x, b.max.y].map(v => Math.floor(v / s)); }""")
    x0, y0, x1, y1 = visible
    # Leaflet loads the tiles the view covers, no more: any other was for a view before the fit.
    outside = [t for t in tiles if not (x0 <= t[1] <= x1 and y0 <= t[2] <= y1)]
    assert outside == [], outside
    assert len(tiles) == len(set(tiles))


def test_pick_map_draws_the_areas_with_their_names(page, network, demo):
    page.goto("/suggest?lang=ar")
    page.wait_for_function("() => document.getElementById('pick-map').dataset.areasLoaded === '1'")
    paths = page.locator("#pick-map .leaflet-overlay-pane path")
    assert paths.count() > 50
    # Hover an area: its name shows; a click there still sets the point.
    box = page.locator("#pick-map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#pick-map .leaflet-tooltip")).to_be_visible()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.input_value("#lat") and page.input_value("#lon")
    assert not network.console_errors
