"""/api/v1/clusters: counts match the database, follow publication at once, strict parameters."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Report, User
from webapp.queries import ReportFilters, apply_filters, published
from webapp.reporting import change_status

CITY = "34.9,31.5,35.5,32.1"


def db_count(app, **filters) -> int:
    with app.app_context():
        stmt = apply_filters(published(), ReportFilters(**filters)).with_only_columns(func.count())
        return db.session.scalar(stmt)


@pytest.fixture
def reports(make_report):
    ids = []
    for i in range(12):
        ids.append(make_report(title=f"Housing {i}", lon=35.2389 + 0.01 * (i % 4),
                               lat=31.7698 + 0.01 * (i % 3),
                               observed_on=dt.date(2026, 1 + i % 6, 1)))
    for i in range(5):
        ids.append(make_report(kind="initiative", category="education", title=f"School {i}",
                               lon=35.21 + 0.005 * i, lat=31.78, observed_on=None))
    make_report(publish=False, title="Pending one")  # never counted
    return ids


def totals(client, query: str) -> tuple[int, dict]:
    resp = client.get(f"/api/v1/clusters?{query}")
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()
    assert data["type"] == "FeatureCollection"
    n = sum(f["properties"]["count"] for f in data["features"])
    for f in data["features"]:
        p = f["properties"]
        assert p["count"] == p.get("challenge", 0) + p.get("initiative", 0)
    assert n == data["total"]
    return n, data


@pytest.mark.parametrize("zoom", [10, 12, 15])
def test_counts_sum_to_the_database_count(app, client, reports, zoom):
    n, data = totals(client, f"zoom={zoom}&bbox={CITY}")
    assert n == db_count(app) == 17
    assert data["zoom"] == zoom and data["cell_deg"] > 0
    assert len(data["features"]) <= n


@pytest.mark.parametrize("query, filters", [
    ("kind=challenge", {"kind": "challenge"}),
    ("category=education", {"categories": ("education",)}),
    ("since=2026-03-01", {"since": dt.date(2026, 3, 1)}),
    ("until=2026-02-01", {"until": dt.date(2026, 2, 1)}),
    ("q=school", {"q": "school"}),
    ("bbox=35.2,31.76,35.24,31.775", {"bbox": (35.2, 31.76, 35.24, 31.775)}),
])
def test_filters_match_sql(app, client, reports, query, filters):
    # zoom 19: cells of ~40 m, so widening the bbox to whole cells adds nothing here.
    n, _ = totals(client, f"zoom=19&{query}" if "bbox" in query else f"zoom=12&bbox={CITY}&{query}")
    assert n == db_count(app, **filters)


def test_publish_changes_the_counts_at_once(app, client, reports, make_report, make_user):
    before, _ = totals(client, f"zoom=12&bbox={CITY}")
    pending = make_report(publish=False, title="Late")
    assert totals(client, f"zoom=12&bbox={CITY}")[0] == before  # pending: not shown
    with app.app_context():
        admin = db.session.get(User, make_user("mod@example.org", "long enough password", "admin"))
        change_status(db.session.get(Report, pending), "publish", admin)
    assert totals(client, f"zoom=12&bbox={CITY}")[0] == before + 1
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "mod@example.org"))
        change_status(db.session.get(Report, pending), "archive", admin)
    assert totals(client, f"zoom=12&bbox={CITY}")[0] == before


@pytest.mark.parametrize("query, parameter", [
    ("bbox=" + CITY, "zoom"),
    ("zoom=abc&bbox=" + CITY, "zoom"),
    ("zoom=23&bbox=" + CITY, "zoom"),
    ("zoom=12&zoom=13&bbox=" + CITY, "zoom"),
    ("zoom=12&bbox=1,2,3", "bbox"),
    ("zoom=12&bbox=35.5,31.5,35.0,32.0", "bbox"),
    ("zoom=12&kind=thing", "kind"),
])
def test_bad_parameters_are_named(client, query, parameter):
    resp = client.get(f"/api/v1/clusters?{query}")
    assert resp.status_code == 400
    assert resp.get_json()["parameter"] == parameter


def test_single_report_feature(client, reports, make_report):
    resp = client.get(f"/api/v1/reports/{reports[0]}")
    assert resp.status_code == 200
    assert resp.get_json()["properties"]["id"] == reports[0]
    hidden = make_report(publish=False, title="Hidden")
    assert client.get(f"/api/v1/reports/{hidden}").status_code == 404
