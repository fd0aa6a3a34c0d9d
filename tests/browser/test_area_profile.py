"""The area profile /areas/silwan in a real browser: outline, markers, counts and the networking links."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from tests.browser.expectations import expect, expect_number

pytestmark = pytest.mark.browser

READY = "() => !!(window.L && window.AHYA_AREA_MAP && window.AHYA_AREA_MAP.map)"
XSS_TITLE = '[DEMO] <img src=x onerror="window.__xss=1"> Silwan <b>test</b>'
# Outline paths actually drawn in the map's SVG.
OUTLINE_PATHS = """() => [...document.querySelectorAll('#area-map .leaflet-overlay-pane svg path')]
  .filter(p => p.getAttribute('d') && p.getBoundingClientRect().width > 50).length"""


def _point_in(app, slug):
    from webapp.store.layers import get_layers

    with app.app_context():
        areas = get_layers().areas
        geom = areas.loc[areas["slug"] == slug].geometry.iloc[0].representative_point()
        return round(geom.x, 6), round(geom.y, 6)


@pytest.fixture
def area_data(live_app, fresh_data):
    """Demo data, plus a housing challenge in Silwan and in at-Tur and an at-Tur housing initiative.

    Everything added is flagged as demo data, so ``demo clear`` removes it afterwards.
    """
    from webapp.extensions import db
    from webapp.store.reporting import create_report

    runner = live_app.test_cli_runner()
    runner.invoke(args=["demo", "clear"])
    result = runner.invoke(args=["demo", "load", "--count", "200", "--seed", "31"])
    assert result.exit_code == 0, result.output
    silwan, tur = _point_in(live_app, "silwan"), _point_in(live_app, "at-tur")

    def add(point, **fields):
        data = {"kind": "challenge", "category": "housing", "title": "[DEMO] Demolition orders",
                "description": "Demo.", "lon": point[0], "lat": point[1], "precision": "approximate",
                "is_demo": True, **fields}
        with live_app.app_context():
            report = create_report(data, user=None, source="organizer", publish=True)
            rid, area = report.id, report.area
            db.session.remove()
        return rid, area

    assert add(silwan, title=XSS_TITLE)[1] == "silwan"
    assert add(tur, title="[DEMO] At-Tur demolition orders")[1] == "at-tur"
    initiative, area = add(tur, kind="initiative", category="legal-aid", title="[DEMO] At-Tur housing clinic",
                           addressed_categories=["housing"])
    assert area == "at-tur"
    yield {"initiative": initiative}
    runner.invoke(args=["demo", "clear"])


def _db(live_app, sql, **params):
    from webapp.extensions import db

    with live_app.app_context():
        rows = db.session.execute(text(sql), params).all()
        db.session.remove()
    return rows


def test_silwan_profile_matches_the_database(page, network, live_app, area_data):
    page.goto("/areas/silwan")
    page.wait_for_function(READY)
    expect(page.locator("h1")).to_have_text("سلوان")

    # The outline is drawn, and the view is zoomed to it.
    page.wait_for_function(f"() => ({OUTLINE_PATHS})() >= 1")
    assert page.evaluate("AHYA_AREA_MAP.map.getZoom()") >= 14
    assert page.evaluate("AHYA_AREA_MAP.outline.getBounds().contains(AHYA_AREA_MAP.map.getCenter())")

    # One marker per published report of the area, with the report's public point.
    rows = _db(live_app, "SELECT id, public_lon, public_lat FROM reports "
                         "WHERE status = 'published' AND area = 'silwan'")
    ids = page.eval_on_selector_all("#area-map .leaflet-marker-pane .ahya-report-marker",
                                    "els => els.map(e => Number(e.dataset.id))")
    assert sorted(ids) == sorted(r[0] for r in rows) and len(ids) >= 2
    points = page.evaluate("AHYA_AREA_MAP.markers.map(m => [m.getLatLng().lng, m.getLatLng().lat])")
    assert sorted(map(tuple, points)) == sorted((r[1], r[2]) for r in rows)

    # The counts shown equal COUNT queries.
    for kind in ("challenge", "initiative"):
        expected = dict(_db(live_app, "SELECT category, COUNT(*) FROM reports WHERE status = 'published' "
                                      "AND area = 'silwan' AND kind = :k GROUP BY category", k=kind))
        expect_number(page.locator(f'dd[data-total="{kind}"]'), sum(expected.values()))
        expect(page.locator(f'.area-chart[data-kind="{kind}"] td[data-key]')).to_have_count(len(expected))
        cells = page.eval_on_selector_all(f'.area-chart[data-kind="{kind}"] td[data-key]',
                                          "els => els.map(e => [e.dataset.key, e.textContent])")
        assert {k: int(v) for k, v in cells} == expected
        expect(page.locator(f"#chart-{kind} .bar-row")).to_have_count(len(expected))
        values = page.eval_on_selector_all(f"#chart-{kind} .bar-row",
                                           "els => els.map(g => [g.dataset.key, "
                                           "g.querySelector('.bar-value').textContent])")
        assert {k: int(v) for k, v in values} == expected
    assert network.foreign_requests() == [] and network.violations == []
    assert network.console_errors == []


def test_popup_text_stays_text(page, area_data):
    page.goto("/areas/silwan")
    page.wait_for_function(READY)
    page.evaluate("""t => AHYA_AREA_MAP.markers.find(m => m.options.title === t).openPopup()""", XSS_TITLE)
    popup = page.locator("#area-map .leaflet-popup-content .ahya-report-popup")
    expect(popup).to_be_visible()
    expect(popup).to_have_attribute("dir", "rtl")
    expect(popup.locator("h3")).to_have_text(XSS_TITLE)
    expect(popup.locator("img, b")).to_have_count(0)
    assert page.evaluate("window.__xss") is None


def test_networking_links_to_an_area_with_the_same_challenge(page, network, area_data):
    page.goto("/areas/silwan")
    housing = page.locator('.network-category[data-category="housing"]')
    link = housing.locator('a[data-slug="at-tur"]')
    expect(link).to_have_count(1)
    initiative = housing.locator(f'li[data-id="{area_data["initiative"]}"]')
    expect(initiative).to_contain_text("At-Tur housing clinic")
    link.click()
    expect(page).to_have_url(re.compile(r"/areas/at-tur$"))
    page.wait_for_function(READY)
    # The other area's profile lists that initiative among its own.
    own = page.locator(f'.area-list[data-kind="initiative"] li[data-id="{area_data["initiative"]}"]')
    expect(own).to_have_count(1)
    expect(page.locator('.network-category[data-category="housing"] a[data-slug="silwan"]')).to_have_count(1)
    assert network.console_errors == []
