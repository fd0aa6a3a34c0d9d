"""Offline capture in a real browser: a suggestion sent without a connection arrives once.

Its own app and server (own database and photo folder), so no other browser test sees its
reports. Chromium goes offline through Playwright (``context.set_offline``), the form is
filled and sent with a photo, waits in IndexedDB ("waiting to send (1)"), survives a reload
served by the service worker, and is sent when the connection returns; then the database
holds exactly one report, with its photo, and a repeat of its idempotency key stores nothing.
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from PIL import Image

from tests.browser.conftest import APP_HOST, TILE_HOST, VIEWPORT, make_browser_app, serve
from tests.browser.expectations import expect
from tests.conftest import SILWAN, csrf_token
from tests.webapp.stored import read_stored
from webapp.extensions import db
from webapp.store.models import Report

pytestmark = pytest.mark.browser

TITLE = "انقطاع المياه في وادي حلوة"
WAITING_AR = "بانتظار الإرسال (1)"
UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


@pytest.fixture(scope="module")
def offline_app(tmp_path_factory):
    return make_browser_app(tmp_path_factory.mktemp("offline") / "instance", "offline-test")


@pytest.fixture(scope="module")
def offline_server(offline_app):
    with serve(offline_app, "offline-server") as url:
        yield url


@pytest.fixture
def offline_page(browser, offline_server, stub_tile):
    context = browser.new_context(viewport=VIEWPORT, base_url=offline_server, locale="ar",
                                  service_workers="allow")
    context.set_default_timeout(15_000)
    foreign, errors = [], []

    def handle(route):
        host = urlsplit(route.request.url).hostname
        if host == TILE_HOST:
            route.fulfill(status=200, content_type="image/png", body=stub_tile)
        elif host == APP_HOST:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", handle)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield context, page, foreign, errors
    context.close()


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (80, 60), (30, 120, 200)).save(buf, format="JPEG")
    return buf.getvalue()


def reports(app) -> list[Report]:
    with app.app_context():
        found = db.session.scalars(db.select(Report)).all()
        db.session.expunge_all()
        db.session.remove()
        return found


def test_an_offline_suggestion_arrives_once_with_its_photo(offline_app, offline_page):
    context, page, foreign, errors = offline_page
    page.goto("/suggest")
    # The worker is installed and controls the page: the form now opens without a connection.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function("() => window.AHYA_OFFLINE && window.AHYA_OFFLINE.ready")
    expect(page.locator("link[rel=manifest]")).to_have_attribute("href", "/manifest.webmanifest")

    context.set_offline(True)
    page.check("#kind-0")
    page.select_option("#category", "water")
    page.fill("#field-households_affected", "12")
    page.check("#field-services_affected-sewage")
    page.fill("#lat", str(SILWAN[1]))
    page.fill("#lon", str(SILWAN[0]))
    page.fill("#title", TITLE)
    page.fill("#contact", "050-0000000")
    page.set_input_files("#photo", files=[{"name": "water.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    page.click("form.report-form button[type=submit]")

    page.wait_for_function("() => window.AHYA_OFFLINE.waiting === 1")
    status = page.locator("#offline-status")
    expect(status).to_contain_text(WAITING_AR, use_inner_text=True)
    expect(page.locator("#title")).to_have_value("")  # the form is free for the next report
    expect(page.locator("#fields-challenge-water")).to_be_hidden()  # reset: no category chosen
    assert reports(offline_app) == []

    # Still offline: the page comes from the worker's cache and still lists what waits.
    page.reload()
    page.wait_for_function("() => window.AHYA_OFFLINE && window.AHYA_OFFLINE.waiting === 1")
    expect(status).to_contain_text(WAITING_AR, use_inner_text=True)
    assert reports(offline_app) == []

    context.set_offline(False)  # fires "online": the waiting form is sent
    page.wait_for_function("() => window.AHYA_OFFLINE.sent === 1 && window.AHYA_OFFLINE.waiting === 0"
                           " && !window.AHYA_OFFLINE.sending")
    expect(status).to_be_attached()  # the status line is still there (a missing one would pass below)
    expect(status).not_to_contain_text("بانتظار", use_inner_text=True)

    stored = reports(offline_app)
    assert len(stored) == 1
    report = stored[0]
    assert (report.title, report.category) == (TITLE, "water")
    assert report.fields == {"households_affected": 12, "services_affected": ["sewage"]}
    assert (report.status, report.source) == ("pending", "public")
    assert report.contact == "050-0000000"
    assert re.fullmatch(UUID4, report.client_key)
    photo = io.BytesIO(read_stored(offline_app, f"photos/{report.photo}"))
    with Image.open(photo) as img:
        assert img.format == "JPEG" and img.size == (80, 60)

    # A retry of the same form (its answer lost on the way) stores nothing more.
    client = offline_app.test_client()
    token = csrf_token(client, "/suggest")
    again = client.post("/suggest", headers={"Accept": "application/json"}, data={
        "csrf_token": token, "client_key": report.client_key, "kind": "challenge", "category": "water",
        "lat": str(SILWAN[1]), "lon": str(SILWAN[0]), "title": TITLE, "precision": "approximate"})
    assert again.get_json() == {"status": "duplicate"}
    assert len(reports(offline_app)) == 1
    assert foreign == [] and errors == []


def test_a_refused_queued_form_shows_the_servers_message_and_is_not_resent(offline_app, offline_page):
    """An organizer's form kept offline, refused by the server (outside Jerusalem) once online."""
    from tests.browser.test_report_form import log_in
    from webapp.store.accounts import create_user

    context, page, foreign, errors = offline_page
    with offline_app.app_context():
        create_user("offline-organizer@example.org", "correct horse battery", role="organizer")
        db.session.remove()
    log_in(page, "offline-organizer@example.org", "correct horse battery")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto("/reports/new")
    page.wait_for_function("() => window.AHYA_OFFLINE && window.AHYA_OFFLINE.ready")
    before = len(reports(offline_app))

    context.set_offline(True)
    page.check("#kind-0")
    page.select_option("#category", "housing")
    page.fill("#lat", "32.08")  # Tel Aviv
    page.fill("#lon", "34.78")
    page.fill("#title", "خارج القدس")
    page.click("form.report-form button[type=submit]")
    page.wait_for_function("() => window.AHYA_OFFLINE.waiting === 1")

    context.set_offline(False)
    page.wait_for_function("() => window.AHYA_OFFLINE.refused === 1 && !window.AHYA_OFFLINE.sending")
    status = page.locator("#offline-status")
    expect(status).to_contain_text("لم يُقبل", use_inner_text=True)
    # The server's own message.
    expect(status).to_contain_text("خارج الحدود البلدية للقدس", use_inner_text=True)
    assert len(reports(offline_app)) == before
    sent = len(posts)
    assert sent == 1

    page.reload()  # online again: a refused form is listed, never sent again
    page.wait_for_function("() => window.AHYA_OFFLINE && window.AHYA_OFFLINE.ready")
    assert page.evaluate("() => window.AHYA_OFFLINE.refused") == 1
    assert len(posts) == sent
    page.click("#offline-status button")  # "Remove"
    page.wait_for_function("() => window.AHYA_OFFLINE.refused === 0")

    # Online, with the worker in control: an ordinary post still redirects to the new report.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.check("#kind-0")
    page.select_option("#category", "housing")
    page.fill("#lat", str(SILWAN[1]))
    page.fill("#lon", str(SILWAN[0]))
    page.fill("#title", "بلاغ عادي")
    with page.expect_navigation():
        page.click("form.report-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/reports/\d+$"))
    assert [r.title for r in reports(offline_app)].count("بلاغ عادي") == 1
    assert foreign == [] and errors == []


def test_a_post_lost_on_the_way_is_kept_by_the_worker_and_sent_once(offline_app, offline_page, stub_tile):
    """The page believes it is online but the post never arrives: the worker keeps the form."""
    context, page, foreign, errors = offline_page
    page.goto("/suggest")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function("() => window.AHYA_OFFLINE && window.AHYA_OFFLINE.ready")
    before = len(reports(offline_app))
    dropped = []

    def drop_first_post(route):
        if route.request.method == "POST" and not dropped:
            dropped.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    context.route("**/suggest", drop_first_post)
    page.check("#kind-0")
    page.select_option("#category", "roads")
    page.fill("#lat", str(SILWAN[1]))
    page.fill("#lon", str(SILWAN[0]))
    page.fill("#title", "طريق مغلق")
    page.click("form.report-form button[type=submit]")
    page.wait_for_function("() => window.AHYA_OFFLINE && window.AHYA_OFFLINE.sent === 1"
                           " && window.AHYA_OFFLINE.waiting === 0")
    assert len(dropped) == 1
    titles = [r.title for r in reports(offline_app)]
    assert len(titles) == before + 1 and titles.count("طريق مغلق") == 1
    assert foreign == [] and errors == []
