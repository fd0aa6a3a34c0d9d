"""Reports over time: /api/v1/trends and its CSV equal counts made independently from the rows."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import io

import numpy as np
import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.store.models import Report
from webapp.store.pointcache import NO_DAY
from webapp.store.trends import count_periods


def _rows(app, **where):
    with app.app_context():
        rows = db.session.scalars(select(Report).where(Report.status == "published")).all()
        return [r for r in rows if all(getattr(r, k) == v for k, v in where.items())]


@pytest.fixture
def demo(app, runner):
    assert runner.invoke(args=["demo", "load", "--count", "200", "--seed", "3"]).exit_code == 0
    with app.app_context():
        # One report without a date and one unpublished: neither may be counted in a period.
        published = db.session.scalars(select(Report).where(Report.status == "published")).all()
        published[0].observed_on = None
        published[1].status = "rejected"
        from webapp.store.versioning import bump_data_version
        bump_data_version()
        db.session.commit()
    return app


@pytest.mark.parametrize("by", ["year", "month"])
def test_counts_per_period_equal_the_rows(demo, client, by):
    rows = _rows(demo, kind="challenge", category="housing")
    key = (lambda d: f"{d.year:04d}") if by == "year" else (lambda d: f"{d.year:04d}-{d.month:02d}")
    expected = collections.Counter(key(r.observed_on) for r in rows if r.observed_on)
    resp = client.get(f"/api/v1/trends?kind=challenge&category=housing&by={by}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    got = {p["period"]: p["count"] for p in body["periods"]}
    assert {k: v for k, v in got.items() if v} == dict(expected)
    # Every period between the first and the last is listed, zeros included, in order.
    keys = [p["period"] for p in body["periods"]]
    assert keys == sorted(keys) and keys[0] == min(expected) and keys[-1] == max(expected)
    assert body["total"]["count"] == len(rows)
    assert body["undated"] == sum(1 for r in rows if r.observed_on is None)
    assert body["total_is_lower_bound"] is False


def test_area_and_dates_filter_like_the_map(demo, client):
    rows = [r for r in _rows(demo, area="silwan") if r.observed_on and r.observed_on >= dt.date(2025, 1, 1)]
    body = client.get("/api/v1/trends?area=silwan&since=2025-01-01").get_json()
    assert body["total"]["count"] == len(rows)
    assert body["periods"][0]["period"] == "2025"
    assert body["filters"] == {"area": "silwan", "since": "2025-01-01"}


def test_csv_holds_the_same_table(demo, client):
    body = client.get("/api/v1/trends?by=month&kind=initiative").get_json()
    resp = client.get("/api/v1/trends.csv?by=month&kind=initiative")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [(r["period"], r["start"], r["end"], int(r["count"])) for r in table] == [
        (p["period"], p["start"], p["end"], p["count"]) for p in body["periods"]]


def test_small_counts_are_suppressed_and_totals_become_lower_bounds(app, client, make_report):
    for day in (dt.date(2024, 3, 1), dt.date(2025, 3, 1), dt.date(2025, 4, 1), dt.date(2025, 5, 1)):
        make_report(observed_on=day)
    app.config["MIN_PUBLIC_COUNT"] = 3
    body = client.get("/api/v1/trends?category=housing").get_json()
    assert [(p["period"], p["count"]) for p in body["periods"]] == [("2024", "<3"), ("2025", 3)]
    # An exact total (4) would give the hidden year away: 4 - 3 = 1.
    assert body["total"] == {"count": 3} and body["total_is_lower_bound"] is True
    csv_text = client.get("/api/v1/trends.csv?category=housing").get_data(as_text=True)
    assert "2024,2024-01-01,2024-12-31,<3" in csv_text


def test_an_empty_window_lists_its_zero_periods(app, client, make_report):
    make_report(observed_on=dt.date(2020, 1, 1))
    body = client.get("/api/v1/trends?since=2026-01-01&until=2026-03-31&by=month").get_json()
    assert [(p["period"], p["count"]) for p in body["periods"]] == [
        ("2026-01", 0), ("2026-02", 0), ("2026-03", 0)]
    assert body["total"]["count"] == 0


@pytest.mark.parametrize("query, parameter", [
    ("by=week", "by"), ("by=", "by"), ("by=year&by=month", "by"),
    ("field=people_displaced&kind=initiative", "field"), ("field=case_number", "field"),
    ("field=%3Cscript%3E", "field"), ("category=nope", "category"), ("since=2026-13-01", "since"),
    ("since=2026-02-01&until=2026-01-01", "until"), ("area=nowhere", "area"), ("bbox=1,2", "bbox"),
])
def test_bad_parameters_are_400_json(client, query, parameter):
    for path in ("/api/v1/trends", "/api/v1/trends.csv"):
        resp = client.get(f"{path}?{query}")
        assert resp.status_code == 400, (path, query)
        assert resp.get_json()["parameter"] == parameter
        assert "<script>" not in resp.get_data(as_text=True)


def test_cached_per_data_version(app, client, make_report):
    make_report()
    first = client.get("/api/v1/trends")
    etag = first.headers["ETag"]
    assert client.get("/api/v1/trends", headers={"If-None-Match": etag}).status_code == 304
    make_report(observed_on=dt.date(2019, 5, 5))
    second = client.get("/api/v1/trends", headers={"If-None-Match": etag})
    assert second.status_code == 200
    assert second.get_json()["periods"][0]["period"] == "2019"


def test_count_periods_sums_and_fills():
    day = lambda s: (dt.date.fromisoformat(s) - dt.date(1970, 1, 1)).days  # noqa: E731
    days = np.array([day("2024-01-05"), day("2024-03-31"), day("2024-03-01"), NO_DAY], dtype=np.int32)
    values = np.array([2.0, np.nan, 5.5, 7.0])
    periods, undated, undated_total = count_periods(days, "month", values)
    assert [(p.key, p.count, p.total) for p in periods] == [
        ("2024-01", 1, 2.0), ("2024-02", 0, 0.0), ("2024-03", 2, 5.5)]
    assert periods[1].end == dt.date(2024, 2, 29) and (undated, undated_total) == (1, 7.0)
    periods, *_ = count_periods(days, "year", since=dt.date(2022, 6, 1))
    assert [(p.key, p.count) for p in periods] == [("2022", 0), ("2023", 0), ("2024", 3)]
    assert count_periods(np.array([], dtype=np.int32), "year") == ([], 0, 0.0)


def test_sums_of_a_field_equal_the_rows(app, client, make_report):
    people = {dt.date(2024, 2, 1): 5, dt.date(2024, 9, 1): 7, dt.date(2025, 1, 3): 11}
    for day, n in people.items():
        make_report(observed_on=day, fields={"people_displaced": n, "structures": 1,
                                             "case_number": "PRIVATE-1"})
    make_report(observed_on=dt.date(2025, 6, 1))  # no value: counted, adds nothing
    make_report(category="water", observed_on=dt.date(2024, 6, 1), fields={"households_affected": 40})
    body = client.get("/api/v1/trends?category=housing&field=people_displaced&by=year").get_json()
    assert [(p["period"], p["count"], p["sum"]) for p in body["periods"]] == [
        ("2024", 2, 12), ("2025", 2, 11)]
    assert body["total"] == {"count": 4, "sum": 23} and body["field"] == "people_displaced"
    # Without category=, the field's own category is implied (the water report is not counted).
    same = client.get("/api/v1/trends?field=people_displaced").get_json()
    assert same["periods"] == body["periods"] and same["filters"]["category"] == ["housing"]
    table = list(csv.DictReader(io.StringIO(client.get(
        "/api/v1/trends.csv?category=housing&field=people_displaced").get_data(as_text=True))))
    assert [(r["period"], r["count"], r["sum_people_displaced"]) for r in table] == [
        ("2024", "2", "12"), ("2025", "2", "11")]
    # A private field is never summed, and a field of another category is refused.
    for bad in ("field=case_number", "category=water&field=people_displaced"):
        resp = client.get(f"/api/v1/trends?{bad}")
        assert resp.status_code == 400 and resp.get_json()["parameter"] == "field"
    # A change of the data is seen at once (the values are cached per data version).
    make_report(observed_on=dt.date(2025, 2, 2), fields={"people_displaced": 100})
    again = client.get("/api/v1/trends?field=people_displaced").get_json()
    assert again["total"]["sum"] == 123


def test_sums_are_withheld_with_suppressed_counts(app, client, make_report):
    make_report(observed_on=dt.date(2024, 2, 1), fields={"people_displaced": 9})
    for _ in range(3):
        make_report(observed_on=dt.date(2025, 2, 1), fields={"people_displaced": 2})
    app.config["MIN_PUBLIC_COUNT"] = 3
    body = client.get("/api/v1/trends?field=people_displaced").get_json()
    assert [(p["count"], p["sum"]) for p in body["periods"]] == [("<3", None), (3, 6)]
    assert body["total"] == {"count": 3, "sum": 6} and body["total_is_lower_bound"]


def test_count_periods_with_dates_centuries_apart():
    """A mistyped year (0205 for 2025) takes the grouping by sort instead of one bincount per day."""
    day = lambda s: (dt.date.fromisoformat(s) - dt.date(1970, 1, 1)).days  # noqa: E731
    days = np.array([day("0205-03-01"), day("2025-03-01"), day("2025-07-01"), NO_DAY], dtype=np.int32)
    periods, undated, _total = count_periods(days, "year", np.array([1.0, 2.0, 3.0, 4.0]))
    assert [(p.key, p.count, p.total) for p in periods if p.count] == [("0205", 1, 1.0), ("2025", 2, 5.0)]
    assert len(periods) == 2 and undated == 1  # 1,821 years apart: only the years with reports


@pytest.mark.parametrize("query", [
    "by=month&since=9999-01-01&until=9999-12-31", "by=year&since=0001-01-01&until=9999-12-31",
    "by=month&since=0001-01-01&until=9999-12-31", "by=month&since=0001-01-01",
])
def test_the_ends_of_the_calendar(client, make_report, query):
    make_report(observed_on=dt.date(2025, 12, 31))
    resp = client.get(f"/api/v1/trends?{query}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    periods = resp.get_json()["periods"]
    if "since=9999" in query:
        assert [p["period"] for p in periods][-1] == "9999-12" and periods[-1]["end"] == "9999-12-31"
    else:
        assert [(p["period"], p["count"]) for p in periods if p["count"]] in (
            [("2025", 1)], [("2025-12", 1)])
