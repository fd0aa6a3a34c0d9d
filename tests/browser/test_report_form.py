"""The organizer form in a real browser: choose a category, fill its fields, click the map in Silwan, save.

Uses the live server, Chromium and tile stubs of ``tests/browser/conftest.py``; the
organizer account is created in the live app's database by this test (emptied before each
test by ``conftest.fresh_data``), and the report it makes is deleted afterwards.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.expectations import expect
from tests.conftest import SILWAN
from webapp.extensions import db
from webapp.store.accounts import create_user
from webapp.store.models import AuditEvent, Report, User

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "form-organizer@example.org", "correct horse battery"
PICK_READY = "() => !!(window.L && window.AHYA_PICK && window.AHYA_PICK.map)"


@pytest.fixture
def organizer(live_app):
    with live_app.app_context():
        if db.session.scalar(db.select(User).where(User.email == EMAIL)) is None:
            create_user(EMAIL, PASSWORD, role="organizer")
        db.session.remove()
    return EMAIL, PASSWORD


@pytest.fixture
def created_titles(live_app):
    """Titles of reports this test makes; they are removed at teardown, even on failure."""
    titles: list[str] = []
    yield titles
    with live_app.app_context():
        for report in db.session.scalars(db.select(Report).where(Report.title.in_(titles))):
            db.session.execute(db.delete(AuditEvent).where(AuditEvent.report_id == report.id))
            db.session.delete(report)
        db.session.commit()
        db.session.remove()


def log_in(page, email: str, password: str) -> None:
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("form.form button[type=submit]")


def test_organizer_adds_a_challenge_by_clicking_the_map(page, network, live_app, organizer,
                                                         created_titles):
    log_in(page, *organizer)
    page.goto("/reports/new")
    page.wait_for_function(PICK_READY)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert page.eval_on_selector("#pick-map", "el => getComputedStyle(el).direction") == "ltr"

    page.check("#kind-0")  # challenge
    # Only the challenge categories are offered now, and the initiative fields are hidden.
    expect(page.locator('optgroup[data-kind="initiative"]')).to_have_js_property("disabled", True)
    expect(page.locator('optgroup[data-kind="challenge"]')).to_have_js_property("disabled", False)
    expect(page.locator("#initiative-fields")).to_be_hidden()
    page.select_option("#category", "housing")

    lon, lat = SILWAN
    page.evaluate(f"AHYA_PICK.map.setView([{lat}, {lon}], 17, {{animate: false}})")
    box = page.locator("#pick-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    # The click fills the fields: wait for numbers in them, then compare them as numbers.
    expect(page.locator("#lat")).to_have_value(re.compile(r"^-?\d+\.\d+$"))
    expect(page.locator("#lon")).to_have_value(re.compile(r"^-?\d+\.\d+$"))
    typed_lat = float(page.input_value("#lat"))
    typed_lon = float(page.input_value("#lon"))
    assert typed_lat == pytest.approx(lat, abs=2e-4) and typed_lon == pytest.approx(lon, abs=2e-4)
    page.wait_for_function("() => !!AHYA_PICK.marker()")
    # The chosen category's structured fields only; another category's are hidden and not sent.
    expect(page.locator("#fields-challenge-housing")).to_be_visible()
    expect(page.locator("#fields-challenge-water")).to_be_hidden()
    page.fill("#field-people_displaced", "٧")
    page.select_option("#category", "water")
    expect(page.locator("#fields-challenge-housing")).to_be_hidden()
    expect(page.locator("#fields-challenge-housing")).to_have_js_property("disabled", True)
    page.fill("#field-households_affected", "30")  # typed, then the category changes back
    page.select_option("#category", "housing")
    expect(page.locator("#fields-challenge-water")).to_be_hidden()

    title = "بيت مهدد بالهدم في وادي حلوة"
    created_titles.append(title)
    page.fill("#title", title)
    with page.expect_navigation():
        page.click("form.report-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/reports/\d+$"))

    with live_app.app_context():
        report = db.session.scalar(db.select(Report).where(Report.title == title))
        assert report is not None
        assert (report.kind, report.category, report.area) == ("challenge", "housing", "silwan")
        assert report.status == "published" and report.precision == "approximate"
        assert report.fields == {"people_displaced": 7}
        assert (report.lon, report.lat) == pytest.approx((typed_lon, typed_lat), abs=1e-6)
        db.session.remove()
    assert network.foreign_requests() == [] and network.violations == []
    assert network.console_errors == []


@pytest.mark.parametrize("spelling", ["Shufat", "Shu'fat", "شُعْفَاط", "שועפאט"])
def test_area_field_finds_the_map_searchs_spellings(page, network, spelling):
    """Typing a spelling the map search knows picks the area on the form's map, as the server will."""
    page.goto("/suggest")
    page.wait_for_function(PICK_READY)
    page.fill("#lat", "31.75")  # a typed point, cleared when an area is chosen
    page.fill("#area_name", spelling)
    page.dispatch_event("#area_name", "input")
    page.wait_for_function("() => window.AHYA_PICK.area() === 'shufat' && !!window.AHYA_PICK.marker()")
    expect(page.locator("#lat")).to_have_value("")
    expect(page.locator("#lon")).to_have_value("")
    expect(page.locator("input[name=precision][value=area]")).to_be_checked()
    option = page.locator('#area-list option[data-slug="shufat"]')
    marker = page.evaluate("(() => { const p = AHYA_PICK.marker().getLatLng(); return [p.lat, p.lng]; })()")
    assert marker == pytest.approx([float(option.get_attribute("data-lat")),
                                    float(option.get_attribute("data-lon"))])
    assert network.console_errors == []


def test_area_field_ignores_a_partial_name(page):
    page.goto("/suggest")
    page.wait_for_function(PICK_READY)
    page.fill("#area_name", "Shu")
    page.dispatch_event("#area_name", "input")  # the handler runs within the dispatch
    assert page.evaluate("window.AHYA_PICK.area()") is None
    assert page.evaluate("window.AHYA_PICK.marker()") is None
    # The same field does pick the area once the name is whole (so the check above can fail).
    page.fill("#area_name", "Shufat")
    page.dispatch_event("#area_name", "input")
    page.wait_for_function("() => window.AHYA_PICK.area() === 'shufat' && !!window.AHYA_PICK.marker()")
