"""The organization page's map in Chromium: the served areas' outlines and its initiatives."""

from __future__ import annotations

import pytest

from tests.browser.expectations import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def org(live_app, fresh_data):
    from webapp.extensions import db
    from webapp.store.organizations import change_status, create_organization
    from webapp.store.reporting import create_report

    with live_app.app_context():
        org = create_organization({"name_ar": "لجنة سلوان والطور", "name_en": "Silwan and at-Tur committee",
                                   "areas": ["silwan", "at-tur"], "categories": ["housing"]}, user=None)
        change_status(org, "publish", None)
        report = create_report({"kind": "initiative", "category": "legal-aid", "title": "عيادة قانونية",
                                "lon": 35.2389, "lat": 31.7698, "precision": "exact",
                                "organization_id": org.id}, user=None, source="organizer", publish=True)
        ids = {"org": org.id, "report": report.id}
        db.session.remove()
    return ids


def test_map_draws_the_areas_and_the_initiative(page, network, org):
    page.goto(f"/organizations/{org['org']}")
    page.wait_for_function("() => !!(window.AHYA_ORG_MAP && AHYA_ORG_MAP.map)")
    outlines = page.evaluate("() => AHYA_ORG_MAP.outlines.getLayers().length")
    assert outlines == 2
    # Two outlines and the marker, drawn (Leaflet adds the SVG paths after the map is made).
    page.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length >= 3")
    assert page.locator("path.leaflet-interactive").count() >= 3
    page.evaluate("() => AHYA_ORG_MAP.markers[0].openPopup()")
    link = page.locator(".leaflet-popup-content a")
    expect(link).to_have_text("عيادة قانونية")
    expect(link).to_have_attribute("href", f"/reports/{org['report']}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert network.foreign_requests() == []
    assert network.console_errors == []
