"""/api/v1/areas: counts per area equal counts made independently from the database rows."""

from __future__ import annotations

import collections
import datetime as dt

import pytest

from webapp.extensions import db
from webapp.store.models import Report

MEASURES = ("challenge", "initiative")


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["demo", "load", "--count", "150", "--seed", "3"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = [(r.area, r.kind, r.category, r.observed_on, r.title)
                for r in db.session.scalars(db.select(Report).where(Report.status == "published"))]
    assert len(rows) == 150
    return rows


def expected_counts(rows, keep=lambda r: True) -> dict[str, dict]:
    """Counts per area made from the rows in Python, without the app's SQL or pandas."""
    out: dict[str, dict] = collections.defaultdict(
        lambda: {"challenge": 0, "initiative": 0, "by": {"challenge": collections.Counter(),
                                                         "initiative": collections.Counter()}})
    for area, kind, category, observed, title in rows:
        if area and keep((area, kind, category, observed, title)):
            out[area][kind] += 1
            out[area]["by"][kind][category] += 1
    return out


def get_areas(client, query: str = "") -> dict:
    resp = client.get(f"/api/v1/areas?{query}")
    assert resp.status_code == 200, resp.get_json()
    assert resp.mimetype == "application/geo+json"
    return resp.get_json()


def assert_counts_match(body: dict, expected: dict) -> None:
    for feature in body["features"]:
        props = feature["properties"]
        want = expected.get(props["slug"], {"challenge": 0, "initiative": 0,
                                            "by": {"challenge": {}, "initiative": {}}})
        assert props["challenges"] == want["challenge"], props["slug"]
        assert props["initiatives"] == want["initiative"], props["slug"]
        for kind in MEASURES:
            assert props["by_category"][kind] == {c: n for c, n in want["by"][kind].items() if n}


def test_every_area_with_names_geometry_and_counts(client, demo):
    body = get_areas(client)
    assert body["type"] == "FeatureCollection" and body["count"] == 102 == len(body["features"])
    silwan = next(f for f in body["features"] if f["id"] == "silwan")
    assert silwan["geometry"]["type"] in ("Polygon", "MultiPolygon")
    props = silwan["properties"]
    assert (props["name_ar"], props["name_en"], props["name_he"]) == ("سلوان", "Silwan", "סילואן")
    assert props["kind"] and props["sector"] == "east" and props["url"] == "/areas/silwan"
    assert_counts_match(body, expected_counts(demo))
    # Every counted report lies in an area of the collection or a place without a polygon.
    polygons = {f["id"] for f in body["features"]}
    counted = sum(f["properties"]["challenges"] + f["properties"]["initiatives"] for f in body["features"])
    assert counted == sum(1 for r in demo if r[0] in polygons)
    assert counted > 100


@pytest.mark.parametrize(("query", "keep"), [
    ("kind=initiative", lambda r: r[1] == "initiative"),
    ("category=housing", lambda r: r[2] == "housing"),
    ("category=housing&category=education", lambda r: r[2] in ("housing", "education")),
    ("kind=challenge&category=education", lambda r: r[1] == "challenge" and r[2] == "education"),
    ("since=2026-01-01", lambda r: r[3] is not None and r[3] >= dt.date(2026, 1, 1)),
    ("until=2025-12-31", lambda r: r[3] is not None and r[3] <= dt.date(2025, 12, 31)),
    ("area=silwan", lambda r: r[0] == "silwan"),
    ("q=DEMO", lambda r: "demo" in r[4].lower()),  # English titles only (the others say تجريبي)
    ("q=مبادرة", lambda r: "مبادرة" in r[4]),
])
def test_filters_change_the_counts(client, demo, query, keep):
    everything = get_areas(client)
    filtered = get_areas(client, query)
    expected = expected_counts(demo, keep)
    assert_counts_match(filtered, expected)
    def total(body):
        return sum(f["properties"]["challenges"] + f["properties"]["initiatives"] for f in body["features"])
    assert 0 < total(filtered) < total(everything)


def test_suppression_applies_to_every_count(app, client, demo):
    app.config["MIN_PUBLIC_COUNT"] = 3
    body = get_areas(client)
    expected = expected_counts(demo)
    seen_suppressed = 0
    for feature in body["features"]:
        props = feature["properties"]
        want = expected.get(props["slug"])
        raw = want["challenge"] if want else 0
        if 0 < raw < 3:
            assert props["challenges"] == "<3" and props["value"] == "<3"
            seen_suppressed += 1
        else:
            assert props["challenges"] == raw
        for kind in MEASURES:
            for cat, n in props["by_category"][kind].items():
                assert n == ("<3" if want["by"][kind][cat] < 3 else want["by"][kind][cat])
    assert seen_suppressed > 0
    # Classes may not reveal more than "<3" either: one "<3" class (as on posters), no break below 2.
    classes = body["classes"]
    assert classes["breaks"][0] == 2 and classes["ranges"][0] == [1, 2] and classes["labels"][0] == "<3"
    assert all(label != "<3" and int(label.split("–")[0]) >= 3 for label in classes["labels"][1:])
    small = {f["properties"]["class"] for f in body["features"] if f["properties"]["value"] == "<3"}
    assert small == {0}
    single = client.get("/api/v1/areas/silwan").get_json()["properties"]
    assert all(v == 0 or v == "<3" or v >= 3 for v in single["by_category"]["challenge"].values())


@pytest.mark.parametrize("query", ["", "measure=initiative", "measure=challenge&measure_category=housing",
                                   "kind=challenge&since=2025-06-01"])
def test_classes_are_monotonic(client, demo, query):
    body = get_areas(client, query)
    classes = body["classes"]
    assert classes["scheme"] == "quantiles"
    breaks, ranges = classes["breaks"], classes["ranges"]
    assert 1 <= len(breaks) <= 5 and breaks == sorted(set(breaks)) and len(ranges) == len(breaks)
    assert ranges[0][0] == 1 and ranges[-1][1] == breaks[-1]
    for (low, high), (next_low, _) in zip(ranges, ranges[1:], strict=False):
        assert low <= high and next_low == high + 1  # no gap, no empty class
    pairs = sorted((f["properties"]["value"], f["properties"]["class"]) for f in body["features"])
    assert [c for _, c in pairs] == sorted(c for _, c in pairs)
    for value, cls in pairs:
        if value == 0:
            assert cls == -1
        else:
            assert ranges[cls][0] <= value <= ranges[cls][1]
    assert max(c for _, c in pairs) == len(breaks) - 1  # the top class is used


def test_measure_counts_what_it_says(client, demo):
    body = get_areas(client, "measure=initiative&measure_category=education")
    expected = expected_counts(demo)
    for f in body["features"]:
        want = expected.get(f["id"])
        assert f["properties"]["value"] == (want["by"]["initiative"]["education"] if want else 0)


def test_geometry_none_keeps_the_counts(client, demo):
    full, bare = get_areas(client), get_areas(client, "geometry=none")
    assert bare["features"] and all(f["geometry"] is None for f in bare["features"])
    assert [f["properties"] for f in full["features"]] == [f["properties"] for f in bare["features"]]
    assert len(client.get("/api/v1/areas?geometry=none").data) * 3 < len(client.get("/api/v1/areas").data)


def test_empty_database_has_no_classes(client):
    body = get_areas(client)
    assert body["classes"]["breaks"] == [] and body["classes"]["ranges"] == []
    assert {f["properties"]["class"] for f in body["features"]} == {-1}
    assert {f["properties"]["challenges"] for f in body["features"]} == {0}


@pytest.mark.parametrize(("query", "parameter"), [
    ("kind=problem", "kind"), ("category=nope", "category"), ("since=2026-13-01", "since"),
    ("since=2026-02-01&until=2026-01-01", "until"), ("area=atlantis", "area"), ("q=" + "x" * 101, "q"),
    ("bbox=1,2,3", "bbox"), ("measure=both", "measure"), ("measure_category=nope", "measure_category"),
    ("geometry=simplified", "geometry"), ("measure=challenge&measure=initiative", "measure"),
])
def test_bad_parameters_are_400_naming_the_parameter(client, query, parameter):
    resp = client.get(f"/api/v1/areas?{query}")
    assert resp.status_code == 400
    assert resp.get_json()["parameter"] == parameter
    resp = client.get(f"/api/v1/areas/silwan?{query}")
    if parameter not in ("measure", "measure_category", "geometry"):  # the list's own parameters
        assert resp.status_code == 400 and resp.get_json()["parameter"] == parameter


def test_a_category_of_the_other_kind_matches_nothing(client, demo):
    """What the document allows the server accepts: two filters that no report meets are empty."""
    body = get_areas(client, "measure=challenge&measure_category=advocacy")
    assert body["classes"]["category"] == "advocacy" and body["classes"]["breaks"] == []
    assert {f["properties"]["class"] for f in body["features"]} == {-1}
    for url in ("/api/v1/areas/silwan?kind=challenge&category=advocacy",
                "/api/v1/areas?kind=challenge&category=advocacy"):
        body = client.get(url).get_json()
        features = body.get("features", [body])
        assert all(f["properties"]["challenges"] == 0 == f["properties"]["initiatives"] for f in features)
    body = client.get("/api/v1/clusters?zoom=12&kind=challenge&category=advocacy").get_json()
    assert body["features"] == [] and body["total"] == 0
    assert client.get("/api/v1/reports?kind=initiative&category=housing").get_json()["features"] == []


def test_one_area_has_every_category(client, demo):
    body = client.get("/api/v1/areas/silwan").get_json()
    assert body["type"] == "Feature" and body["geometry"]["type"] in ("Polygon", "MultiPolygon")
    props = body["properties"]
    assert props["has_polygon"] is True and props["url"] == "/areas/silwan"
    want = expected_counts(demo).get("silwan")
    assert props["challenges"] == want["challenge"] and props["initiatives"] == want["initiative"]
    for kind in MEASURES:
        assert sum(props["by_category"][kind].values()) == want[kind]
        assert {c for c, n in props["by_category"][kind].items() if n} == set(+want["by"][kind])
    assert "housing" in props["by_category"]["challenge"] and "culture" in props["by_category"]["initiative"]
    # Filters apply; an ``area=`` for another place cannot move the counts elsewhere.
    only = client.get("/api/v1/areas/silwan?kind=initiative&area=beit-hanina").get_json()["properties"]
    assert only["challenges"] == 0 and only["initiatives"] == want["initiative"]


def test_place_without_polygon_is_a_point(client, make_report):
    body = client.get("/api/v1/areas/lifta-1948").get_json()
    assert body["geometry"]["type"] == "Point" and body["properties"]["has_polygon"] is False
    assert body["properties"]["challenges"] == 0


def test_unknown_area_is_404_json(client):
    for slug in ("atlantis", "%3Cb%3E"):
        resp = client.get(f"/api/v1/areas/{slug}")
        assert resp.status_code == 404 and resp.is_json
        assert "<b>" not in resp.get_data(as_text=True)
