"""The report list /reports in a real browser, with the keyboard only: filters, focus, contrast."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.browser.expectations import expect

pytestmark = pytest.mark.browser

TOKEN = "kbdlisttoken"  # in every title this module adds, so other modules' reports stay out
ACTIVE = """() => { const el = document.activeElement;
  return {tag: el.tagName.toLowerCase(), id: el.id, type: el.type || '', href: el.getAttribute('href') || '',
          inForm: !!el.closest('form#filters'), inMain: !!el.closest('main')}; }"""
# Every element of <main> that shows text, with its text colour and the background behind it:
# the first ancestor with an opaque background (the page's own is on <body>).
CONTRAST = """() => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const lum = c => { const v = c.slice(0, 3).map(x => { x /= 255;
      return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const bg = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0.99) { return c; } } return [255, 255, 255]; };
  const out = [];
  for (const el of document.querySelectorAll('main *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) { continue; }
    const fg = rgb(getComputedStyle(el).color), back = bg(el);
    const [a, b] = [lum(fg), lum(back)].sort((x, y) => y - x);
    out.push({text: el.textContent.trim().slice(0, 40), ratio: (a + 0.05) / (b + 0.05)});
  }
  return out; }"""


@pytest.fixture
def list_reports(live_app, fresh_data):
    """Three challenges and two initiatives with TOKEN in the title; removed afterwards."""
    from sqlalchemy import delete

    from webapp.extensions import db
    from webapp.store.models import AuditEvent, Report
    from webapp.store.reporting import create_report

    specs = [("challenge", "housing"), ("challenge", "water"), ("initiative", "education"),
             ("challenge", "education"), ("initiative", "culture")]
    ids = {"challenge": [], "initiative": []}
    with live_app.app_context():
        for i, (kind, category) in enumerate(specs):
            report = create_report(
                {"kind": kind, "category": category, "title": f"{TOKEN} {kind} {i}", "lon": 35.2389,
                 "lat": 31.7698, "precision": "approximate", "observed_on": dt.date(2026, 1, 1 + i),
                 "is_demo": i == 0},
                user=None, source="organizer", publish=True)
            ids[kind].append(report.id)
        db.session.remove()
    yield ids
    with live_app.app_context():
        every = ids["challenge"] + ids["initiative"]
        db.session.execute(delete(AuditEvent).where(AuditEvent.report_id.in_(every)))
        db.session.execute(delete(Report).where(Report.id.in_(every)))
        try:  # a deletion must change the data version, or a cached API answer outlives it
            from webapp.store.versioning import bump_data_version
        except ImportError:  # pragma: no cover - a tree without the data-version counter
            pass
        else:
            bump_data_version()
        db.session.commit()
        db.session.remove()


def tab_until(page, predicate, limit=80) -> dict:
    """Press Tab until the focused element matches ``predicate`` (a Python function)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        if predicate(active):
            return active
    raise AssertionError(f"focus never reached the target; last: {active}")


def row_ids(page) -> list[int]:
    ids = page.eval_on_selector_all("tbody tr", "rows => rows.map(r => r.dataset.reportId)")
    return [int(v) for v in ids]


def test_filter_with_the_keyboard_only(page, network, list_reports):
    page.goto(f"/reports?q={TOKEN}&lang=en")
    assert sorted(row_ids(page)) == sorted(list_reports["challenge"] + list_reports["initiative"])
    # From the top of the page into the form: the first field is the kind.
    active = tab_until(page, lambda a: a["inForm"])
    assert active == {**active, "tag": "select", "id": "f-kind"}
    page.keyboard.press("ArrowDown")  # "All types" → "Challenges"
    expect(page.locator("#f-kind")).to_have_value("challenge")
    tab_until(page, lambda a: a["tag"] == "button" and a["type"] == "submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    args = parse_qsl(urlsplit(page.url).query, keep_blank_values=True)
    assert ("kind", "challenge") in args and ("q", TOKEN) in args
    assert row_ids(page) == sorted(list_reports["challenge"], reverse=True)  # newest observed first
    expect(page.locator("caption")).to_have_text("Reports found: 3")  # whitespace normalised
    expect(page.locator("#f-kind")).to_have_value("challenge")  # the form remembers
    demo_row = page.locator(f"tr[data-report-id='{list_reports['challenge'][0]}']")
    expect(demo_row.locator(".list-demo")).to_have_text("Demo", use_inner_text=True)
    expect(page.get_by_role("link", name="Show on the map")).to_have_count(1)
    map_link = page.get_by_role("link", name="Show on the map").get_attribute("href")
    assert parse_qsl(urlsplit(map_link).query) == [("kind", "challenge"), ("q", TOKEN)]
    assert network.console_errors == [] and network.violations == []


def test_sort_header_and_skip_link_with_the_keyboard(page, network, list_reports):
    page.goto(f"/reports?q={TOKEN}&kind=initiative&lang=en")
    tab_until(page, lambda a: a["href"] == "#results")
    page.keyboard.press("Enter")
    expect(page.locator("#results")).to_be_focused()  # focus moved, not only the view
    # The next Tab stops inside the results: the scrollable table region, then the headers.
    active = tab_until(page, lambda a: "sort=title" in a["href"], limit=5)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("thead th.col-title")).to_have_attribute("aria-sort", "ascending")
    assert ("kind", "initiative") in parse_qsl(urlsplit(page.url).query)
    assert row_ids(page) == sorted(list_reports["initiative"])  # "… initiative 2" < "… initiative 4"
    assert active["inMain"]
    assert network.console_errors == []


def test_focus_is_visible_and_text_has_contrast(page, network, list_reports):
    page.goto(f"/reports?q={TOKEN}&lang=en")
    tab_until(page, lambda a: a["tag"] == "a" and a["inMain"])
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), colour: s.outlineColor}; }""")
    assert style["style"] != "none" and style["width"] >= 2, style
    assert style["colour"] == "rgb(29, 45, 53)"  # the dark ring of list.css, about 13:1 on the page
    measured = page.evaluate(CONTRAST)
    assert len(measured) > 40
    low = [m for m in measured if m["ratio"] < 4.5]
    assert not low, low
    # The error state, with its own colours.
    page.goto("/reports?since=2026-02-01&until=2026-01-01&lang=en")
    expect(page.locator("table")).to_have_count(0)
    expect(page.locator("#f-until-error")).to_have_text("The end date must not be before the start date.",
                                                        use_inner_text=True)
    expect(page.locator("#f-until")).to_have_attribute("aria-describedby", "f-until-error")
    low = [m for m in page.evaluate(CONTRAST) if m["ratio"] < 4.5]
    assert not low, low
    # The only console message is Chromium's note of the 400 status itself.
    assert all("400" in e for e in network.console_errors), network.console_errors
    assert network.violations == []


def test_arabic_list_is_right_to_left(page, list_reports):
    page.goto(f"/reports?q={TOKEN}&lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("label[for=f-kind]")).to_have_text("النوع", use_inner_text=True)
    # The table's first column starts at the right in Arabic.
    first, last = (page.locator(f"thead th.col-{c}").bounding_box() for c in ("title", "date"))
    assert first["x"] > last["x"]
