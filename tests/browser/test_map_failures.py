"""The map when its data cannot be fetched: a visible, translated message, and AHYA_READY all the same."""

from __future__ import annotations

import re

import pytest

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
    assert notice.is_visible()
    assert ARABIC.search(notice.text_content())  # the page is in Arabic, so is the message
    assert page.get_attribute("#ahya-map-notice", "role") == "alert"
    assert page.evaluate("AHYA_MAP.areasFailed && AHYA_MAP.areas.getLayers().length === 0")
    assert not page.locator("#ahya-places-error").count()  # the search index did load
    # The notice sits over the map, inside its frame.
    assert page.evaluate("AHYA_MAP.map.getContainer().contains(document.getElementById('ahya-map-notice'))")
    assert _uncaught(network) == []


def test_failed_search_index_shows_a_message_in_english(page, network):
    page.route(PLACES_URL, _fail("500"))
    page.goto("/?lang=en")
    page.wait_for_function("() => window.AHYA_READY === true && !!window.AHYA_SEARCH")
    notice = page.locator("#ahya-places-error")
    assert notice.is_visible()
    assert "place search could not be loaded" in notice.text_content()
    assert not page.locator("#ahya-areas-error").count()
    # Typing in the search box says why nothing is found.
    page.fill("#place-search", "Silwan")
    page.dispatch_event("#place-search", "keyup")
    page.wait_for_selector("#place-results li.none")
    assert "could not be loaded" in page.text_content("#place-results li.none")
    assert _uncaught(network) == []


def test_failed_reports_request_still_sets_ready(page, network):
    page.route(REPORTS_URL, _fail("abort"))
    page.goto("/")
    page.wait_for_function("() => window.AHYA_READY === true")
    assert page.evaluate("!!AHYA_MAP.reports.error")
    assert page.locator("#ahya-map-notice").count() == 0  # polygons and index are fine
    assert page.evaluate("AHYA_MAP.areas.getLayers().length") > 0
    assert _uncaught(network) == []


def test_no_notice_when_everything_loads(page, network):
    page.goto("/")
    page.wait_for_function("() => window.AHYA_READY === true")
    assert page.locator("#ahya-map-notice").count() == 0
    assert network.console_errors == []
