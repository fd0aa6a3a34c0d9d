"""A topic page in a real browser: its framed map is filtered to the category and shaded by it."""

from __future__ import annotations

import pytest

from tests.browser.expectations import expect
from tests.browser.test_choropleth_filters import demo  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser


def test_the_framed_map_shows_the_category_shaded(page, network, demo):  # noqa: F811
    page.goto("/topics/housing")
    expect(page.locator("h1")).to_have_text("السكن والهدم")
    frame = page.frame_locator("iframe.topic-map-frame")
    expect(frame.locator(".leaflet-container")).to_be_visible()
    inner = next(f for f in page.frames if "/embed" in f.url)
    inner.wait_for_function("() => !!(window.AHYA_MAP && AHYA_MAP.reports && AHYA_MAP.reports.loaded"
                            " && AHYA_MAP.choropleth && AHYA_MAP.choropleth.loaded)")
    assert inner.evaluate("AHYA_MAP.reports.query") == "kind=challenge&category=housing"
    assert inner.evaluate("AHYA_MAP.map.hasLayer(AHYA_MAP.choropleth.layer)")
    assert inner.evaluate("AHYA_MAP.choropleth.category") == "housing"
    # The trend: a chart with its table, the same numbers as the API's.
    body = page.request.get("/api/v1/trends?kind=challenge&category=housing&by=year").json()
    shown = page.locator(".trend-table tbody tr td[data-count]").evaluate_all(
        "els => els.map(e => e.dataset.count)")
    assert shown == [str(p["count"]) for p in body["periods"]]
    assert network.console_errors == []
