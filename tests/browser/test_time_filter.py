"""The map's time control in a real browser: a year range, the last 12 months and all time set the
dates, the address keeps them, and points, clusters and the choropleth follow."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.expectations import expect
from tests.browser.test_choropleth_filters import api, demo, open_map  # noqa: F401  (demo: a fixture)
from tests.browser.test_reports_layer import RENDERED, VIEW_BBOX

pytestmark = pytest.mark.browser


def url_args(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_a_year_range_filters_points_clusters_and_choropleth(page, network, demo):  # noqa: F811
    open_map(page)
    page.click("#map-filters summary")
    expect(page.locator("#filter-time")).to_be_visible()
    expect(page.locator("#time-all")).to_have_attribute("aria-pressed", "true")
    year = page.evaluate("document.querySelector('#time-from').options[1].value")  # this year
    page.select_option("#time-from", year)
    query = f"since={year}-01-01"
    page.wait_for_function(f"() => AHYA_MAP.reports.loaded && AHYA_MAP.reports.query === '{query}'")
    expect(page.locator("#filter-since")).to_have_value(f"{year}-01-01")
    assert url_args(page)["since"] == [f"{year}-01-01"]
    view = page.evaluate(VIEW_BBOX)
    expected = api(page, f"/api/v1/reports?limit=5000&{query}&bbox={view}")["count"]
    assert expected < demo
    page.wait_for_function(f"() => ({RENDERED})() === {expected}")
    page.wait_for_function("() => AHYA_MAP.choropleth.loaded"
                           f" && AHYA_MAP.choropleth.query.includes('{query}')")
    # Zoomed out, the clusters are asked for with the same dates.
    page.evaluate("AHYA_MAP.map.setView([31.78, 35.22], 11, {animate: false})")
    page.wait_for_function("() => AHYA_MAP.reports.loaded")
    page.wait_for_timeout(300)
    assert any("/api/v1/clusters?" in u and query in u for u in network.requests), network.requests[-5:]
    # The end year: the range is whole years, both kept in the address.
    page.select_option("#time-to", year)
    page.wait_for_function(f"() => AHYA_MAP.reports.query === '{query}&until={year}-12-31'")
    assert url_args(page)["until"] == [f"{year}-12-31"]
    assert network.console_errors == []


def test_last_12_months_and_all_time_survive_a_reload(page, network, demo):  # noqa: F811
    open_map(page)
    page.click("#map-filters summary")
    page.click("#time-12m")
    since = (dt.date.today().replace(year=dt.date.today().year - 1) + dt.timedelta(days=1)).isoformat()
    page.wait_for_function(f"() => AHYA_MAP.reports.loaded && AHYA_MAP.reports.query === 'since={since}'")
    expect(page.locator("#time-12m")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#time-all")).to_have_attribute("aria-pressed", "false")
    shared = page.url
    assert url_args(page)["since"] == [since]

    page.goto("about:blank")
    open_map(page, shared)
    expect(page.locator("#map-filters")).to_have_attribute("open", "")  # a filter is active: opened
    expect(page.locator("#time-12m")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("AHYA_MAP.reports.query") == f"since={since}"
    page.click("#time-all")
    page.wait_for_function("() => AHYA_MAP.reports.loaded && AHYA_MAP.reports.query === ''")
    assert "since" not in url_args(page)
    assert page.evaluate("AHYA_MAP.reports.count") == demo
    expect(page.locator("#time-all")).to_have_attribute("aria-pressed", "true")
    assert network.console_errors == []


def test_the_legend_links_each_challenge_category_to_its_topic_page(page, network, demo):  # noqa: F811
    open_map(page)
    links = page.locator("#ahya-legend a.legend-topic")
    expect(links.first).to_be_attached()
    hrefs = links.evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert "/topics/housing" in hrefs and all(h.startswith("/topics/") for h in hrefs)
    page.goto(hrefs[hrefs.index("/topics/housing")])
    expect(page.locator("h1")).to_have_text("السكن والهدم")
    expect(page.locator("svg.trend-chart")).to_be_visible()
    assert network.console_errors == []
