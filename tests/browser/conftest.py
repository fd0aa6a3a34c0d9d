"""Browser fixtures: the app on a live local server, driven by Debian's Chromium via Playwright.

No test here needs the internet: tile requests (host ``tiles.example.test``) get a stub
grey PNG, requests to the app (127.0.0.1) go through, and anything else is aborted and
recorded as a violation.  Every test starts from an empty database (``fresh_data``): no
test sees reports or accounts another test left, and data fixtures are function-scoped, so
each test makes its own.  The suite skips itself when ``/usr/bin/chromium`` or the
``playwright`` package is missing (never run ``playwright install``: we use the system
browser).
"""

from __future__ import annotations

import contextlib
import io
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from webapp import create_app

EXPECT_TIMEOUT = 10_000  # ms

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None
else:
    # expect() retries until the page matches; 10 s (not its 5 s default) leaves room for the
    # map's first load on a busy 2-core machine, and a broken expectation still fails in 10 s.
    expect.set_options(timeout=EXPECT_TIMEOUT)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
TILE_HOST = "tiles.example.test"
APP_HOST = "127.0.0.1"
VIEWPORT = {"width": 1280, "height": 800}
TILE_GREY = (232, 232, 228)


@pytest.fixture(scope="session", autouse=True)
def _browser_requirements():
    """Skip every browser test, with the reason, when the browser or Playwright is missing."""
    if sync_playwright is None:
        pytest.skip("browser tests need the 'playwright' Python package (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")


class _QuietHandler(WSGIRequestHandler):
    """Don't log every request (errors are still logged)."""

    def log_request(self, code="-", size="-"):
        pass


def make_browser_app(instance: Path, secret: str):
    """An app for a browser test: its own instance, tiles from the stubbed test host."""
    return create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": secret,
        "TILE_URL": f"https://{TILE_HOST}/{{z}}/{{x}}/{{y}}.png",
        "TILE_ATTRIBUTION": "test tiles",
    })


@contextlib.contextmanager
def serve(app, name: str):
    """Serve ``app`` with werkzeug in a daemon thread; yields its base URL."""
    server = make_server(APP_HOST, 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://{APP_HOST}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    return make_browser_app(tmp_path_factory.mktemp("browser") / "instance", "browser-test")


@pytest.fixture(scope="session")
def live_server(live_app):
    """Base URL of the app served by werkzeug in a daemon thread."""
    with serve(live_app, "live-server") as url:
        yield url


def reset_data(app) -> None:
    """Remove every report, organization, request to connect, audit trail and account, and bump
    the data version.

    The version bump matters: the API's and the map's caches are keyed by it, so a cached
    answer about deleted reports cannot outlive them.
    """
    from sqlalchemy import delete

    from webapp.extensions import db
    from webapp.store.models import (
        AccountEvent,
        AccountLink,
        AddressedCategory,
        AffectedArea,
        AlertDelivery,
        AuditEvent,
        ConnectRequest,
        Organization,
        OrganizationArea,
        OrganizationCategory,
        OrganizationEvent,
        Report,
        ReportUpdate,
        Subscription,
        User,
        report_addresses,
    )
    from webapp.store.versioning import bump_data_version

    with app.app_context():
        for table in (AlertDelivery.__table__, Subscription.__table__, ReportUpdate.__table__,
                      AffectedArea.__table__, AccountEvent.__table__, AccountLink.__table__):
            db.session.execute(delete(table))
        for table in (ConnectRequest.__table__, OrganizationEvent.__table__, OrganizationArea.__table__,
                      OrganizationCategory.__table__, AuditEvent.__table__, report_addresses,
                      AddressedCategory.__table__, Report.__table__, Organization.__table__, User.__table__):
            db.session.execute(delete(table))
        bump_data_version()
        db.session.commit()
        db.session.remove()


@pytest.fixture(autouse=True)
def fresh_data(live_app):
    """Each browser test on its own data: the shared live server's database is emptied first.

    Data fixtures request this fixture, so they run after the reset.
    """
    reset_data(live_app)
    yield


@pytest.fixture(scope="session")
def stub_tile() -> bytes:
    """A 256x256 light grey PNG standing in for every map tile."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (256, 256), TILE_GREY).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Network:
    """What a page asked for and what went wrong."""

    requests: list[str] = field(default_factory=list)
    tiles: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        """Requests to any host but the app and the stub tile server."""
        out = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob", "about"):
                continue
            if parts.hostname not in (APP_HOST, TILE_HOST):
                out.append(url)
        return out


@pytest.fixture
def network() -> Network:
    return Network()


@pytest.fixture
def page(browser, live_server, stub_tile, network):
    """A fresh page (own cookies) whose network is recorded and kept off the internet."""
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server, locale="ar")
    context.set_default_timeout(10_000)

    def handle(route):
        url = route.request.url
        host = urlsplit(url).hostname
        if host == TILE_HOST:
            network.tiles.append(url)
            route.fulfill(status=200, content_type="image/png", body=stub_tile,
                          headers={"Access-Control-Allow-Origin": "*"})
        elif host == APP_HOST:
            route.continue_()
        else:
            network.violations.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", handle)
    page = context.new_page()
    page.on("request", lambda request: network.requests.append(request.url))
    page.on("console", lambda msg: network.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: network.console_errors.append(f"uncaught: {exc}"))
    yield page
    context.close()
