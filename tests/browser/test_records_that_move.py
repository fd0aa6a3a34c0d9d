"""Report states on the public map in a real browser: settled reports faded, the state in popups,
the ``status`` filter of the panel."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_reports_layer import CLICKABLE, open_map

pytestmark = pytest.mark.browser


@pytest.fixture
def states(live_app, fresh_data):
    """A resolved and a reported challenge with exact points 300 m apart."""
    from webapp.extensions import db
    from webapp.store.accounts import create_user
    from webapp.store.lifecycle import set_state
    from webapp.store.reporting import create_report

    with live_app.app_context():
        user = create_user("organizer@example.org", "a long password for tests", role="organizer")
        ids = {}
        for name, lon in (("resolved", 35.2389), ("reported", 35.2420)):
            report = create_report({"kind": "challenge", "category": "water", "title": f"Water {name}",
                                    "lon": lon, "lat": 31.7698, "precision": "exact"},
                                   user=user, source="organizer", publish=True)
            ids[name] = report.id
        set_state(db.session.get(type(report), ids["resolved"]), "resolved", user, "Reconnected")
        db.session.remove()
    return ids


def marker(page, rid):
    return page.locator(f'.leaflet-marker-pane .ahya-report-marker[data-id="{rid}"]')


def test_a_resolved_challenge_is_faded_and_its_popup_names_the_state(page, network, states):
    open_map(page, "/?lang=en")
    page.evaluate("AHYA_MAP.map.setView([31.7698, 35.2404], 17, {animate: false})")
    page.wait_for_function(CLICKABLE, arg=states["resolved"])
    expect(marker(page, states["resolved"])).to_have_class("ahya-report-marker challenge closed")
    expect(marker(page, states["reported"])).not_to_have_class("ahya-report-marker challenge closed")
    assert marker(page, states["resolved"]).evaluate("el => getComputedStyle(el).opacity") == "0.45"
    marker(page, states["resolved"]).click()
    popup = page.locator(".leaflet-popup-content .ahya-report-popup")
    expect(popup.locator(".state-badge")).to_have_text("Resolved")
    assert network.console_errors == [] and network.foreign_requests() == []


def test_the_status_filter_asks_the_api_and_keeps_the_url(page, network, states):
    open_map(page, "/?lang=en")
    page.click("#map-filters summary")
    page.select_option("#filter-state", "closed")
    page.wait_for_function("() => AHYA_MAP.reports.loaded && AHYA_MAP.reports.query === 'status=closed'")
    assert page.evaluate("AHYA_MAP.reports.count") == 1
    expect(page.locator("#filter-count")).to_have_text("1")
    assert "status=closed" in page.url
    page.goto("about:blank")
    open_map(page, "/?lang=en&status=closed")
    expect(page.locator("#filter-state")).to_have_value("closed")
    assert page.evaluate("AHYA_MAP.reports.count") == 1
    assert network.console_errors == []
