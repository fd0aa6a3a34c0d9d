"""Every asset the report forms request comes from the service worker's cache when offline.

The list is read from the page itself (the browser's resource timing entries after an online
visit), not written by hand, so a script or stylesheet added to a form template without
being added to the worker's cache fails here: reloading the form offline would lose it (as
``normalize.js`` was, and with it the matching of place names).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import APP_HOST, TILE_HOST, VIEWPORT
from tests.browser.test_report_form import log_in

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "offline-assets@example.org", "offline assets battery"
RESOURCES = """() => performance.getEntriesByType('resource').map(e => e.name)
  .filter(u => new URL(u).hostname === location.hostname)"""


@pytest.fixture
def organizer(live_app, fresh_data):
    from webapp.extensions import db
    from webapp.store.accounts import create_user

    with live_app.app_context():
        create_user(EMAIL, PASSWORD, role="organizer")
        db.session.remove()


@pytest.mark.parametrize("path", ["/suggest", "/reports/new"])
def test_form_assets_are_served_by_the_worker_offline(browser, live_server, stub_tile, organizer, path):
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server, locale="ar",
                                  service_workers="allow")
    context.set_default_timeout(15_000)
    context.route(f"https://{TILE_HOST}/**", lambda route: route.fulfill(
        status=200, content_type="image/png", body=stub_tile))
    page = context.new_page()
    try:
        if path == "/reports/new":
            log_in(page, EMAIL, PASSWORD)
        page.goto(path, wait_until="networkidle")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_function("() => window.AHYA_OFFLINE && window.AHYA_OFFLINE.ready")
        # The organizer form is kept on request (it needs the login): wait until it is.
        page.wait_for_function("""async (p) => { const names = await caches.keys();
            for (const n of names) { if (await (await caches.open(n)).match(p)) return true; }
            return false; }""", arg=path)
        assets = sorted({u.split("#")[0] for u in page.evaluate(RESOURCES)} - {f"{live_server}/sw.js"})
        assert any(u.endswith(".js") for u in assets) and any(u.endswith(".css") for u in assets)

        context.set_offline(True)
        served, failed = {}, []
        page.on("response", lambda r: served.__setitem__(r.url, r))
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.reload(wait_until="load")
        expect(page.locator("form.report-form")).to_be_visible()
        page.wait_for_function("() => window.AHYA_OFFLINE && window.AHYA_OFFLINE.ready")
        page.wait_for_load_state("networkidle")

        missing = [u for u in assets if u not in served or not served[u].ok
                   or not served[u].from_service_worker]
        assert not missing, f"{path} offline: not served from the worker's cache: {missing}"
        ours = [u for u in failed if urlsplit(u).hostname == APP_HOST]
        assert not ours, f"{path} offline: requests that failed: {ours}"
        # Place names still match offline: normalize.js ran.
        assert page.evaluate("typeof window.AHYA_NORMALIZE") == "function"
    finally:
        context.close()
