"""A map layer added in the browser (issue 18 item 4, issue 19 item 2): an admin uploads it on
/admin/layers with its colour, titles and popup, previews it; on the public map the overlay,
off by default, is fetched only when switched on and shows that colour, a legend entry and the
popup text (file values as text, never HTML)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.test_choropleth_filters import rgb, toggle_overlay
from tests.browser.test_report_form import log_in

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "layers-admin@example.org", "layers admin battery staple"
COLOUR = "#1b9e77"
LISTED = "() => window.AHYA_MAP && window.AHYA_MAP.overlays && window.AHYA_MAP.overlays.wells"
#: Parcels of the large layer: 60 vertices each, ~1 KB of GeoJSON each, well over SMALL_BYTES.
N = 600
HOSTILE = "<img src=x onerror=\"window.__xss=1\"><b>bold</b>"


@pytest.fixture
def admin(live_app, fresh_data):
    from webapp.extensions import db
    from webapp.store.accounts import create_user

    with live_app.app_context():
        create_user(EMAIL, PASSWORD, role="admin")
        db.session.remove()


@pytest.fixture
def no_overlays(live_app):
    """The live server is shared: no overlay before this test, none left after it."""
    from webapp.extensions import db
    from webapp.store import overlays

    def clear():
        with live_app.app_context():
            for meta in overlays.listing():
                overlays.remove(meta["name"])
            db.session.remove()

    clear()
    yield
    clear()


@pytest.fixture
def wells(tmp_path):
    features = [{"type": "Feature",
                 "properties": {"name": f"Well {i}", "note": HOSTILE if i == 0 else f"note {i}",
                                "secret": "not sent"},
                 "geometry": {"type": "Point", "coordinates": [35.225 + 0.004 * i, 31.775 + 0.002 * i]}}
                for i in range(3)]
    path = tmp_path / "wells.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_admin_adds_a_layer_and_the_map_shows_its_colour_legend_and_popup(page, network, admin, no_overlays,
                                                                          wells):
    log_in(page, EMAIL, PASSWORD)
    page.goto("/admin/layers?lang=en")
    page.set_input_files("#files", str(wells))
    page.fill("#title_en", "Village wells")
    page.fill("#title_ar", "آبار القرى")
    page.fill("#color", COLOUR)
    page.fill("#popup", "name, note")
    page.fill("#radius", "9")
    page.uncheck("#visible")
    with page.expect_navigation():
        page.click("#layer-upload button[type=submit]")
    assert page.url.endswith("/admin/layers/wells")
    # The preview: the served data in the saved style, with its legend entry.
    expect(page.locator("#layer-preview")).to_have_attribute("data-loaded", "3")
    assert page.locator("#layer-preview .leaflet-overlay-pane path").count() == 3
    assert page.locator("#layer-preview .leaflet-overlay-pane path").first.get_attribute("stroke") == COLOUR
    expect(page.locator("#layer-preview-legend")).to_contain_text("Village wells")

    requests_before = len(network.requests)
    page.goto("/?lang=en")
    page.wait_for_function(LISTED)
    # Off by default: listed, not fetched, no legend yet.
    assert not [u for u in network.requests[requests_before:] if "/map/overlays/" in u]
    expect(page.locator("#ahya-overlay-legend")).to_have_count(0)
    toggle_overlay(page, "Village wells")
    page.wait_for_function("() => window.AHYA_MAP.overlays.wells.loaded === 0")
    assert [u for u in network.requests[requests_before:] if "/map/overlays/wells.geojson" in u]
    paths = page.locator(".leaflet-ahya-overlay-0-pane path")
    expect(paths).to_have_count(3)
    assert {paths.nth(i).get_attribute("stroke") for i in range(3)} == {COLOUR}
    assert paths.first.get_attribute("fill") == COLOUR
    # The legend entry: the title beside a swatch in the layer's colour.
    entry = page.locator("#ahya-overlay-legend li[data-overlay=wells]")
    expect(entry).to_contain_text("Village wells")
    swatch = entry.locator(".ahya-overlay-swatch")
    assert swatch.evaluate("s => getComputedStyle(s).borderTopColor") == rgb(COLOUR)
    # The popup lists the chosen attributes as text: the file's markup is shown, not run.
    page.evaluate("""() => window.AHYA_MAP.overlays.wells.layer.eachLayer(m => {
                             if (m.feature.properties.name === 'Well 0') { m.openPopup(); } })""")
    popup = page.locator(".leaflet-popup .ahya-overlay-popup")
    expect(popup).to_contain_text("Well 0")
    assert popup.locator("dd").nth(1).inner_text() == HOSTILE
    assert popup.locator("img, b").count() == 0
    assert "not sent" not in popup.inner_text() and page.evaluate("() => window.__xss") is None
    # A click on a marker opens its popup too. Dispatched on the marker itself: the three wells are
    # a few pixels apart at city zoom, and a pointer click at a busy moment could land on a neighbour.
    page.locator(".leaflet-popup-close-button").click()
    expect(popup).to_have_count(0)
    paths.nth(2).dispatch_event("click")
    expect(popup).to_contain_text("note 2")
    # The Arabic map shows the Arabic title in the layer list.
    page.goto("/?lang=ar")
    page.wait_for_function(LISTED)
    expect(page.locator(".leaflet-control-layers-overlays")).to_contain_text("آبار القرى")
    assert network.violations == [] and network.console_errors == [], network.console_errors


@pytest.fixture
def parcels(live_app, no_overlays):
    """A large polygon overlay (~700 KB stored), on by default: served in zoom tiers."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from webapp.extensions import db
    from webapp.store import overlays

    angles = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    polys = [shapely.Polygon(np.c_[35.21 + (i % 30) * 0.0016 + 0.0006 * np.cos(angles),
                                   31.76 + (i // 30) * 0.0016 + 0.0006 * np.sin(angles)]) for i in range(N)]
    gdf = gpd.GeoDataFrame({"name": [f"parcel {i}" for i in range(N)]}, geometry=polys, crs=4326)
    with live_app.app_context():
        overlays.save("parcels", gdf, {"title": "Parcels", "features": N, "geometry_types": ["Polygon"],
                                       "attributes": ["name"], "name_field": "name"})
        db.session.remove()


def test_a_large_layer_is_fetched_again_when_the_zoom_crosses_a_tier(page, network, parcels):
    page.goto("/?lang=en")
    page.wait_for_function(LISTED.replace("wells", "parcels"))
    zooms = json.loads(page.locator("#ahya-overlays").text_content())[0]["zooms"]
    assert len(zooms) > 1
    # On by default: the tier of the city view is fetched at once, and only it.
    zoom = page.evaluate("() => window.AHYA_MAP.map.getZoom()")
    first = next(i for i, z in enumerate(zooms) if zoom <= z)
    page.wait_for_function(f"() => window.AHYA_MAP.overlays.parcels.loaded === {first}")
    fetched = [u for u in network.requests if "/map/overlays/parcels.geojson" in u]
    assert len(fetched) == 1 and f"tier={first}" in fetched[0]
    expect(page.locator("#ahya-overlay-legend")).to_contain_text("Parcels")
    # Zoomed into a street: the exact tier replaces it.
    page.evaluate("() => window.AHYA_MAP.map.setView([31.77, 35.23], 18, {animate: false})")
    last = len(zooms) - 1
    page.wait_for_function(f"() => window.AHYA_MAP.overlays.parcels.loaded === {last}")
    assert any(f"tier={last}" in u for u in network.requests if "/map/overlays/parcels.geojson" in u)
    assert network.console_errors == [], network.console_errors
