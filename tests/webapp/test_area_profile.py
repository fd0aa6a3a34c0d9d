"""Area profiles /areas/<slug>: every place answers, counts equal the database, nothing private leaks."""

from __future__ import annotations

import html as htmllib
import json
import re

import geopandas as gpd
import pytest
from markupsafe import escape
from sqlalchemy import text

from tests.conftest import ROOT, SILWAN
from tests.webapp.coordinates import exact_coordinates_in

XSS = "<script>alert(1)</script>"
PLACES = gpd.read_file(ROOT / "data/layers/places.geojson")


def page(client, path, status=200):
    resp = client.get(path)
    assert resp.status_code == status, (path, resp.status_code)
    return resp.get_data(as_text=True)


def map_config(html: str) -> dict:
    return json.loads(re.search(r'id="area-map-data">(.*?)</script>', html, re.S).group(1))


def chart_counts(html: str, kind: str) -> dict[str, str]:
    """``{category: shown count}`` from the bars of one SVG chart, checked against its table."""
    svg = re.search(rf'<svg [^>]*id="chart-{kind}".*?</svg>', html, re.S)
    if svg is None:
        return {}
    bars = dict(re.findall(r'<rect [^>]*data-key="([^"]+)" data-count="([^"]+)"', svg.group(0)))
    figure = html[svg.end():html.index("</figure>", svg.end())]
    table = dict(re.findall(r'<td data-key="([^"]+)" data-count="([^"]+)">', figure))
    assert bars == table
    return {k: htmllib.unescape(v) for k, v in bars.items()}


def direct_counts(app, area: str, kind: str) -> dict[str, int]:
    """COUNT(*) per category straight from SQL, independent of webapp.store.stats."""
    from webapp.extensions import db

    with app.app_context():
        rows = db.session.execute(text(
            "SELECT category, COUNT(*) FROM reports WHERE status = 'published' AND area = :area "
            "AND kind = :kind GROUP BY category"), {"area": area, "kind": kind}).all()
    return {c: int(n) for c, n in rows}


def point_in(app, slug):
    from webapp.store.layers import get_layers

    with app.app_context():
        areas = get_layers().areas
        geom = areas.loc[areas["slug"] == slug].geometry.iloc[0].representative_point()
        return round(geom.x, 6), round(geom.y, 6)


def test_every_gazetteer_place_has_a_page(client):
    assert len(PLACES) == 137 and int(PLACES["has_area"].sum()) == 102
    for place in PLACES.to_dict("records"):
        html = page(client, f"/areas/{place['slug']}")
        names = {lang: str(escape(place[f"name_{lang}"])) for lang in ("ar", "en", "he")}
        assert f'<h1 lang="ar">{names["ar"]}</h1>' in html, place["slug"]
        assert f'<bdi lang="en" dir="ltr">{names["en"]}</bdi>' in html, place["slug"]
        assert f'<bdi lang="he" dir="rtl">{names["he"]}</bdi>' in html, place["slug"]
        config = map_config(html)
        assert (config["outline"] is not None) == bool(place["has_area"]), place["slug"]
        assert config["point"] == {"lat": round(place["geometry"].y, 6), "lon": round(place["geometry"].x, 6)}


@pytest.mark.parametrize("slug", ["nowhere", "SILWAN", "silwan%20", "..%2Fabout", "1"])
def test_unknown_slug_is_404(client, slug):
    html = page(client, f"/areas/{slug}", 404)
    assert "area-map" not in html
    assert client.get(f"/areas/{slug}/feed.atom").status_code == 404


def test_header_labels_and_feed_links(client):
    html = page(client, "/areas/silwan?lang=en")
    assert '<h1 lang="en">Silwan</h1>' in html
    assert '<bdi lang="ar" dir="rtl">سلوان</bdi>' in html and '<bdi lang="he" dir="rtl">סילואן</bdi>' in html
    assert "Village" in html and "East Jerusalem" in html
    assert 'rel="alternate" type="application/atom+xml" href="/areas/silwan/feed.atom?lang=en"' in html
    assert 'href="/feed.atom?lang=en"' in html
    assert "/vendor/leaflet/leaflet.js" in html and "https://tiles.example.test/{z}/{x}/{y}.png" in html
    ar = page(client, "/areas/silwan?lang=ar")
    assert '<html lang="ar" dir="rtl">' in ar and '<h1 lang="ar">سلوان</h1>' in ar
    assert 'direction="rtl"' not in ar  # no chart without reports


def test_point_only_places_name_the_area_counting_their_reports(app, client):
    from webapp.store.reporting import locate

    points_only = PLACES[~PLACES["has_area"]].to_dict("records")
    assert points_only  # the 1948 village sites and other points without a polygon
    for place in points_only:
        html = page(client, f"/areas/{place['slug']}?lang=en")
        assert map_config(html)["outline"] is None
        assert "no boundary of its own" in html
        with app.app_context():
            # Reports are assigned with the same rule: inside a polygon or within 250 m of one.
            host = locate(place["geometry"].x, place["geometry"].y)
        if host:
            assert f'Its reports are counted in: <a href="/areas/{host}">' in html, place["slug"]
        else:
            assert "counted in" not in html, place["slug"]


def test_bar_chart_equals_a_direct_count(app, client, runner):
    assert runner.invoke(args=["demo", "load", "--count", "400", "--seed", "21"]).exit_code == 0
    with app.app_context():
        from webapp.extensions import db

        busiest = [a for (a,) in db.session.execute(text(
            "SELECT area FROM reports WHERE area IS NOT NULL GROUP BY area ORDER BY COUNT(*) DESC, area "
            "LIMIT 4")).all()]
    for area in [*busiest, "silwan"]:
        html = page(client, f"/areas/{area}")
        for kind in ("challenge", "initiative"):
            expected = direct_counts(app, area, kind)
            assert chart_counts(html, kind) == {c: str(n) for c, n in expected.items()}, (area, kind)
            total = re.search(rf'<dd data-total="{kind}">(\d+)</dd>', html).group(1)
            assert int(total) == sum(expected.values())
        # The map holds exactly the area's published reports at their public points.
        config = map_config(html)
        with app.app_context():
            from webapp.extensions import db

            points = {(i, lon, lat) for i, lon, lat in db.session.execute(text(
                "SELECT id, public_lon, public_lat FROM reports WHERE status = 'published' AND area = :a"),
                {"a": area}).all()}
        assert {(r["id"], r["lon"], r["lat"]) for r in config["reports"]} == points


def test_small_counts_are_suppressed(app, client, make_report):
    app.config["MIN_PUBLIC_COUNT"] = 3
    for _ in range(3):
        make_report()
    make_report(category="water")
    html = page(client, "/areas/silwan?lang=en")
    assert chart_counts(html, "challenge") == {"housing": "3", "water": "<3"}
    assert 'class="bar bar-approximate"' in html
    assert "counts below 3 are shown as “&lt;3”" in html
    assert '<dd data-total="challenge">4</dd>' in html


def test_unpublished_reports_do_not_count(client, make_report):
    make_report(title="Published one")
    make_report(title="Pending one", publish=False)
    html = page(client, "/areas/silwan")
    assert chart_counts(html, "challenge") == {"housing": "1"}
    assert "Published one" in html and "Pending one" not in html
    assert len(map_config(html)["reports"]) == 1


def test_user_text_is_escaped_and_private_fields_stay_private(app, client, make_report):
    from webapp.extensions import db
    from webapp.store.models import Report

    rid = make_report(title=XSS, description=f"desc {XSS}", organization=XSS,
                      contact="secret-phone-0501234567", link="javascript:alert(2)")
    html = page(client, "/areas/silwan")
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert map_config(html)["reports"][0]["title"] == XSS  # intact in JSON, whose "<" is escaped
    assert "secret-phone" not in html and "javascript:alert(2)" not in html
    with app.app_context():
        report = db.session.get(Report, rid)
        assert report.privacy_seed not in html
        public = (report.public_lon, report.public_lat)
    assert exact_coordinates_in(html, SILWAN, public) == []


def test_lists_are_capped_with_a_link_to_the_list_view(client, make_report, monkeypatch):
    from webapp.public import areas

    monkeypatch.setattr(areas, "LIST_LIMIT", 2)
    ids = [make_report(title=f"Challenge {i}") for i in range(3)]
    html = page(client, "/areas/silwan?lang=en")
    lists = html.index("area-lists")
    section = html[html.index('data-kind="challenge"', lists):html.index('data-kind="initiative"', lists)]
    assert re.findall(r'<li data-id="(\d+)">', section) == [str(i) for i in ids[:0:-1]]
    link = re.search(r'href="/reports\?([^"]+)"', section).group(1)
    assert sorted(htmllib.unescape(link).split("&")) == ["area=silwan", "kind=challenge"]
    assert "No initiative is published here yet." in html


def test_map_markers_are_capped(client, make_report, monkeypatch):
    from webapp.public import areas

    monkeypatch.setattr(areas, "MAP_LIMIT", 2)
    for i in range(3):
        make_report(title=f"R{i}")
    html = page(client, "/areas/silwan?lang=en")
    assert len(map_config(html)["reports"]) == 2
    assert "Only the newest 2 reports are shown on this map." in html
    assert "Only the newest" not in page(client, "/areas/at-tur?lang=en")


def test_same_challenge_elsewhere_links_areas_and_initiatives(app, client, make_report):
    make_report(title="Silwan demolition orders")  # housing, in Silwan
    lon, lat = point_in(app, "at-tur")
    make_report(title="At-Tur demolition orders", lon=lon, lat=lat)
    make_report(title="At-Tur second case", lon=lon, lat=lat)
    ini = make_report(kind="initiative", category="legal-aid", title="At-Tur <b>legal</b> clinic",
                      lon=lon, lat=lat, addressed_categories=["housing"], organization="Clinic org")
    make_report(kind="initiative", category="legal-aid", title="Unpublished clinic", lon=lon, lat=lat,
                addressed_categories=["housing"], publish=False)
    html = page(client, "/areas/silwan?lang=en")
    start = html.index('<section class="network-category" data-category="housing"')
    section = html[start:html.index("</section>", start)]
    assert "Housing &amp; demolitions" in section
    assert '<a href="/areas/at-tur" data-slug="at-tur">at-Tur</a>' in section
    assert '<span class="network-count" data-count="2">2</span>' in section
    assert f'href="/reports/{ini}"' in section and "At-Tur &lt;b&gt;legal&lt;/b&gt; clinic" in section
    assert "Works on the whole category" in section and "In an area facing the same challenge" in section
    assert "Unpublished clinic" not in html
    # Seen from at-Tur, Silwan is the other area; the clinic is at-Tur's own, listed above, not here.
    tur = page(client, "/areas/at-tur?lang=en")
    start = tur.index('data-category="housing"')
    network = tur[start:tur.index('id="who-can-help"')]  # "Who can help" lists it, after this section
    assert 'href="/areas/silwan"' in network
    assert f'href="/reports/{ini}"' not in network


def test_no_challenges_no_network(client):
    html = page(client, "/areas/silwan?lang=en")
    assert "nothing to compare" in html and "No report has been published here yet." in html


def test_bar_chart_svg_is_escaped_and_mirrored():
    from webapp.public.charts import Bar, bar_chart_svg

    bars = [Bar(label="<b>A</b> & B", value=4, text="4", colour="#112233", key="a"),
            Bar(label="C", value=1.5, text="<3", key="c", approximate=True)]
    ltr = str(bar_chart_svg(bars, chart_id="t", title='Title "x"', width=200))
    assert "<b>" not in ltr and "&lt;b&gt;A&lt;/b&gt; &amp; B" in ltr and "&lt;3" in ltr
    assert 'aria-labelledby="t-title t-desc"' in ltr and "Title &#34;x&#34;" in ltr
    assert '<rect x="4.0" y="23" width="148.0"' in ltr  # the longest bar spans 200 - 2*4 - 44
    assert 'width="55.5"' in ltr and 'class="bar bar-approximate"' in ltr
    rtl = str(bar_chart_svg(bars, chart_id="t", title="T", width=200, rtl=True))
    assert '<rect x="48.0" y="23" width="148.0"' in rtl  # grows leftwards from the right edge
    assert 'direction="rtl"' in rtl and 'direction="ltr"' not in rtl
    assert str(bar_chart_svg([], chart_id="e", title="T")).count("<rect") == 0
