"""The report layers of the public map in a real browser: fetched markers, clusters, popups, legend."""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.expectations import expect

pytestmark = pytest.mark.browser

DEMO_COUNT = 200
XSS_TITLE = '[DEMO] <img src=x onerror="window.__xss=1"> <b>bold</b>'
MAP_READY = "() => !!(window.L && window.AHYA_MAP && window.AHYA_MAP.map)"
REPORTS_READY = "() => !!(window.AHYA_MAP && AHYA_MAP.reports && AHYA_MAP.reports.loaded)"
# Report markers drawn in the marker pane: single markers count 1, clusters their child count.
RENDERED = """() => {
  const pane = AHYA_MAP.map.getPane('markerPane');
  const singles = pane.querySelectorAll('.ahya-report-marker').length;
  const clusters = [...pane.querySelectorAll('.ahya-cluster span')]
    .reduce((sum, s) => sum + parseInt(s.textContent, 10), 0);
  return singles + clusters;
}"""
# True when report ``id``'s own marker is drawn and on top at its centre (no cluster covers it
# and the cluster animation is over).
CLICKABLE = """id => {
  if (Object.values(AHYA_MAP.reports.layers).some(l => l._inZoomAnimation)) { return false; }
  const el = document.querySelector(`.leaflet-marker-pane .ahya-report-marker[data-id="${id}"]`);
  if (!el) { return false; }
  const b = el.getBoundingClientRect();
  const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
  return !!hit && (hit === el || el.contains(hit));
}"""
VIEW_BBOX = """() => { const b = AHYA_MAP.map.getBounds();
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(v => v.toFixed(6)).join(','); }"""


def _page_size(app) -> int:
    # A fresh client (Arabic, no session): element ids are random but of fixed length.
    return len(app.test_client().get("/").data)


@pytest.fixture
def demo_data(live_app, fresh_data):
    """200 demo reports plus one with HTML in its title; the page size before and after."""
    from webapp.extensions import db
    from webapp.store.reporting import create_report

    runner = live_app.test_cli_runner()
    runner.invoke(args=["demo", "clear"])
    size_before = _page_size(live_app)
    result = runner.invoke(args=["demo", "load", "--count", str(DEMO_COUNT), "--seed", "7"])
    assert result.exit_code == 0, result.output
    with live_app.app_context():
        xss = create_report({"kind": "challenge", "category": "housing", "title": XSS_TITLE,
                             "description": "<script>window.__xss=2</script> text", "lon": 35.2389,
                             "lat": 31.7698, "precision": "approximate", "is_demo": True},
                            user=None, source="organizer", publish=True)
        xss_id = xss.id
        db.session.remove()
    size_after = _page_size(live_app)
    yield {"before": size_before, "after": size_after, "xss_id": xss_id, "count": DEMO_COUNT + 1}
    runner.invoke(args=["demo", "clear"])


def open_map(page, path="/"):
    page.goto(path)
    page.wait_for_function(MAP_READY)
    page.wait_for_function(REPORTS_READY)
    return page


def api(page, query=""):
    resp = page.request.get("/api/v1/reports?limit=5000" + query)
    assert resp.ok
    return resp.json()


def config(page) -> dict:
    return json.loads(page.text_content("#ahya-reports"))


def test_page_size_does_not_grow_with_reports(demo_data):
    assert demo_data["before"] == demo_data["after"]


def test_markers_match_the_api(page, network, demo_data):
    open_map(page)
    # The database holds this test's reports only (conftest.fresh_data): all of them are counted.
    total = api(page)["count"]
    assert total == demo_data["count"]
    assert page.evaluate("AHYA_MAP.reports.count") == total
    view = page.evaluate(VIEW_BBOX)
    expected = api(page, "&bbox=" + view)["count"]
    assert expected == total  # every published point is in the first view
    page.wait_for_function(f"() => ({RENDERED})() === {expected}", timeout=15_000)
    # The reports came from the API, not from the page: the city view is zoomed out, so as
    # server-side clusters (/api/v1/clusters) rather than points (/api/v1/reports).
    assert any("/api/v1/clusters?" in u for u in network.requests)
    assert "[DEMO]" not in page.request.get("/").text()
    assert network.foreign_requests() == [] and network.violations == []
    assert network.console_errors == []


def test_layers_toggle_in_the_layer_control(page, demo_data):
    open_map(page)
    strings = config(page)["strings"]
    page.hover(".leaflet-control-layers")
    labels = page.locator(".leaflet-control-layers-overlays label")
    expect(labels.filter(has_text=strings["challenge"])).to_have_count(1)
    expect(labels.filter(has_text=strings["initiative"])).to_have_count(1)
    names = [t.strip() for t in labels.all_text_contents()]
    assert strings["challenge"] in names and strings["initiative"] in names
    expect(page.locator("#ahya-legend h3")).to_have_text([strings["challenge"], strings["initiative"]])

    labels.filter(has_text=strings["challenge"]).locator("input").uncheck()
    view = page.evaluate(VIEW_BBOX)
    initiatives = api(page, f"&kind=initiative&bbox={view}")["count"]
    assert 0 < initiatives < demo_data["count"]
    page.wait_for_function(f"() => ({RENDERED})() === {initiatives}")
    expect(page.locator("#ahya-legend h3")).to_have_text([strings["initiative"]])
    # Legend entries show every initiative category with its label.
    categories = config(page)["categories"]["initiative"]
    expect(page.locator("#ahya-legend li")).to_have_count(len(categories))
    for category in categories:
        expect(page.locator("#ahya-legend li").filter(has_text=category["label_ar"])).to_have_count(1)


def test_popup_shows_the_report_as_text(page, network, demo_data):
    open_map(page)
    conf = config(page)
    features = {f["id"]: f for f in api(page)["features"]}
    # A report with a point of its own (area-precision reports share their area's point), centred
    # at the highest zoom so it shows as a single marker; then click it like a user would.
    rid, feature = next((i, f) for i, f in sorted(features.items())
                        if f["properties"]["precision"] != "area" and f["properties"]["is_demo"]
                        and i != demo_data["xss_id"] and f["properties"]["fields"])
    lon, lat = feature["geometry"]["coordinates"]
    page.evaluate(f"AHYA_MAP.map.setView([{lat}, {lon}], 19, {{animate: false}})")
    page.wait_for_function(CLICKABLE, arg=rid)
    page.locator(f'.leaflet-marker-pane .ahya-report-marker[data-id="{rid}"]').click()
    popup = page.locator(".leaflet-popup-content .ahya-report-popup")
    props = features[rid]["properties"]
    cat = next(c for c in conf["categories"][props["kind"]] if c["id"] == props["category"])
    expect(popup).to_have_attribute("dir", "rtl")
    expect(popup.locator("h3")).to_have_text(props["title"])
    expect(popup.locator(".cat")).to_have_text(cat["label_ar"])
    expect(popup.locator(".demo-badge")).to_contain_text(conf["strings"]["demo"])
    assert props["excerpt"], "the demo reports have a description"
    expect(popup.locator(".excerpt")).to_have_text(props["excerpt"])
    # The organization line says what the API says: a link, a name, or nothing at all.
    record, name = props.get("organization_record"), props["organization"]
    if record:
        expect(popup.locator("a.org-link")).to_have_attribute("href", record["url"])
    elif name:
        expect(popup.locator("p.meta").filter(has_text=name)).to_have_count(1)
    else:
        org_line = popup.locator("p.meta").filter(has_text=conf["strings"]["organization"] + ":")
        expect(org_line).to_have_count(0)
    expect(popup.locator("a.more")).to_have_attribute("href", f"/reports/{rid}")
    # Its structured fields (public ones, the API's), one line each: label, value and unit.
    values = props["fields"]
    lines = popup.locator("ul.fields li")
    expect(lines).to_have_count(len(values))
    for fid, value in values.items():
        field = conf["fields"][fid]
        line = lines.filter(has_text=field["label"] + ":")
        expect(line).to_have_count(1)
        if isinstance(value, int) and not isinstance(value, bool):
            expect(line).to_contain_text(f"{value:,} {field['unit']}".strip())
    assert network.console_errors == []


def test_permalink_hash_opens_popup_and_html_stays_text(page, demo_data):
    open_map(page, f"/#report={demo_data['xss_id']}")
    popup = page.locator(".leaflet-popup-content .ahya-report-popup")
    expect(popup.locator("h3")).to_have_text(XSS_TITLE)
    expect(popup.locator("img, b, script")).to_have_count(0)
    assert page.evaluate("window.__xss") is None
    popup.locator("a.more").click()
    expect(page).to_have_url(re.compile(rf"/reports/{demo_data['xss_id']}$"))
    expect(page.locator("h1")).to_have_text(XSS_TITLE)
    assert page.evaluate("window.__xss") is None
    page.wait_for_function("() => document.querySelectorAll('#report-map .leaflet-marker-pane, "
                           "#report-map path.leaflet-interactive, #report-map path').length > 0")


def test_english_popup_is_ltr(page, demo_data):
    open_map(page, f"/?lang=en#report={demo_data['xss_id']}")
    popup = page.locator(".leaflet-popup-content .ahya-report-popup")
    expect(popup).to_have_attribute("dir", "ltr")
    expect(popup.locator(".cat")).to_have_text("Housing & demolitions")
