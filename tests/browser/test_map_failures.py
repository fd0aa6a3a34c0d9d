"""The map when its data cannot be fetched: a visible, translated message, and AHYA_READY all the same."""

from __future__ import annotations

import re

import pytest

from tests.browser.expectations import expect

pytestmark = pytest.mark.browser

AREAS_URL = re.compile(r"/map/(ar|en)/areas\.geojson")
PLACES_URL = re.compile(r"/map/places\.json")
REPORTS_URL = re.compile(r"/api/v1/(clusters|reports)\b")
ARABIC = re.compile(r"[\u0600-\u06FF]")


def _fail(how: str):
    """A route handler: answer 500, or drop the connection."""
    def handle(route):
        if how == "500":
            route.fulfill(status=500, content_type="text/plain", body="boom")
        else:
            route.abort("connectionreset")
    return handle


def _uncaught(network) -> list[str]:
    return [e for e in network.console_errors if e.startswith("uncaught")]


@pytest.mark.parametrize("how", ["500", "abort"])
def test_failed_polygons_show_a_message_and_the_map_is_ready(page, network, how):
    page.route(AREAS_URL, _fail(how))
    page.goto("/")
    page.wait_for_function("() => window.AHYA_READY === true")
    notice = page.locator("#ahya-map-notice #ahya-areas-error")
    expect(notice).to_be_visible()
    expect(notice).to_have_text(ARABIC)  # the page is in Arabic, so is the message
    expect(page.locator("#ahya-map-notice")).to_have_attribute("role", "alert")
    assert page.evaluate("AHYA_MAP.areasFailed && AHYA_MAP.areas.getLayers().length === 0")
    expect(page.locator("#ahya-places-error")).to_have_count(0)  # the search index did load
    # The notice sits over the map, inside its frame.
    assert page.evaluate("AHYA_MAP.map.getContainer().contains(document.getElementById('ahya-map-notice'))")
    assert _uncaught(network) == []


def test_failed_search_index_shows_a_message_in_english(page, network):
    page.route(PLACES_URL, _fail("500"))
    page.goto("/?lang=en")
    page.wait_for_function("() => window.AHYA_READY === true && !!window.AHYA_SEARCH")
    notice = page.locator("#ahya-places-error")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("place search could not be loaded")
    expect(page.locator("#ahya-areas-error")).to_have_count(0)
    # Typing in the search box says why nothing is found.
    page.fill("#place-search", "Silwan")
    page.dispatch_event("#place-search", "keyup")
    expect(page.locator("#place-results li.none")).to_contain_text("could not be loaded")
    assert _uncaught(network) == []


def test_failed_reports_request_still_sets_ready(page, network):
    page.route(REPORTS_URL, _fail("abort"))
    page.goto("/")
    page.wait_for_function("() => window.AHYA_READY === true")
    assert page.evaluate("!!AHYA_MAP.reports.error")
    expect(page.locator("#ahya-map-notice")).to_have_count(0)  # polygons and index are fine
    assert page.evaluate("AHYA_MAP.areas.getLayers().length") > 0
    assert _uncaught(network) == []


def test_no_notice_when_everything_loads(page, network):
    page.goto("/")
    page.wait_for_function("() => window.AHYA_READY === true")
    expect(page.locator("#ahya-map-notice")).to_have_count(0)
    assert network.console_errors == []
