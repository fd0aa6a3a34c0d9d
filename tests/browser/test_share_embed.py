"""Share dialog, the embed in a foreign page, and the standalone map opened from disk, offline."""

from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from tests.browser.expectations import expect

pytestmark = pytest.mark.browser

MAP_READY = "() => !!(window.L && window.AHYA_MAP && window.AHYA_MAP.map)"
REPORTS_READY = "() => !!(window.AHYA_MAP && AHYA_MAP.reports && AHYA_MAP.reports.loaded)"
XSS_TITLE = '<img src=x onerror="window.__xss=1"> حملة <b>مياه</b>'


@pytest.fixture
def seeded(live_app, fresh_data):
    """A few published demo reports of both kinds (removed again with ``demo clear``)."""
    from webapp.extensions import db
    from webapp.store.reporting import create_report

    runner = live_app.test_cli_runner()
    runner.invoke(args=["demo", "clear"])
    rows = [("challenge", "housing", "أوامر هدم", 35.2389, 31.7698),
            ("challenge", "water", XSS_TITLE, 35.2312, 31.7930),
            ("challenge", "housing", "Eviction notice", 35.2290, 31.7760),
            ("initiative", "legal-aid", "عيادة قانونية", 35.2250, 31.7890),
            ("initiative", "women", "Women's circle", 35.2150, 31.7650)]
    with live_app.app_context():
        for kind, cat, title, lon, lat in rows:
            create_report({"kind": kind, "category": cat, "title": title, "description": "<script>x</script>",
                           "lon": lon, "lat": lat, "precision": "approximate", "is_demo": True},
                          user=None, source="organizer", publish=True)
        db.session.remove()
    yield rows
    runner.invoke(args=["demo", "clear"])


def count(page, query: str) -> int:
    resp = page.request.get(f"/export/reports.geojson?{query}")
    assert resp.ok
    return len(resp.json()["features"])


def test_share_dialog_link_embed_code_copy_and_escape(page, network, seeded):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/?lang=en&kind=challenge")
    page.wait_for_function(MAP_READY)
    opener = page.locator("#share-open")
    assert opener.evaluate("el => !!el.closest('.leaflet-control')")  # a map control, stacked
    opener.click()
    dialog = page.locator("#share-dialog")
    expect(dialog).to_have_js_property("open", True)
    expect(page.locator("#share-link")).to_be_focused()
    expect(page.locator("#share-link")).to_have_value(page.url)
    link = page.input_value("#share-link")
    assert "kind=challenge" in link
    expect(page.locator("#share-embed")).to_have_value(re.compile("^<iframe "))
    code = page.input_value("#share-embed")
    embed_src = f"{urlsplit(page.url).scheme}://{urlsplit(page.url).netloc}/embed?"
    assert code.startswith(f'<iframe src="{embed_src}') and "kind=challenge" in code and "lang=en" in code
    assert "&amp;" in code and "&k" not in code  # the URL is escaped for the attribute
    assert 'title="Map of Jerusalem neighborhoods: Ahya"' in code
    expect(page.locator("#share-export")).to_have_attribute("href", re.compile(r"/export\?"))

    page.click("button[data-copy=share-embed]")
    expect(page.locator("#share-status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == code

    page.keyboard.press("Escape")
    expect(dialog).to_have_js_property("open", False)
    expect(opener).to_be_focused()  # focus back on the button
    assert not network.violations and not network.console_errors


def test_copy_falls_back_to_selecting_the_text(page, seeded):
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page.goto("/?lang=ar")
    page.wait_for_function(MAP_READY)
    page.click("#share-open")
    page.click("button[data-copy=share-link]")
    messages = ("تم النسخ.", "Copied.", "The text is selected: copy it with Ctrl+C (or ⌘+C).",
                "النص محدَّد: انسخه بالضغط على Ctrl+C (أو ⌘+C).")
    one_of = re.compile("^(" + "|".join(map(re.escape, messages)) + ")$")
    expect(page.locator("#share-status")).to_have_text(one_of)
    field = page.evaluate("""() => { const f = document.getElementById('share-link');
        return {active: document.activeElement === f, start: f.selectionStart, end: f.selectionEnd,
                length: f.value.length}; }""")
    assert field["active"] or (field["start"], field["end"]) == (0, field["length"])
    assert page.text_content("#share-status") in messages


@pytest.fixture
def host_page(live_server):
    """Another site (another origin: a second server on another port) whose page frames Ahya.

    On loopback, not a routed fake host: Chromium's Private Network Access keeps a public page
    from framing a loopback address at all, which would hide what the headers do.
    """
    body = (f'<!doctype html><title>host</title>'
            f'<iframe id="e" src="{live_server}/embed?kind=initiative&lang=en" width="800" height="500">'
            f'</iframe><iframe id="m" src="{live_server}/" width="400" height="300"></iframe>').encode()

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/host.html"
    server.shutdown()
    server.server_close()


def test_embed_in_a_foreign_page_with_its_filters(page, live_server, network, seeded, host_page):
    page.goto(host_page)
    embed = next(f for f in page.frames if "/embed" in f.url)
    embed.wait_for_function(MAP_READY)
    embed.wait_for_function(REPORTS_READY)
    expected = count(page, "kind=initiative")
    assert expected >= 2  # other browser tests may have left reports of their own
    assert embed.evaluate("AHYA_MAP.reports.count") == expected  # the link's filters apply
    assert embed.evaluate("document.querySelector('.site-header')") is None
    # The full map page refuses to be framed (frame-ancestors 'none'): Chromium says so in the
    # console and shows its error page. Wait for that refusal (it may come after the embed's map)
    # before looking into the frame, or an empty frame not yet loaded would pass.
    refused = "frame-ancestors 'none'"
    if not any(refused in e for e in network.console_errors):
        page.wait_for_event("console", predicate=lambda msg: refused in msg.text)
    assert any(refused in e for e in network.console_errors)
    other = next(f for f in page.frames if f is not embed and f is not page.main_frame)
    assert other.evaluate("!!window.AHYA_MAP") is False
    assert not network.violations


def test_standalone_file_opens_offline(browser, page, tmp_path, seeded):
    resp = page.request.get("/export/map.html?lang=ar&kind=challenge")
    assert resp.ok
    html = resp.text()
    assert not re.search(r"<script[^>]*\bsrc\s*=|<link[^>]*\bhref\s*=", html, re.I)  # all inline
    path = tmp_path / "ahya-map.html"
    path.write_text(html, encoding="utf-8")
    expected = count(page, "kind=challenge")
    assert expected >= 3  # other browser tests may have left reports of their own

    context = browser.new_context(viewport={"width": 1000, "height": 700}, offline=True)
    requests, errors = [], []

    def handle(route):
        requests.append(route.request.url)
        # The file itself may load; every network request is refused, as with no connection.
        route.continue_() if route.request.url.startswith("file:") else route.abort()
    context.route("**/*", handle)
    offline = context.new_page()
    offline.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        offline.goto(path.as_uri())
        offline.wait_for_function("() => !!(window.L && window.AHYA_STANDALONE)")
        assert offline.evaluate("L.version") == "1.9.3"
        expect(offline.locator(".leaflet-container")).to_have_count(1)
        markers = offline.evaluate("""() => { let n = 0;
            AHYA_STANDALONE.map.eachLayer(l => { if (l instanceof L.CircleMarker) { n += 1; } });
            return n; }""")
        assert markers == expected
        # A popup shows the user's HTML as text, and nothing in it ran.
        offline.evaluate("""() => { let found = null;
            AHYA_STANDALONE.reports.challenge.eachLayer(l => {
              if (l.feature.properties.popup.includes('img')) { found = l; } });
            found.openPopup(); }""")
        content = offline.locator(".leaflet-popup-content")
        expect(content).to_contain_text('<img src=x onerror="window.__xss=1">')
        expect(content.locator("img, b")).to_have_count(0)
        assert offline.evaluate("window.__xss") is None
        assert offline.evaluate("document.documentElement.dir") == "rtl"
        assert offline.evaluate("getComputedStyle(document.querySelector('.sa-map')).direction") == "ltr"
        assert not errors
        # Only map tiles were asked for (and refused): everything else was in the file.
        asked = [u for u in requests if not u.startswith("file:")]
        assert asked, "the map asked for no tile at all"
        assert all(urlsplit(u).hostname == "tiles.example.test" for u in asked), asked
    finally:
        context.close()
