"""Issue 18's "done when" for accounts, in Chromium, on a fresh install with an empty database.

A person with only a browser and the server's start-up log creates the admin; she invites an
organizer (the mail caught by aiosmtpd on 127.0.0.1), who sets her password from the link and
resets it again through /auth/reset; the organizer gets 403 on every /admin/ page; a copy of her
session cookie stops working when she logs out.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import APP_HOST, TILE_HOST, VIEWPORT, serve
from webapp import create_app

pytestmark = pytest.mark.browser

ADMIN = ("admin@ahya.example", "first admin battery")
ORGANIZER = "noor@ahya.example"
FIRST, SECOND = "noor battery staple", "noor second battery"
SETUP = re.compile(r"(/auth/setup/[A-Za-z0-9_-]{43})\b")


class Log(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def fresh_install(tmp_path, smtp):
    """A new app on an empty database, started as outside tests (setup link on); its log and URL."""
    controller, sink = smtp
    log = Log()
    logger = logging.getLogger("webapp")
    logger.addHandler(log)
    try:
        app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "fresh",
                          "TILE_URL": f"https://{TILE_HOST}/{{z}}/{{x}}/{{y}}.png", "TILE_ATTRIBUTION": "t",
                          "SETUP_LINK": True, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port,
                          "MAIL_DEFAULT_SENDER": "ahya@ahya.example"})
    finally:
        logger.removeHandler(log)
    with serve(app, "accounts-server") as url:
        app.config["PUBLIC_URL"] = url  # links in mails point at this server
        yield app, url, log.lines, sink
    with app.app_context():
        from webapp.extensions import db

        db.session.remove()
        db.engine.dispose()


def _mail_link(sink, count: int, pattern: str) -> str:
    """The path of the link in the ``count``-th mail (waiting for it: the reset mail leaves after
    the answer)."""
    deadline = time.monotonic() + 10
    while len(sink.envelopes) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sink.envelopes) >= count, "no mail"
    msg = email.message_from_bytes(sink.envelopes[count - 1].content, policy=email.policy.default)
    text = msg.get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"http://{re.escape(APP_HOST)}:\d+({pattern}/[A-Za-z0-9_-]{{43}})", text)[1]


def _context(browser, url):
    context = browser.new_context(viewport=VIEWPORT, base_url=url, locale="ar")
    context.set_default_timeout(10_000)
    context.route(f"https://{TILE_HOST}/**", lambda route: route.fulfill(status=204))
    return context


def test_done_when_accounts(browser, fresh_install):
    app, url, log_lines, sink = fresh_install
    [line] = [line for line in log_lines if "no account yet" in line]
    setup_path = SETUP.search(line)[1]

    admin = _context(browser, url)
    page = admin.new_page()
    # The empty instance offers "Set up Ahya" (Arabic first), which says where the link is.
    page.goto("/")
    expect(page.locator("#menu-setup")).to_have_text("إعداد أحياء")
    page.click("#menu-setup")
    expect(page).to_have_url(re.compile(r"/auth/setup$"))
    # The link from the start-up log creates the first admin.
    page.goto(setup_path)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.fill("#email", ADMIN[0])
    page.fill("#password", ADMIN[1])
    page.fill("#confirm", ADMIN[1])
    page.click("#setup-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    expect(page.locator("#menu-admin")).to_be_visible()
    # The link worked once.
    assert admin.new_page().goto(setup_path).status == 404

    # She invites an organizer: the mail goes through aiosmtpd.
    page.fill("#invite-form #email", ORGANIZER)
    page.select_option("#invite-form #role", "organizer")
    page.click("#invite-form button[type=submit]")
    expect(page.locator(".flashes")).to_contain_text(ORGANIZER)
    expect(page.locator("#invitations")).to_contain_text(ORGANIZER)
    invitation = _mail_link(sink, 1, "/auth/invitation")

    # The organizer sets her password from the link and is logged in.
    organizer = _context(browser, url)
    noor = organizer.new_page()
    noor.goto(invitation)
    expect(noor.locator("#invitation-form")).to_be_visible()
    noor.fill("#password", FIRST)
    noor.fill("#confirm", FIRST)
    noor.click("#invitation-form button[type=submit]")
    expect(noor.locator("button.linklike")).to_be_visible()  # "Log out": she is in
    expect(noor.locator("#menu-admin")).to_have_count(0)
    noor.click("button.linklike")

    # She forgot it: a reset through /auth/reset, from the login page.
    noor.goto("/auth/login")
    noor.click("#forgot-password")
    noor.fill("#email", ORGANIZER)
    noor.click("#reset-form button[type=submit]")
    expect(noor.locator("#reset-sent")).to_be_visible()
    reset = _mail_link(sink, 2, "/auth/reset")
    noor.goto(reset)
    noor.fill("#password", SECOND)
    noor.fill("#confirm", SECOND)
    noor.click("#reset-password-form button[type=submit]")
    expect(noor).to_have_url(re.compile(r"/auth/login$"))
    noor.fill("#email", ORGANIZER)
    noor.fill("#password", SECOND)
    noor.click("form.form button[type=submit]")
    expect(noor.locator("button.linklike")).to_be_visible()

    # An organizer gets 403 on every /admin/ page.
    admin_pages = sorted({r.rule for r in app.url_map.iter_rules()
                          if r.rule.startswith("/admin/") and "GET" in r.methods and not r.arguments})
    assert "/admin/" in admin_pages and "/admin/users" in admin_pages
    for path in admin_pages:
        assert noor.goto(path).status == 403, path

    # A copied session cookie works while she is logged in, and stops when she logs out.
    thief = browser.new_context(viewport=VIEWPORT, base_url=url, locale="ar")
    thief.add_cookies(organizer.cookies())
    stolen = thief.new_page()
    assert stolen.goto("/moderation/").status == 200
    assert "/moderation/" in stolen.url
    noor.goto("/")
    noor.click("button.linklike")
    stolen.goto("/moderation/")
    expect(stolen).to_have_url(re.compile(r"/auth/login"))
    for context in (admin, organizer, thief):
        context.close()


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')].filter(el => {
    const r = el.getBoundingClientRect();
    const exempt = '.table-scroll, .visually-hidden, .skip-link';  // scrolled, or off-screen on purpose
    return r.width > 0 && (r.right > width + 1 || r.left < -1) && !el.closest(exempt);
  }).map(el => el.tagName + (el.id ? '#' + el.id : '') + '.' + el.className).slice(0, 5);
}"""


def test_the_account_pages_fit_a_phone(browser, fresh_install):
    """Every new page at 360 px, in Arabic and English: nothing wider than the screen."""
    app, url, log_lines, _sink = fresh_install
    [line] = [line for line in log_lines if "no account yet" in line]
    setup_path = SETUP.search(line)[1]
    app.config["MAIL_SERVER"] = ""  # the invitation link is then shown on the page
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=url, locale="ar",
                                  has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        for path in ("/auth/setup", setup_path, "/auth/reset", "/auth/reset/" + "A" * 43):
            for lang in ("ar", "en"):
                page.goto(f"{path}?lang={lang}")
                assert page.evaluate(OVERFLOW) == [], (path, lang)
        page.goto(setup_path)
        page.fill("#email", ADMIN[0])
        page.fill("#password", ADMIN[1])
        page.fill("#confirm", ADMIN[1])
        page.click("#setup-form button[type=submit]")
        expect(page).to_have_url(re.compile(r"/admin/users$"))
        page.fill("#invite-form #email", "a.rather.long.address.for.a.phone@community-group.example")
        page.click("#invite-form button[type=submit]")
        expect(page.locator("#invitation-url")).to_be_visible()
        assert page.evaluate(OVERFLOW) == [], "the shown invitation link"
        invitation = re.search(r"/auth/invitation/[A-Za-z0-9_-]{43}", page.input_value("#invitation-url"))[0]
        for path in ("/admin/", "/admin/users", invitation):
            for lang in ("ar", "en"):
                page.goto(f"{path}?lang={lang}")
                assert page.evaluate(OVERFLOW) == [], (path, lang)
    finally:
        context.close()
