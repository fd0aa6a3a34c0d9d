"""The organization form on a phone: category checkboxes beside their labels, and the 137 places
as a searchable multi-select that works by touch and by keyboard (no "hold Ctrl")."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_report_form import log_in

SELECTED = "s => [...s.selectedOptions].map(o => o.value)"

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "org-form@example.org", "org form battery staple"


@pytest.fixture
def organizer(live_app, fresh_data):
    from webapp.extensions import db
    from webapp.store.accounts import create_user

    with live_app.app_context():
        create_user(EMAIL, PASSWORD, role="organizer")
        db.session.remove()


def test_places_are_searched_and_ticked_by_touch_and_keyboard(browser, live_server, organizer):
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server,
                                  locale="ar", has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, EMAIL, PASSWORD)
        page.goto("/organizations/new?lang=ar")
        # Each category checkbox sits on its label's line.
        rows = page.evaluate("""() => [...document.querySelectorAll('.org-form .choices .choice')]
          .map(c => {
            const box = c.querySelector('input').getBoundingClientRect(),
                  label = c.querySelector('label').getBoundingClientRect();
            return Math.abs((box.top + box.bottom) / 2 - (label.top + label.bottom) / 2); })""")
        assert rows and max(rows) < 12, rows
        filter_box = page.locator("#areas-filter")
        expect(filter_box).to_be_visible()
        expect(page.locator("#areas")).to_be_hidden()
        assert "Ctrl" not in page.inner_text("#areas-hint")
        # Type part of a name: only matching places stay; a tap ticks one.
        filter_box.fill("سلوا")
        shown = page.locator(".multi-option:visible")
        assert 1 <= shown.count() < 10
        shown.filter(has_text="سلوان").first.tap()
        assert "silwan" in page.eval_on_selector("#areas", SELECTED)
        expect(page.locator(".multi-chip")).to_have_count(1)
        # Keyboard: type a unique name and press Enter to tick it; Enter does not send the form.
        filter_box.fill("الطور")
        if page.locator(".multi-option:visible").count() == 1:
            filter_box.press("Enter")
            expect(page.locator(".multi-chip")).to_have_count(2)
        assert page.url.endswith("/organizations/new?lang=ar")
        # A chip removes its place.
        page.locator(".multi-chip", has_text="سلوان").click()
        assert "silwan" not in page.eval_on_selector("#areas", SELECTED)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
