"""Topic pages /topics/<category> and the trend charts of area pages, read back from the HTML."""

from __future__ import annotations

import collections
import datetime as dt
import re
from html import unescape

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.store.models import Report


def _published(app, **where):
    with app.app_context():
        rows = db.session.scalars(select(Report).where(Report.status == "published")).all()
        return [r for r in rows if all(getattr(r, k) == v for k, v in where.items())]


def _table(html: str, section_id: str) -> dict[str, str]:
    """``{period: count}`` of the trend table after ``section_id``."""
    part = html[html.index(f'id="{section_id}"'):]
    part = part[:part.index("</table>")]
    row = r'<tr data-period="([0-9-]+)"><th scope="row">[^<]*</th><td data-count="([^"]*)"'
    return dict(re.findall(row, part))


@pytest.fixture
def demo(app, runner):
    assert runner.invoke(args=["demo", "load", "--count", "250", "--seed", "8"]).exit_code == 0
    return app


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_topic_page_shows_the_category_citywide(demo, client, lang):
    resp = client.get(f"/topics/housing?lang={lang}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert f'lang="{lang}"' in html and (('dir="rtl"' in html) == (lang == "ar"))
    assert ("السكن والهدم" if lang == "ar" else "Housing &amp; demolitions") in html
    rows = _published(demo, kind="challenge", category="housing")
    # The trend table: per year, equal to the rows counted here.
    expected = collections.Counter(str(r.observed_on.year) for r in rows if r.observed_on)
    got = {k: int(v) for k, v in _table(html, "trend-h").items()}
    assert {k: v for k, v in got.items() if v} == dict(expected)
    assert re.search(r"<svg [^>]*class=\"trend-chart\"[^>]*role=\"img\"", html)
    # The ranking: areas by their count of housing challenges, most first.
    per_area = collections.Counter(r.area for r in rows if r.area)
    ranked = re.findall(r'<tr data-slug="([^"]+)">.*?<td data-count="([^"]+)"', html, re.S)
    assert ranked and all(per_area[slug] == int(n) for slug, n in ranked)
    assert [int(n) for _s, n in ranked] == sorted((int(n) for _s, n in ranked), reverse=True)
    # The map filtered to the category and shaded by it; poster, card and feed of the category.
    text = unescape(html)
    assert "/embed?kind=challenge&category=housing&choropleth=challenge&choropleth_category=housing" in text
    assert "/export/poster.pdf?kind=challenge&category=housing&trend=year" in text
    assert "/cards/topic/housing.png?v=" in text and "/topics/housing/feed.atom" in text
    assert "/api/v1/trends.csv?kind=challenge&category=housing&by=year" in text
    newest = re.findall(r'<section class="area-list" aria-labelledby="newest-h".*?</section>', html, re.S)[0]
    ids = [int(i) for i in re.findall(r'<li data-id="(\d+)"', newest)]
    assert ids and {r.id for r in rows} >= set(ids)


def test_unknown_or_initiative_categories_are_404_pages(client):
    for url in ("/topics/nope", "/topics/legal-aid", "/topics/HOUSING", "/cards/topic/nope.png"):
        resp = client.get(url)
        assert resp.status_code == 404, url
    assert "text/html" in client.get("/topics/nope").content_type


def test_topic_counts_are_suppressed(app, client, make_report):
    make_report(observed_on=dt.date(2025, 1, 1))
    app.config["MIN_PUBLIC_COUNT"] = 3
    html = client.get("/topics/housing?lang=en").get_data(as_text=True)
    assert 'data-count="1"' not in html
    assert _table(html, "trend-h") == {"2025": "&lt;3"}
    assert 'data-slug="silwan"' in html and "&lt;3" in html


def test_the_share_card_is_a_png(app, client, make_report):
    make_report()
    resp = client.get("/cards/topic/housing.png")
    assert resp.status_code == 200 and resp.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_silwan_shows_its_own_trend(app, client, make_report):
    for day in ("2023-04-01", "2024-05-01", "2024-06-01", "2026-01-02"):
        make_report(observed_on=dt.date.fromisoformat(day))
    make_report(observed_on=dt.date(2022, 1, 1), lon=35.2137, lat=31.7683)  # elsewhere: not counted
    make_report(kind="initiative", category="legal-aid", observed_on=dt.date(2024, 1, 1))  # not a challenge
    html = client.get("/areas/silwan?lang=en").get_data(as_text=True)
    assert _table(html, "trend-h") == {"2023": "1", "2024": "2", "2025": "0", "2026": "1"}
    assert "Challenges reported per year in Silwan" in html
    assert "/api/v1/trends.csv?kind=challenge&amp;area=silwan&amp;by=year" in html
    # Each challenge category of the area links to its topic page.
    assert 'href="/topics/housing"' in html


def test_a_field_sums_the_trend_and_ranks_the_areas(app, client, make_report):
    make_report(observed_on=dt.date(2024, 2, 1), fields={"people_displaced": 5})
    make_report(observed_on=dt.date(2025, 2, 1), fields={"people_displaced": 8})
    make_report(observed_on=dt.date(2025, 3, 1), lon=35.2137, lat=31.7683, fields={"people_displaced": 30})
    html = client.get("/topics/housing?lang=en&field=people_displaced").get_data(as_text=True)
    sums = dict(re.findall(r'<tr data-period="(\d+)">.*?<td data-sum="([^"]*)"', html, re.S))
    assert sums == {"2024": "5", "2025": "38"}
    ranked = re.findall(r'<tr data-slug="([^"]+)">.*?<td data-sum="([^"]*)"', html, re.S)
    assert ranked[0][1] == "30" and ("silwan", "13") in ranked
    assert 'data-field="people_displaced" aria-current="true"' in html
    # The areas shaded by the sum: a static SVG map, every area with its sum in its tooltip.
    path = r'<path d="[^"]+" fill="(#[0-9a-f]{6})" data-slug="silwan" data-value="(\d+)"'
    shaded = dict(re.findall(path, html))
    assert list(shaded.values()) == ["13"]
    assert re.search(r'<svg [^>]*class="sum-map" role="img"', html)
    assert "<title>Silwan: 13</title>" in html
    app.config["MIN_PUBLIC_COUNT"] = 2
    hidden = client.get("/topics/housing?lang=en&field=people_displaced").get_data(as_text=True)
    assert "<title>Silwan: 13</title>" in hidden  # two reports: shown
    assert re.search(r'fill="#d5d8dc" data-slug="[^"]+" data-value="fewer than 2 reports"', hidden)
    assert 'data-value="30"' not in hidden  # one report there: its sum is not told
    # A field the page does not know (or a private one) is ignored: counts, status 200.
    for bad in ("case_number", "nope", "households_affected"):
        resp = client.get(f"/topics/housing?field={bad}")
        assert resp.status_code == 200 and "data-sum" not in resp.get_data(as_text=True)


def test_the_ranking_order_tells_nothing_of_hidden_counts(app, client, make_report):
    # Areas whose count shows as "<k" are listed by name: ordered by their count (or sum), the
    # list would tell which of two "<3" areas has 2 reports and which has 1.
    app.config["MIN_PUBLIC_COUNT"] = 3
    make_report(observed_on=dt.date(2025, 1, 1))  # Silwan
    make_report(observed_on=dt.date(2025, 1, 1), lon=35.2137, lat=31.7683)
    slugs = r'<tr data-slug="([^"]+)">'
    before = re.findall(slugs, client.get("/topics/housing?lang=en").get_data(as_text=True))
    assert len(before) == 2
    # A second report (with a sum) in the area listed last: still "<3", still listed last.
    make_report(observed_on=dt.date(2025, 2, 1), fields={"people_displaced": 4},
                **({"lon": 35.2137, "lat": 31.7683} if before[-1] != "silwan" else {}))
    for query in ("", "&field=people_displaced"):
        html = client.get(f"/topics/housing?lang=en{query}").get_data(as_text=True)
        assert re.findall(slugs, html) == before, query
        assert "&lt;3" in html
