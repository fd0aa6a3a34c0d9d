"""GET /api/v1/reports and /api/v1/categories: published reports only, filters, strict parameters."""

from __future__ import annotations

import pytest

from tests.conftest import SILWAN

BEIT_HANINA = (35.2239, 31.8349)  # inside Beit Hanina, ~7 km north of Silwan
SILWAN_BBOX = "35.22,31.75,35.26,31.79"


@pytest.fixture
def reports(app, make_report, make_user):
    """Published reports of both kinds in two areas, plus unpublished ones."""
    from webapp.extensions import db
    from webapp.store.models import Report, User
    from webapp.store.reporting import change_status

    ids = {
        "housing": make_report(title="Silwan housing"),
        "water": make_report(category="water", title="Silwan water", precision="exact"),
        "north": make_report(category="education", title="Beit Hanina school", lon=BEIT_HANINA[0],
                             lat=BEIT_HANINA[1], precision="area"),
        "initiative": make_report(kind="initiative", category="legal-aid", title="Legal clinic"),
        "pending": make_report(publish=False, title="Pending report"),
    }
    for name, action in (("rejected", "reject"), ("archived", "archive")):
        ids[name] = make_report(title=f"{name} report")
        with app.app_context():
            user = db.session.get(User, make_user(f"{name}@example.org", "long enough password"))
            change_status(db.session.get(Report, ids[name]), action, user, "reason")
    return ids


def get(client, query=""):
    resp = client.get("/api/v1/reports" + query)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp


def titles(resp):
    return sorted(f["properties"]["title"] for f in resp.get_json()["features"])


def test_geojson_of_published_reports_only(client, reports):
    resp = get(client)
    assert resp.mimetype == "application/geo+json"
    data = resp.get_json()
    assert data["type"] == "FeatureCollection"
    assert data["count"] == 4 and data["truncated"] is False and data["limit"] == 500
    assert titles(resp) == ["Beit Hanina school", "Legal clinic", "Silwan housing", "Silwan water"]
    feature = next(f for f in data["features"] if f["id"] == reports["housing"])
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
    props = feature["properties"]
    assert set(props) == {"id", "kind", "category", "title", "excerpt", "area", "precision",
                          "observed_on", "organization", "link", "is_demo", "url", "organization_record",
                          "status", "updates", "affected_areas", "fields"}
    assert props["status"] == "reported" and props["updates"] == 0 and props["affected_areas"] == 0
    assert props["area"] == "silwan" and props["observed_on"] == "2026-10-01"
    assert props["url"] == f"/reports/{reports['housing']}"
    assert client.get(props["url"]).status_code == 200


def test_public_point_is_not_the_exact_point(client, reports):
    features = {f["id"]: f for f in get(client).get_json()["features"]}
    approx = features[reports["housing"]]["geometry"]["coordinates"]
    assert approx != [round(SILWAN[0], 6), round(SILWAN[1], 6)]
    assert abs(approx[0] - SILWAN[0]) + abs(approx[1] - SILWAN[1]) > 0.001  # moved >~100 m
    area = features[reports["north"]]["geometry"]["coordinates"]
    assert area != [BEIT_HANINA[0], BEIT_HANINA[1]]
    exact = features[reports["water"]]["geometry"]["coordinates"]
    assert exact == [round(SILWAN[0], 6), round(SILWAN[1], 6)]  # the reporter chose "exact"


def test_filters_by_kind_and_category(client, reports):
    assert titles(get(client, "?kind=initiative")) == ["Legal clinic"]
    assert len(get(client, "?kind=challenge").get_json()["features"]) == 3
    assert titles(get(client, "?category=water")) == ["Silwan water"]
    assert titles(get(client, "?category=water&category=housing")) == ["Silwan housing", "Silwan water"]
    assert titles(get(client, "?category=water,education")) == ["Beit Hanina school", "Silwan water"]
    assert titles(get(client, "?kind=initiative&category=legal-aid")) == ["Legal clinic"]
    assert titles(get(client, "?kind=challenge&category=housing")) == ["Silwan housing"]


def test_bbox_uses_the_public_point(client, reports):
    assert titles(get(client, "?bbox=" + SILWAN_BBOX)) == ["Legal clinic", "Silwan housing", "Silwan water"]
    assert titles(get(client, "?bbox=35.20,31.82,35.25,31.85")) == ["Beit Hanina school"]
    assert titles(get(client, "?bbox=0,0,1,1")) == []
    assert titles(get(client, f"?bbox={SILWAN_BBOX}&kind=challenge&category=water")) == ["Silwan water"]


def test_limit_and_truncation(client, reports):
    data = get(client, "?limit=2").get_json()
    assert data["count"] == 2 and data["truncated"] is True and data["limit"] == 2
    # Newest first.
    assert [f["id"] for f in data["features"]] == sorted(
        [reports[k] for k in ("housing", "water", "north", "initiative")], reverse=True)[:2]
    assert get(client, "?limit=4").get_json()["truncated"] is False
    assert get(client, "?limit=5000").get_json()["count"] == 4


def test_excerpt_not_full_description(client, make_report):
    long = ("word " * 120).strip() + " THE-END"
    make_report(description=long)
    resp = get(client)
    props = resp.get_json()["features"][0]["properties"]
    assert props["excerpt"].endswith("…") and len(props["excerpt"]) <= 201
    assert "THE-END" not in resp.get_data(as_text=True)
    assert "description" not in props


@pytest.mark.parametrize(("query", "parameter"), [
    ("?kind=event", "kind"),
    ("?kind=", "kind"),
    ("?kind=challenge&kind=initiative", "kind"),
    ("?category=nope", "category"),
    ("?category=", "category"),
    ("?category=housing&category=%3Cscript%3E", "category"),
    ("?bbox=1,2,3", "bbox"),
    ("?bbox=1,2,3,4,5", "bbox"),
    ("?bbox=a,b,c,d", "bbox"),
    ("?bbox=nan,31,35,32", "bbox"),
    ("?bbox=inf,31,35,32", "bbox"),
    ("?bbox=-inf,31,35,32", "bbox"),
    ("?bbox=35.3,31.7,35.2,31.8", "bbox"),  # min > max
    ("?bbox=35.2,31.7,35.2,31.8", "bbox"),  # empty
    ("?bbox=35,-91,36,32", "bbox"),
    ("?bbox=-181,31,36,32", "bbox"),
    ("?bbox=35,31,181,32", "bbox"),
    ("?bbox=1e999,31,36,32", "bbox"),
    ("?bbox=35,31,36,32&bbox=0,0,1,1", "bbox"),
    ("?limit=0", "limit"),
    ("?limit=5001", "limit"),
    ("?limit=-1", "limit"),
    ("?limit=ten", "limit"),
    ("?limit=1.5", "limit"),
    ("?limit=", "limit"),
    ("?limit=99999999999999999999", "limit"),
])
def test_bad_parameters_are_400_naming_the_parameter(client, query, parameter):
    resp = client.get("/api/v1/reports" + query)
    assert resp.status_code == 400
    assert resp.is_json
    body = resp.get_json()
    assert body["parameter"] == parameter
    assert body["error"] and "<script>" not in body["error"]


def test_unknown_parameters_are_ignored(client, reports):
    assert get(client, "?lang=en&_=123").get_json()["count"] == 4


def test_categories_endpoint(client):
    data = client.get("/api/v1/categories").get_json()
    assert data["lang"] == "ar"
    housing = next(c for c in data["challenge"] if c["id"] == "housing")
    fields = housing.pop("fields")  # its public structured fields: see test_field_outputs.py
    assert housing == {"id": "housing", "label_en": "Housing & demolitions", "label_ar": "السكن والهدم",
                       "colour": "#b3261e", "icon": "⌂", "label": "السكن والهدم"}
    assert fields and "case_number" not in {f["id"] for f in fields}
    assert {c["id"] for c in data["initiative"]} >= {"legal-aid", "other"}
    en = client.get("/api/v1/categories?lang=en").get_json()
    assert en["lang"] == "en" and en["challenge"][0]["label"] == "Housing & demolitions"


def test_empty_database(client):
    data = get(client).get_json()
    assert data == {"type": "FeatureCollection", "count": 0, "limit": 500, "truncated": False,
                    "numberMatched": 0, "numberReturned": 0, "features": []}


def test_api_404_is_json(client):
    resp = client.get("/api/v1/nope")
    assert resp.status_code == 404 and resp.is_json


def test_request_line_over_gunicorns_limit_is_a_declared_414(client):
    """Issue 19: gunicorn answers 414 past 4,094 bytes; the API does the same and declares it."""
    resp = client.get("/api/v1/reports?q=" + "a" * 4100)
    assert resp.status_code == 414 and resp.get_json()["status"] == 414
    assert client.get("/api/v1/reports?q=" + "a" * 90).status_code == 200
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, item in doc["paths"].items():
        assert "414" in item["get"]["responses"], path
