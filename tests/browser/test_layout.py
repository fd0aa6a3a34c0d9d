"""Layout on phones and desktops, in both languages, with demo data and the fonts a phone has.

Every public, organizer and admin page at 360×740, 390×844 and 1280×800, Arabic and English
(with the import preview after an upload, and the report form showing housing's own fields):

* no horizontal overflow: the document is no wider than the viewport;
* on a map, every control (zoom, layers, search, filters, legend, share, scale, attribution,
  sources, locate, full screen) lies inside the map and the viewport, overlaps no other control
  and is the element found at its own centre (so a tap there reaches it); on the main map with
  the filter panel closed and open;
* a trend chart or sum map lies within its box and the screen, and its text is drawn at 9.5 px
  or more;
* a topic page's framed map passes the map checks inside the frame;
* on the pages listed as stacked (admin pages, the import preview, a topic page), every link,
  button and field lies inside the viewport's width: none waits in a table scrolled sideways.

One browser context per size, one server and one demo data set for the whole module, one
``page.evaluate`` per page state. A failing page is photographed: the screenshots are written
under ``$AHYA_ARTIFACTS`` (default ``tmp/artifacts``)/layout and the failure names the folder.
The Noto fonts (Debian ``fonts-noto-core``) must be installed for the widths to be a phone's;
the test says when they are missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TILE_HOST, reset_data
from tests.browser.test_report_form import log_in

pytestmark = pytest.mark.browser

SIZES = [(360, 740), (390, 844), (1280, 800)]
LANGS = ("ar", "en")
EMAIL, PASSWORD = "layout-organizer@example.org", "layout organizer battery"
ADMIN_EMAIL, ADMIN_PASSWORD = "layout-admin@example.org", "layout admin battery"
LAYER = "layout-wells"
ARTIFACTS = Path(os.environ.get("AHYA_ARTIFACTS", "tmp/artifacts")) / "layout"
# (path, map page) with {report}, {initiative}, {pending}, {org} filled from the data.
PUBLIC_PAGES = [
    ("/", True), ("/about", False), ("/reports", False), ("/reports/{report}", True),
    ("/areas/silwan", True), ("/organizations", False), ("/organizations/{org}", True),
    ("/connect/organization/{org}", False), ("/connect/initiative/{initiative}", False),
    ("/export", False), ("/embed", True), ("/suggest", True), ("/auth/login", False),
    ("/topics/housing", False), ("/topics/housing?field=people_displaced", False),
]
# /admin/ at 360 px: tests/browser/test_accounts_first_run.py; /admin/users is there too, but only
# here with several accounts and the check that its buttons are not in a table scrolled sideways.
ADMIN_PAGES = [
    ("/admin/users", False), ("/admin/backup", False), ("/admin/demo", False), ("/admin/settings", False),
    ("/admin/layers", False),
    (f"/admin/layers/{LAYER}", True),
]
# Pages whose every control must be reachable without scrolling a table sideways.
STACKED = ("/admin/", "/topics/", "/reports/import")
# An import with more columns than a phone is wide, one of them a structured field.
IMPORT_CSV = ("title,description,category,date,lat,lon,people_displaced,a column with a rather long name\n"
              "هدم منزل في سلوان,هدم منزل عائلة من ستة أشخاص,housing,2024-03-01,31.77,35.23,6,ملاحظة\n"
              "Water cut,No water for a week,water,2024-04-01,31.775,35.235,,note\n")
ORGANIZER_PAGES = [
    ("/reports/new", True), ("/reports/import", False), ("/organizations/new", False),
    ("/organizations/{org}/edit", False), ("/moderation/", False), ("/moderation/{pending}", True),
    ("/moderation/{pending}/edit", True), ("/moderation/messages", False),
    ("/moderation/organizations", False), ("/moderation/organizations/{org}", False),
]
# Map controls by name; a name may match several elements (each is checked).
CONTROLS = {
    "zoom": ".leaflet-control-zoom", "layers": ".leaflet-control-layers", "search": ".map-search",
    "filters": ".map-filters.leaflet-control", "legend": "#ahya-legend, .choropleth-legend",
    "share": ".ahya-share-control", "scale": ".leaflet-control-scale",
    "attribution": ".leaflet-control-attribution", "sources": ".map-credits",
    "locate": "#ahya-locate", "fullscreen": "#ahya-fullscreen",
}

# One evaluation per page state: overflow, and for each map its controls' boxes.
MEASURE = """([controls, vw, vh, stacked]) => {
  // vw, vh: the screen's size. A phone browser widens its layout viewport to a page too wide
  // for it (and zooms out), so window.innerWidth would hide the very overflow looked for.
  const problems = [];
  const de = document.documentElement;
  if (de.scrollWidth > vw) {
    // Name the outermost elements that stick out, to say what to fix.
    const wide = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width && (r.right > vw + 1 || r.left < -1) && !wide.some(w => w.contains(el))) {
        const pos = getComputedStyle(el).position;
        // Fixed elements do not widen the page; skip links wait off-screen on purpose.
        if (pos === 'fixed' || (pos === 'absolute' && (r.right < 0 || r.left > vw))) continue;
        // Inside a scrolling box it is fine, unless it is positioned against something outside
        // that box: then it escapes the clip and widens the page (a visually hidden label).
        let scroller = el.parentElement, clipped = false;
        while (scroller && scroller !== document.body) {
          const o = getComputedStyle(scroller).overflowX;
          const clips = o === 'auto' || o === 'scroll' || o === 'hidden';
          if (clips && (pos !== 'absolute' || (el.offsetParent && scroller.contains(el.offsetParent)))) {
            clipped = true;
            break;
          }
          scroller = scroller.parentElement;
        }
        if (!clipped) wide.push(el);
      }
    }
    const cls = el => (typeof el.className === 'string' && el.className.trim()
                       ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls(el);
    const at = el => Math.round(el.getBoundingClientRect().right);
    problems.push(`document is ${de.scrollWidth}px wide in a ${vw}px viewport: ` +
                  wide.slice(0, 5).map(el => `${name(el)} (${at(el)}px)`).join(', '));
  }
  if (stacked) {
    // Every control in the page's content within the screen's width (a map's own controls are
    // checked below; a visually hidden label or an off-screen honeypot is not for the eye).
    const out = [...document.querySelectorAll('main :is(a, button, input, select, textarea, summary)')]
      .filter((el) => {
        if (el.closest('.leaflet-container, .visually-hidden, .hp') || el.type === 'hidden') return false;
        const r = el.getBoundingClientRect();
        return r.width > 0 && (r.left < -1 || r.right > vw + 1);
      })
      .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' +
                 (el.name || el.textContent.trim()).slice(0, 30));
    if (out.length) {
      problems.push(`controls out of sight (scroll sideways to reach): ${out.slice(0, 5).join(', ')}`);
    }
  }
  // A chart scales to the width, and its text stays readable (at least 9.5 px as drawn).
  for (const svg of document.querySelectorAll('main svg.trend-chart, main svg.sum-map')) {
    const r = svg.getBoundingClientRect(), box = svg.parentElement.getBoundingClientRect();
    if (r.left < -1 || r.right > vw + 1 || r.width > box.width + 1) {
      problems.push(`chart #${svg.id} is ${Math.round(r.width)}px wide in ${Math.round(box.width)}px`);
    }
    const scale = r.width / svg.viewBox.baseVal.width;
    const small = [...svg.querySelectorAll('text')].filter(t => t.getBoundingClientRect().width)
      .map(t => parseFloat(getComputedStyle(t).fontSize) * scale).filter(px => px < 9.5);
    if (small.length) problems.push(`chart #${svg.id}: text drawn at ${small[0].toFixed(1)}px`);
  }
  const maps = document.querySelectorAll('.leaflet-container');
  const checked = [];
  maps.forEach((map) => {
    // A map below the fold (a form's pick map) is checked where the reader sees it.
    const first = map.getBoundingClientRect();
    if (first.top < 0 || first.bottom > vh) map.scrollIntoView({block: 'nearest'});
    const box = map.getBoundingClientRect();
    const host = map.closest('main') || document.body;
    const found = [];
    for (const [name, sel] of Object.entries(controls)) {
      host.querySelectorAll(sel).forEach((el) => {
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') return;
        if (!map.contains(el) && !(el.closest('.map-main, .embed-main'))) return;
        found.push({name, el, r});
      });
    }
    for (const c of found) {
      const r = c.r;
      checked.push(c.name);
      if (r.left < Math.max(0, box.left) - 0.5 || r.top < Math.max(0, box.top) - 0.5 ||
          r.right > Math.min(vw, box.right) + 0.5 || r.bottom > Math.min(vh, box.bottom) + 0.5) {
        const rect = q => `[${[q.left, q.top, q.right, q.bottom].map(Math.round).join(', ')}]`;
        problems.push(`${c.name} lies outside the map or the viewport: ${rect(r)} in ${rect(box)}`);
        continue;
      }
      const el = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (!el || !(c.el === el || c.el.contains(el))) {
        const named = el && el.closest('[id]');
        const by = el ? (named ? '#' + named.id : el.className || el.tagName) : 'nothing';
        problems.push(`${c.name} is not the element at its centre (${by} is)`);
      }
    }
    for (let i = 0; i < found.length; i++) {
      for (let j = i + 1; j < found.length; j++) {
        const a = found[i], b = found[j];
        if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
        const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        if (w > 0.5 && h > 0.5) {
          problems.push(`${a.name} and ${b.name} overlap (${Math.round(w)}×${Math.round(h)}px)`);
        }
      }
    }
  });
  return {problems, checked};
}"""


@pytest.fixture(scope="module")
def demo(live_app):
    """Demo data for the module (loaded once), an organizer, a pending report, a request to connect."""
    from webapp.cli.demo import load_demo
    from webapp.extensions import db
    from webapp.store import overlays
    from webapp.store.accounts import create_user
    from webapp.store.models import ConnectRequest, Organization, Report, SiteEvent
    from webapp.store.reporting import create_report
    from webapp.store.sitesettings import log_event

    reset_data(live_app)
    with live_app.app_context():
        ids = load_demo(120, 22)
        create_user(EMAIL, PASSWORD, role="organizer")
        admin = create_user(ADMIN_EMAIL, ADMIN_PASSWORD, role="admin")
        # The admin log with a long line, as a settings change writes it.
        log_event("settings", "site_name_ar, site_name_en, about_ar, about_en, "
                  "tile_url=https://tiles.example.test/{z}/{x}/{y}.png", admin.id)
        overlays.save(LAYER, _wells(), {"title": "Wells", "title_ar": "الآبار", "features": 3,
                                        "geometry_types": ["Point"], "attributes": ["name", "note"],
                                        "name_field": "name"})
        pending = create_report({"kind": "challenge", "category": "water", "title": "انقطاع المياه منذ أسبوع",
                                 "description": "لا ماء في الحي", "lon": 35.2389, "lat": 31.7698,
                                 "precision": "approximate"}, user=None, source="public", publish=False).id
        initiative = db.session.scalar(db.select(Report.id).where(Report.id.in_(ids),
                                                                   Report.kind == "initiative"))
        org = db.session.scalar(db.select(Organization.id).where(Organization.is_demo.is_(True)))
        db.session.add(ConnectRequest(sender_name="سلمى", reply_channel="salma@example.org",
                                      message="نود الانضمام إلى المبادرة", status="new", organization_id=org))
        db.session.commit()
        db.session.remove()
    yield {"report": ids[0], "initiative": initiative, "pending": pending, "org": org}
    with live_app.app_context():
        overlays.remove(LAYER)
        db.session.execute(db.delete(SiteEvent))  # it names the admin, whom reset_data removes
        db.session.commit()
        db.session.remove()
    reset_data(live_app)


def _wells():
    import geopandas as gpd
    import shapely

    points = [shapely.Point(35.231 + 0.004 * i, 31.772 + 0.002 * i) for i in range(3)]
    return gpd.GeoDataFrame({"name": ["بئر العين", "Well two", "بئر ثالثة"], "note": ["قديمة", "new", ""]},
                            geometry=points, crs=4326)


@pytest.fixture
def fresh_data(demo):
    """Overrides the suite's per-test reset: the pages are checked on one demo data set."""
    yield


def _noto_installed() -> bool:
    if not shutil.which("fc-list"):
        return False
    out = subprocess.run(["fc-list", ":family=Noto Sans Arabic"], capture_output=True, text=True).stdout
    return bool(out.strip())


def _ready(page, is_map: bool) -> None:
    if is_map:
        page.wait_for_function("() => !!document.querySelector('.leaflet-container .leaflet-control-zoom')")
        # The main map: its reports drawn, its late controls (share, sources) placed.
        page.wait_for_function("() => !window.AHYA_MAP || !AHYA_MAP.reports || AHYA_MAP.reports.loaded")
    page.evaluate("document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r())))")


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_page_fits_and_every_map_control_can_be_reached(browser, live_server, stub_tile, demo, size):
    if not _noto_installed():
        pytest.skip("the layout check measures text in the Noto fonts a phone has: "
                    "apt-get install fonts-noto-core")
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_server,
                                  locale="ar", has_touch=width < 600)
    # Not is_mobile: a phone's browser widens the layout viewport to fit a page that is too wide,
    # and every block would then measure as wide as the culprit, which could not be named.
    context.set_default_timeout(15_000)
    context.route(f"https://{TILE_HOST}/**", lambda route: route.fulfill(
        status=200, content_type="image/png", body=stub_tile))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    failures: list[str] = []
    shots = ARTIFACTS / f"{width}x{height}"
    started = time.monotonic()

    def check(path: str, lang: str, state: str = "") -> None:
        stacked = path.startswith(STACKED)
        result = page.evaluate(MEASURE, [CONTROLS, width, height, stacked])
        if result["problems"]:
            shots.mkdir(parents=True, exist_ok=True)
            name = f"{path.strip('/').replace('/', '_') or 'map'}-{lang}{('-' + state) if state else ''}.png"
            page.screenshot(path=str(shots / name))
            where = f"{path} [{lang}{', ' + state if state else ''}]"
            failures.extend(f"{where}: {p}" for p in result["problems"])
        return result

    def check_framed_map(path: str, lang: str) -> None:
        # A topic page's map is the /embed page in a frame narrower and lower than the screen:
        # its controls are checked in the frame's own viewport.
        page.locator("iframe.topic-map-frame").scroll_into_view_if_needed()
        page.wait_for_function("() => [...document.querySelectorAll('iframe.topic-map-frame')].every(f =>"
                               " f.contentWindow.AHYA_MAP && f.contentWindow.AHYA_MAP.reports &&"
                               " f.contentWindow.AHYA_MAP.reports.loaded)")
        frame = next(f for f in page.frames if "/embed" in f.url)
        _ready(frame, True)
        inner_w, inner_h = frame.evaluate("[innerWidth, innerHeight]")
        result = frame.evaluate(MEASURE, [CONTROLS, inner_w, inner_h, False])
        if result["problems"]:
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / f"{path.strip('/').replace('/', '_')}-{lang}-frame.png"))
            where = f"{path} [{lang}, framed map {inner_w}×{inner_h}]"
            failures.extend(f"{where}: {p}" for p in result["problems"])

    try:
        for pages, account in ((PUBLIC_PAGES, None), (ORGANIZER_PAGES, (EMAIL, PASSWORD)),
                               (ADMIN_PAGES, (ADMIN_EMAIL, ADMIN_PASSWORD))):
            if account:
                context.clear_cookies()
                log_in(page, *account)
            if pages is ADMIN_PAGES:  # the organizer's forms in their filled-in states
                for lang in LANGS:
                    page.goto(f"/reports/new?lang={lang}")
                    _ready(page, True)
                    page.check("#kind-0")  # a challenge: housing's own fields appear
                    page.select_option("#category", "housing")
                    expect(page.locator("#fields-challenge-housing")).to_be_visible()
                    check("/reports/new", lang, "housing fields")
                    page.goto(f"/reports/import?lang={lang}")
                    page.set_input_files("input[type=file]", files=[{
                        "name": "survey.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV.encode()}])
                    with page.expect_navigation():
                        page.click("form.form button[type=submit]")
                    expect(page.locator("#import-mapping")).to_be_visible()
                    _ready(page, False)
                    check("/reports/import", lang, "preview")
            for template, is_map in pages:
                path = template.format(**demo)
                for lang in LANGS:
                    response = page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
                    assert response.ok, f"{path}: HTTP {response.status}"
                    _ready(page, is_map)
                    if page.locator("iframe.topic-map-frame").count():
                        check_framed_map(path, lang)
                    if path != "/":
                        check(path, lang)
                        continue
                    summary = page.locator("#map-filters > summary")
                    if page.evaluate("document.getElementById('map-filters').open"):
                        summary.click()
                    expect(page.locator("#map-filters")).not_to_have_attribute("open", "")
                    checked = check(path, lang, "filters closed")["checked"]
                    missing = {"zoom", "layers", "search", "filters", "legend", "share", "scale",
                               "attribution", "sources", "locate", "fullscreen"} - set(checked)
                    assert not missing, f"controls not found on the map: {missing}"
                    summary.click()
                    expect(page.locator("#map-filters")).to_have_attribute("open", "")
                    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
                    check(path, lang, "filters open")
                    # Apply and Clear are in sight in the open panel, without scrolling it, and
                    # can be tapped (each is the element at its own centre).
                    for button in ("#map-filters-form button[type=submit]", "#filter-clear"):
                        expect(page.locator(button)).to_be_in_viewport()
                        assert page.eval_on_selector(button, """el => { const r = el.getBoundingClientRect();
                            const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                            return el === at || el.contains(at); }"""), f"{button} hidden [{lang}]"
    finally:
        elapsed = time.monotonic() - started
        context.close()
    print(f"layout check {width}x{height}: {elapsed:.1f} s")
    assert not errors, errors
    assert not failures, (f"{len(failures)} layout problems at {width}x{height} "
                          f"(screenshots in {shots.resolve()}):\n" + "\n".join(failures))
