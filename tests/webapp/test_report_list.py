"""The accessible report list /reports: filters, counts, pagination, sorting, errors, structure."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.conftest import SILWAN

SHEIKH_JARRAH = (35.2312, 31.7930)
OUTSIDE = (35.60, 31.50)  # far outside every area: the report has no area
XSS = "<script>alert(1)</script>"


class Page(HTMLParser):
    """The parts of the list page the tests look at, from the real HTML."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict, bool]] = []  # (tag, attrs, inside a <label>)
        self.ids: list[int] = []
        self.text: dict[str, str] = {}  # text of the caption, h1, alert
        self._labels = 0
        self._capture: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs, self._labels > 0))
        if tag == "label":
            self._labels += 1
        if tag == "tr" and "data-report-id" in attrs:
            self.ids.append(int(attrs["data-report-id"]))
        if tag in ("caption", "h1") or attrs.get("role") == "alert":
            self._capture.append(tag)
            self.text.setdefault(tag, "")

    def handle_endtag(self, tag):
        if tag == "label":
            self._labels -= 1
        if self._capture and self._capture[-1] == tag:
            self._capture.pop()

    def handle_data(self, data):
        for tag in self._capture:
            self.text[tag] += data

    def find(self, tag, **attrs) -> list[dict]:
        # aria_current="page" matches aria-current="page"
        return [a for t, a, _in_label in self.elements
                if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    @property
    def count(self) -> int:
        match = re.search(r"Reports found: (\d+)", " ".join(self.text.get("caption", "").split()))
        assert match, self.text
        return int(match.group(1))


def get(client, query="", status=200, lang="en") -> tuple[Page, str]:
    sep = "&" if query else ""
    resp = client.get(f"/reports?{query}{sep}lang={lang}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == status, (resp.status_code, html[:300])
    return Page(html), html


@pytest.fixture
def demo(app, runner, make_report):
    """120 published demo reports, a pending and a real report; the most common area."""
    result = runner.invoke(args=["demo", "load", "--count", "120", "--seed", "11"])
    assert result.exit_code == 0, result.output
    pending = make_report(publish=False, title="Pending demolition secret")
    real = make_report(title="A real report", kind="initiative", category="education")
    with app.app_context():
        from sqlalchemy import func, select

        from webapp.extensions import db
        from webapp.store.models import Report

        area = db.session.execute(
            select(Report.area, func.count()).where(Report.status == "published", Report.area.is_not(None))
            .group_by(Report.area).order_by(func.count().desc(), Report.area)).first()[0]
    return {"pending": pending, "real": real, "area": area}


def sql_count(app, **where) -> int:
    """COUNT(*) of published reports, written out independently of webapp.store.queries."""
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.store.models import Report

    conditions = {"kind": lambda v: Report.kind == v, "categories": Report.category.in_,
                  "area": lambda v: Report.area == v, "since": lambda v: Report.observed_on >= v,
                  "until": lambda v: Report.observed_on <= v,
                  "title_like": lambda v: Report.title.ilike(f"%{v}%")}
    stmt = select(func.count(Report.id)).where(Report.status == "published",
                                               *(conditions[k](v) for k, v in where.items()))
    with app.app_context():
        return db.session.scalar(stmt)


def test_caption_count_equals_sql_count(app, client, demo):
    cases = [
        ("", {}),
        ("kind=challenge", {"kind": "challenge"}),
        ("kind=initiative&category=education", {"kind": "initiative", "categories": ["education"]}),
        ("category=housing&category=water", {"categories": ["housing", "water"]}),
        (f"area={demo['area']}", {"area": demo["area"]}),
        ("since=2025-06-01&until=2026-03-31", {"since": dt.date(2025, 6, 1), "until": dt.date(2026, 3, 31)}),
        (f"kind=challenge&area={demo['area']}&since=2025-01-01",
         {"kind": "challenge", "area": demo["area"], "since": dt.date(2025, 1, 1)}),
        ("q=real", {"title_like": "real"}),
    ]
    for query, where in cases:
        expected = sql_count(app, **where)
        page, html = get(client, query)
        if expected == 0:
            assert "No published report matches these filters." in html and not page.find("table")
        else:
            assert page.count == expected, query
    assert sql_count(app) == 121  # the 120 demo reports and the real one, not the pending one


def test_pagination_lists_every_published_report_once(app, client, demo):
    with app.app_context():
        from sqlalchemy import select

        from webapp.extensions import db
        from webapp.store.models import Report

        published = set(db.session.scalars(select(Report.id).where(Report.status == "published")))
    for sort in ("date", "area", "category", "kind", "title"):
        for order in ("asc", "desc"):
            seen: list[int] = []
            url = f"/reports?sort={sort}&order={order}&lang=en"
            while url:  # follow the rel="next" links the page offers
                html = client.get(url).get_data(as_text=True)
                page = Page(html)
                assert len(page.ids) <= 50
                seen += page.ids
                nxt = page.find("a", rel="next")
                url = nxt[0]["href"] if nxt else None
            assert len(seen) == len(set(seen)) == len(published), (sort, order)
            assert set(seen) == published
            assert demo["pending"] not in seen


def test_pages_keep_the_filters_and_mark_the_current_page(client, demo):
    cats = ["housing", "land", "education", "health", "water", "roads", "movement", "residency",
            "environment", "public-space", "economy", "other"]  # every challenge category
    query = "kind=challenge&since=2020-01-01&" + "&".join(f"category={c}" for c in cats)
    page, html = get(client, query + "&sort=area")
    assert page.count > 50  # enough for page links
    # base.html's language switch is left out: it keeps only the first value of each parameter.
    links = [a["href"] for a in page.find("a")
             if a["href"].startswith("/reports?") and a.get("id") != "lang-switch"]
    assert len(links) >= 5 + 2  # five sort headers, a page number and "next"
    for href in links:
        args = parse_qsl(urlsplit(href).query)
        assert ("kind", "challenge") in args and ("since", "2020-01-01") in args
        assert [v for k, v in args if k == "category"] == cats
    assert ("sort", "area") in parse_qsl(urlsplit(page.find("a", rel="next")[0]["href"]).query)
    page, html = get(client, "page=2")
    current = page.find("a", aria_current="page")
    assert len(current) == 1 and "page=2" in current[0]["href"]
    assert "Page 2 of 3" in " ".join(page.text["caption"].split())
    get(client, "page=4", status=404)  # 121 reports make 3 pages


def test_show_on_the_map_link_carries_the_filters(client, demo):
    page, _html = get(client, f"kind=challenge&category=housing&area={demo['area']}&q=demo")
    (link,) = [a for a in page.find("a") if urlsplit(a["href"]).path == "/"
               and urlsplit(a["href"]).query]
    assert parse_qsl(urlsplit(link["href"]).query) == [
        ("kind", "challenge"), ("category", "housing"), ("area", demo["area"]), ("q", "demo")]
    page, _html = get(client)
    assert page.find("a", href="/")  # no filters: the plain map


@pytest.fixture
def three(make_report):
    """Three real reports with distinct titles, kinds, categories, areas and dates."""
    return {
        "alpha": make_report(title="alpha", kind="initiative", category="women",  # "Women"
                             lon=SHEIKH_JARRAH[0], lat=SHEIKH_JARRAH[1], observed_on=dt.date(2026, 1, 5)),
        "bravo": make_report(title="bravo", category="education",  # "Education", Silwan
                             lon=SILWAN[0], lat=SILWAN[1], observed_on=None),
        "charlie": make_report(title="charlie", category="water",  # "Water, …", no area
                               lon=OUTSIDE[0], lat=OUTSIDE[1], observed_on=dt.date(2025, 3, 1)),
    }


@pytest.mark.parametrize("query, order", [
    ("", ["alpha", "charlie", "bravo"]),  # newest observed first, undated last
    ("sort=date&order=asc", ["charlie", "alpha", "bravo"]),  # undated last in both directions
    ("sort=title", ["alpha", "bravo", "charlie"]),
    ("sort=title&order=desc", ["charlie", "bravo", "alpha"]),
    ("sort=kind", ["bravo", "charlie", "alpha"]),  # challenges (by id), then the initiative
    ("sort=category", ["bravo", "charlie", "alpha"]),  # Education, Water…, Women
    ("sort=category&order=desc", ["alpha", "charlie", "bravo"]),
    ("sort=area", ["alpha", "bravo", "charlie"]),  # Sheikh Jarrah, Silwan, then no area
    ("sort=area&order=desc", ["bravo", "alpha", "charlie"]),
])
def test_sort_orders(client, three, query, order):
    page, _html = get(client, query)
    assert page.ids == [three[name] for name in order]
    active = [th for th in page.find("th") if "aria-sort" in th]
    assert len(active) == 1
    assert active[0]["aria-sort"] == ("descending" if ("desc" in query or not query) else "ascending")


def test_area_sort_follows_the_language(app, client, make_report):
    """Sorted by the name the reader sees, so two areas can swap places between languages."""
    from webapp.store.layers import get_layers

    with app.app_context():
        areas = get_layers().areas
        rows = areas.sort_values("name_en", key=lambda s: s.str.casefold()).to_dict("records")
    # The first area whose Arabic name sorts before the first area's Arabic name.
    first = rows[0]
    second = next(r for r in rows[1:] if r["name_ar"].casefold() < first["name_ar"].casefold())
    made = {}
    for row in (first, second):
        point = row["geometry"].representative_point()
        made[row["slug"]] = make_report(title=row["slug"], lon=point.x, lat=point.y)
    en, ar = get(client, "sort=area")[0].ids, get(client, "sort=area", lang="ar")[0].ids
    assert en == [made[first["slug"]], made[second["slug"]]]
    assert ar == [made[second["slug"]], made[first["slug"]]]


def test_pending_reports_are_never_listed(client, make_report):
    shown = make_report(title="Published one")
    hidden = make_report(title="Pending one", publish=False)
    page, html = get(client, "q=one")
    assert page.ids == [shown] and "Pending one" not in html and hidden not in page.ids


def test_a_category_of_the_other_kind_lists_nothing(client, three):
    """The same rule as the API's: a challenge category with kind=initiative matches no report."""
    page, html = get(client, "kind=initiative&category=housing")
    assert not page.ids


@pytest.mark.parametrize("query, field", [
    ("category=unknown-cat", "category"),
    ("since=2026-05-01&until=2026-01-01", "until"),
    ("since=2026-13-01", "since"),
    ("kind=monster", "kind"),
    ("area=atlantis", "area"),
    ("q=" + "x" * 101, "q"),
    ("sort=colour", "sort"),
    ("sort=title&order=sideways", "order"),
    ("page=0", "page"),
    ("page=two", "page"),
    ("sort=title&sort=kind", "sort"),
    ("category=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "category"),
    ("area=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "area"),
    ("q=" + "%3Cb%3E" * 40, "q"),  # too long, and echoed into the field escaped
])
def test_bad_parameters_give_400_with_a_message_and_no_table(client, three, query, field):
    page, html = get(client, query, status=400)
    assert not page.find("table") and not page.ids
    alert = " ".join(page.text["div"].split())
    assert alert.startswith("Please correct the marked fields.") and len(alert) > 40
    if field not in ("sort", "order", "page"):  # form fields: message next to the field too
        assert page.find("p", id=f"f-{field}-error")
        assert page.find("a", href=f"#f-{field}") or field == "category"
    assert page.find("form", id="filters")  # the form stays, ready to be corrected
    assert XSS not in html and "<b>" not in html  # a bad value is never echoed as markup


def test_titles_are_escaped(client, make_report):
    rid = make_report(title=f"Roof {XSS}")
    page, html = get(client)
    assert page.ids == [rid]
    assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_demo_reports_carry_a_visible_badge(client, make_report):
    demo = make_report(title="[DEMO] shown as demo", is_demo=True)
    real = make_report(title="a real one")
    html = get(client, "sort=title")[1]
    rows = re.findall(r'<tr data-report-id="(\d+)">(.*?)</tr>', html, re.S)
    badges = {int(rid): 'class="list-demo">Demo<' in body for rid, body in rows}
    assert badges == {demo: True, real: False}


def test_arabic_page_is_rtl_and_english_is_ltr(client, make_report):
    make_report(title="tested")
    page, html = get(client, lang="ar")
    assert '<html lang="ar" dir="rtl">' in html
    for text in ("النوع", "الفئة", "الحي أو القرية", "التحديات", "تحدٍّ", "السكن والهدم", "سلوان",
                 "1 أكتوبر 2026", "تاريخ الملاحظة"):
        assert text in html, text
    page, html = get(client, lang="en")
    assert '<html lang="en" dir="ltr">' in html
    for text in ("Kind", "Challenges", "Housing &amp; demolitions", "Silwan", "October 1, 2026"):
        assert text in html, text
    assert "السكن والهدم" not in html


def test_accessible_structure(client, demo):
    page, html = get(client, "kind=challenge")
    assert len(page.find("h1")) == 1 and len(page.find("h2")) >= 2
    assert page.find("caption") and page.count > 0
    assert all(th.get("scope") in ("col", "row") for th in page.find("th"))
    assert len(page.find("th", scope="col")) == 5
    labelled = {a["for"] for a in page.find("label") if "for" in a}
    controls = [(t, a, inside) for t, a, inside in page.elements
                if t in ("input", "select", "textarea") and a.get("type") != "hidden"]
    assert len(controls) > 20
    for tag, attrs, inside_label in controls:
        assert inside_label or attrs.get("id") in labelled, (tag, attrs)
    assert page.find("button", type="submit")
    assert page.find("a", href="#results") and page.find("section", id="results")
    assert page.find("form", method="get")
    assert "<script" not in html  # the page works without JavaScript
    kind = page.find("option", value="challenge")
    assert "selected" in kind[0]


def test_form_keeps_the_readers_input(client, three):
    page, html = get(client, "kind=challenge&category=water&since=2025-01-01&q=char&sort=title")
    assert page.ids == [three["charlie"]]
    assert "checked" in page.find("input", id="f-cat-water")[0]
    assert page.find("input", id="f-since")[0]["value"] == "2025-01-01"
    assert page.find("input", id="f-q")[0]["value"] == "char"
    # the chosen sort survives a new search through hidden fields
    assert page.find("input", type="hidden", name="sort")[0]["value"] == "title"
    # empty fields from a submitted form mean "any", not an error
    page, _html = get(client, "kind=&area=&since=&until=&q=")
    assert len(page.ids) == 3
