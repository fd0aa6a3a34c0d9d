"""The shared report filters: area, observed-date range and title search (API)."""

from __future__ import annotations

import datetime as dt

import pytest

SHEIKH_JARRAH = (35.2312, 31.7930)


def ids(client, query: str) -> set[int]:
    resp = client.get(f"/api/v1/reports?{query}")
    assert resp.status_code == 200, resp.get_json()
    return {f["properties"]["id"] for f in resp.get_json()["features"]}


@pytest.fixture
def reports(make_report):
    return {
        "old": make_report(title="Water cut in winter", observed_on=dt.date(2025, 1, 10)),
        "new": make_report(title="School roof leaking", category="education",
                           observed_on=dt.date(2026, 6, 1)),
        "sj": make_report(title="Eviction case 100% urgent", lon=SHEIKH_JARRAH[0],
                          lat=SHEIKH_JARRAH[1], observed_on=dt.date(2026, 3, 3)),
        "ar": make_report(title="انقطاع المياه في الحي", category="water",
                          observed_on=dt.date(2026, 2, 2)),
    }


def test_area_filter(client, reports):
    assert ids(client, "area=sheikh-jarrah") == {reports["sj"]}
    assert reports["sj"] not in ids(client, "area=silwan")


def test_date_range(client, reports):
    assert ids(client, "since=2026-01-01") == {reports["new"], reports["sj"], reports["ar"]}
    assert ids(client, "until=2025-12-31") == {reports["old"]}
    assert ids(client, "since=2026-02-02&until=2026-03-03") == {reports["sj"], reports["ar"]}


def test_title_search_all_words_any_case(client, reports):
    assert ids(client, "q=school") == {reports["new"]}
    assert ids(client, "q=ROOF+school") == {reports["new"]}
    assert ids(client, "q=المياه") == {reports["ar"]}
    assert ids(client, "q=100%25") == {reports["sj"]}
    assert ids(client, "q=%25") == {reports["sj"]}  # a literal %, not a wildcard
    assert ids(client, "q=_") == set()


@pytest.mark.parametrize("query, parameter", [
    ("area=atlantis", "area"),
    ("area=<b>", "area"),
    ("since=2026-13-01", "since"),
    ("since=yesterday", "since"),
    ("until=2026-02-30", "until"),
    ("since=2026-05-01&until=2026-01-01", "until"),
    ("q=" + "x" * 101, "q"),
    ("q=a%00b", "q"),
    ("since=2026-01-01&since=2026-02-01", "since"),
])
def test_bad_filters_name_the_parameter(client, query, parameter):
    resp = client.get(f"/api/v1/reports?{query}")
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["parameter"] == parameter
    assert "<b>" not in body["error"]


def test_filters_round_trip_to_query_string(app):
    from werkzeug.datastructures import MultiDict

    from webapp.api.params import report_filters
    from webapp.store.layers import place_slugs
    from webapp.store.reporting import get_taxonomy

    args = MultiDict([("kind", "challenge"), ("category", "housing"), ("category", "water"),
                      ("area", "silwan"), ("since", "2026-01-01"), ("until", "2026-02-01"),
                      ("q", "roof  leak"), ("bbox", "35.2,31.7,35.3,31.8")])
    with app.test_request_context():
        filters = report_filters(args, get_taxonomy(), place_slugs())
        again = report_filters(MultiDict(filters.to_args()), get_taxonomy(), place_slugs())
    assert filters == again
    assert filters.q == "roof leak"
