"""/api/v1/clusters: counts match the database, follow publication at once, strict parameters."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.state import app_state
from webapp.store.models import Report, User
from webapp.store.queries import ReportFilters, apply_filters, published
from webapp.store.reporting import change_status

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


# --- MIN_PUBLIC_COUNT: small-count suppression of the published counts --------------------------

def cell_centre(ix: int, iy: int, zoom: int = 12) -> tuple[float, float]:
    """The middle of grid cell (ix, iy) at ``zoom``, in degrees: far from any cell edge."""
    from geo.spatial.aggregate import cell_size

    cell = cell_size(zoom)
    return round((ix + 0.5) * cell, 6), round((iy + 0.5) * cell, 6)


# Four cells side by side in Jerusalem at zoom 12 (cells of ~0.0206°): cell x 1708 is at lon ~35.19.
SMALL, MIXED, EXACT, TWO_SMALL = (cell_centre(1708 + 2 * i, 1542) for i in range(4))


@pytest.fixture
def small_counts(make_report):
    """2 challenges | 7 challenges + 2 initiatives | 6 challenges | 3 challenges + 3 initiatives."""
    def put(where, n, kind="challenge"):
        category = "housing" if kind == "challenge" else "education"
        for _ in range(n):
            make_report(kind=kind, category=category, precision="exact", lon=where[0], lat=where[1])
    put(SMALL, 2)
    put(MIXED, 7)
    put(MIXED, 2, "initiative")
    put(EXACT, 6)
    put(TWO_SMALL, 3)
    put(TWO_SMALL, 3, "initiative")


def clusters_by_cell(client, query: str = f"zoom=12&bbox={CITY}") -> tuple[dict, dict]:
    resp = client.get(f"/api/v1/clusters?{query}")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    cells = {}
    body["tops"] = {}  # each cell's most frequent category per kind, checked on its own
    for f in body["features"]:
        lon, lat = f["geometry"]["coordinates"]
        where = min((SMALL, MIXED, EXACT, TWO_SMALL), key=lambda c: abs(c[0] - lon))
        body["tops"][where] = f["properties"].pop("top", {})
        cells[where] = f["properties"]
    return body, cells


def test_without_suppression_every_count_is_exact(client, small_counts):
    body, cells = clusters_by_cell(client)
    assert cells[SMALL] == {"count": 2, "challenge": 2, "initiative": 0}
    assert cells[MIXED] == {"count": 9, "challenge": 7, "initiative": 2}
    assert body["total"] == 23 and body["total_is_lower_bound"] is False and body["min_count"] == 1


def test_suppressed_cells_and_kinds(app, client, small_counts):
    app.config["MIN_PUBLIC_COUNT"] = 5
    body, cells = clusters_by_cell(client)
    assert len(cells) == 4
    # Fewer than 5 reports: the cell keeps its position, its counts are "<5".
    assert cells[SMALL] == {"count": "<5", "challenge": "<5", "initiative": 0}
    # 2 initiatives are hidden; an exact 7 would give them away (9 - 7), so it is a bound: ≥ 9 - 4.
    assert cells[MIXED] == {"count": 9, "challenge": ">4", "initiative": "<5"}
    assert cells[EXACT] == {"count": 6, "challenge": 6, "initiative": 0}
    # Two hidden kinds that add up to 5 or more: 6 - nothing reveals only the cell's count.
    assert cells[TWO_SMALL] == {"count": 6, "challenge": "<5", "initiative": "<5"}
    # No exact count from 1 to 4 anywhere in the response.
    assert not [v for p in cells.values() for v in p.values() if isinstance(v, int) and 0 < v < 5]
    # The total counts the suppressed cell as 1 (not 2) and says it is a lower bound.
    assert body["total"] == 1 + 9 + 6 + 6 and body["total_is_lower_bound"] is True
    assert body["min_count"] == 5


def test_totals_of_two_bboxes_do_not_reveal_a_suppressed_cell(app, client, small_counts):
    """Two views one cell apart: the difference of their totals is not the hidden count (2)."""
    app.config["MIN_PUBLIC_COUNT"] = 5
    west = SMALL[0] - 0.005
    east = SMALL[0] + 0.005
    with_small, _ = clusters_by_cell(client, f"zoom=12&bbox={west},31.7,35.4,31.9")
    without, _ = clusters_by_cell(client, f"zoom=12&bbox={east + 0.011},31.7,35.4,31.9")
    assert with_small["total"] - without["total"] == 1


def test_kind_filter_is_suppressed_too(app, client, small_counts):
    app.config["MIN_PUBLIC_COUNT"] = 5
    _, cells = clusters_by_cell(client, f"zoom=12&bbox={CITY}&kind=initiative")
    assert cells[MIXED] == cells[TWO_SMALL] == {"count": "<5", "challenge": 0, "initiative": "<5"}


def test_suppressed_response_matches_the_openapi_schema(app, client, small_counts):
    from jsonschema import Draft202012Validator

    app.config["MIN_PUBLIC_COUNT"] = 5
    doc = client.get("/api/v1/openapi.json").get_json()
    body, _ = clusters_by_cell(client)
    schema = {**doc["components"]["schemas"]["ClusterCollection"], "components": doc["components"]}
    Draft202012Validator(schema).validate(body)
    body["features"][0]["properties"]["count"] = "2"  # the schema does reject other strings
    assert not Draft202012Validator(schema).is_valid(body)


def test_etag_and_cache_follow_the_setting(app, client, small_counts):
    """The API cache keys on MIN_PUBLIC_COUNT (a deployment setting): a restart with another
    value answers a conditional GET with new counts, not a 304."""
    query = f"/api/v1/clusters?zoom=12&bbox={CITY}"
    first = client.get(query)
    assert first.status_code == 200
    app.config["MIN_PUBLIC_COUNT"] = 5
    state = app_state(app)  # what a restart of the process drops:
    state.api_deploy = state.api_cache = None
    again = client.get(query, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
    assert again.get_json()["total_is_lower_bound"] is True


def test_a_cluster_names_each_kinds_most_frequent_category(app, client, small_counts, make_report):
    """The map colours a cluster by what it holds; a suppressed kind's category stays hidden."""
    make_report(kind="challenge", category="water", precision="exact", lon=MIXED[0], lat=MIXED[1])
    body, _ = clusters_by_cell(client)
    assert body["tops"][MIXED] == {"challenge": "housing", "initiative": "education"}
    assert body["tops"][SMALL] == {"challenge": "housing"}  # no initiative there: no entry


def test_a_suppressed_kind_keeps_its_category_hidden(app, client, small_counts):
    app.config["MIN_PUBLIC_COUNT"] = 5
    body, cells = clusters_by_cell(client)
    assert cells[SMALL]["challenge"] == "<5" and body["tops"][SMALL] == {}
    assert body["tops"][EXACT] == {"challenge": "housing"}
    assert "initiative" not in body["tops"][MIXED]  # "<5" initiatives
