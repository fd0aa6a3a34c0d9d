"""The Content-Security-Policy in a real browser: no page breaks it, and it stops injected HTML.

Every page is visited with Chromium; a ``securitypolicyviolation`` listener (added by Playwright
before any page script, so the policy does not apply to it) and the console both must stay quiet,
and map pages must have initialised Leaflet (a blocked inline script would leave no map).
"""

from __future__ import annotations

import pytest

from tests.browser.expectations import expect
from tests.browser.test_report_form import log_in

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "csp-organizer@example.org", "csp organizer battery"
XSS_TITLE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
XSS_TEXT = '"><svg onload="window.__xss=3"></svg><iframe src="javascript:window.__xss=4"></iframe>'
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));
"""
MAP_READY = "() => !!document.querySelector('.leaflet-container .leaflet-map-pane')"
# (path, is a map page); {published}/{pending} are filled with the fixture's report ids.
PUBLIC_PAGES = [
    ("/", True), ("/?lang=en", True), ("/about", False), ("/reports", False),
    ("/areas/silwan", True), ("/reports/{published}", True), ("/auth/login", False),
    ("/suggest", True), ("/api", False), ("/export", False), ("/embed", True),
    ("/organizations", False), ("/organizations/{org}", True),
]
ORGANIZER_PAGES = [("/reports/new", True), ("/moderation/", False), ("/moderation/{pending}", True),
                   ("/moderation/{pending}/edit", True), ("/organizations/new", False),
                   ("/moderation/organizations", False), ("/moderation/organizations/{org}", False),
                   ("/organizations/{org}/edit", False)]


@pytest.fixture
def reports(live_app, fresh_data):
    """A published report full of HTML, a pending one, and the organizer who may see it."""
    from webapp.extensions import db
    from webapp.store.accounts import create_user
    from webapp.store.models import User
    from webapp.store.reporting import create_report

    with live_app.app_context():
        if db.session.scalar(db.select(User).where(User.email == EMAIL)) is None:
            create_user(EMAIL, PASSWORD, role="organizer")
        data = {"kind": "challenge", "category": "housing", "title": XSS_TITLE, "description": XSS_TEXT,
                "organization": XSS_TEXT, "lon": 35.2389, "lat": 31.7698, "precision": "exact"}
        published = create_report(dict(data), user=None, source="organizer", publish=True).id
        pending = create_report(dict(data, title="pending " + XSS_TITLE), user=None, source="public",
                                publish=False).id
        from webapp.store.organizations import change_status, create_organization

        org = create_organization({"name_ar": XSS_TITLE, "name_en": XSS_TITLE, "description": XSS_TEXT,
                                   "areas": ["silwan", "at-tur"], "categories": ["housing"]}, user=None)
        change_status(org, "publish", None)
        org = org.id
        db.session.remove()
    return {"published": published, "pending": pending, "org": org}


def _visit(page, network, path: str, is_map: bool) -> None:
    # "networkidle": the deferred scripts have run and their fetches (and callbacks) are done.
    page.goto(path, wait_until="networkidle")
    if is_map:
        page.wait_for_function(MAP_READY)
    violations = page.evaluate("window.__csp")
    assert violations == [], f"{path}: CSP violations {violations}"
    csp_errors = [e for e in network.console_errors if "Content Security Policy" in e]
    assert csp_errors == [], f"{path}: {csp_errors}"
    assert page.evaluate("window.__xss") is None, f"{path}: injected script ran"


@pytest.mark.parametrize(("path", "is_map"), PUBLIC_PAGES)
def test_public_page_has_no_csp_violation(page, network, reports, path, is_map):
    page.add_init_script(LISTEN)
    _visit(page, network, path.format(**reports), is_map)
    assert network.foreign_requests() == []


def test_organizer_pages_have_no_csp_violation(page, network, reports):
    page.add_init_script(LISTEN)
    log_in(page, EMAIL, PASSWORD)
    for path, is_map in ORGANIZER_PAGES:
        _visit(page, network, path.format(**reports), is_map)


def test_policy_blocks_an_injected_inline_script(page, network, reports):
    """The policy really is enforced: a script added without the nonce is refused."""
    page.add_init_script(LISTEN)
    page.goto("/about")
    page.evaluate("""() => { const s = document.createElement('script');
      s.textContent = 'window.__xss = 5'; document.body.appendChild(s); }""")
    # The refusal fires a securitypolicyviolation event: wait for it rather than for a time.
    page.wait_for_function("() => window.__csp.some(v => v.startsWith('script-src'))")
    assert page.evaluate("window.__xss") is None


def test_popup_inserts_user_text_as_text(page, network, reports):
    """Opening the popup of a report full of HTML creates no element and runs nothing."""
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(LISTEN)
    rid = reports["published"]
    page.goto("/?lat=31.7698&lon=35.2389&z=19")
    page.wait_for_function("() => !!(window.AHYA_MAP && AHYA_MAP.reports && AHYA_MAP.reports.loaded)")
    marker = page.locator(f'.leaflet-marker-pane .ahya-report-marker[data-id="{rid}"]')
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(XSS_TITLE)
    expect(popup.locator("img[src=x], script, svg[onload], iframe")).to_have_count(0)
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    assert page.evaluate("window.__csp") == []
