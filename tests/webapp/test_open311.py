"""Open311 GeoReport v2 (read only) against the spec's field lists.

Field lists are those of http://wiki.open311.org/GeoReport_v2 (service discovery, GET services,
GET service definition, GET service requests, GET service request, errors). Every answer is read
back as JSON or parsed with ElementTree and compared with the lists; requests must be exactly
the published reports, at their public point, with no private field.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import xml.etree.ElementTree as ET

import pytest

from tests.webapp.stored import write_photo

BASE = "/open311/v2"
# --- the spec's field lists -------------------------------------------------------------------
DISCOVERY_FIELDS = {"changeset", "contact", "key_service", "endpoints"}
ENDPOINT_FIELDS = {"specification", "url", "changeset", "type", "formats"}
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
SERVICE_TYPES = {"realtime", "batch", "blackbox"}
DEFINITION_FIELDS = {"service_code", "attributes"}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code",
                  "description", "agency_responsible", "service_notice", "requested_datetime",
                  "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
                  "lat", "long", "media_url"}
ERROR_FIELDS = {"code", "description"}
W3C = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$"
CONTACT = "private-contact-open311@example.org"


def xml(resp) -> ET.Element:
    body = resp.get_data()
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert b"<!DOCTYPE" not in body
    assert resp.content_type == "text/xml; charset=utf-8"
    return ET.fromstring(body)  # noqa: S314 - our own response, no DTD (checked above)


def children(el: ET.Element) -> dict[str, ET.Element]:
    return {child.tag: child for child in el}


@pytest.fixture
def world(app, make_report):
    """Published, pending, rejected and archived reports; a photo on one published report."""
    from webapp.extensions import db
    from webapp.store.models import Report, User
    from webapp.store.reporting import change_status

    write_photo(app, "a" * 32 + ".jpg", b"\xff\xd8 photo")
    ids = {
        "housing": make_report(contact=CONTACT, title="Demolition order", organization="Silwan committee",
                               photo="a" * 32 + ".jpg"),
        "water": make_report(category="water", precision="area", contact=CONTACT, title="No water"),
        "initiative": make_report(kind="initiative", category="education", precision="exact",
                                  title="Homework club", contact=CONTACT),
        "pending": make_report(publish=False, title="Pending one", contact=CONTACT),
        "rejected": make_report(title="Rejected one"),
        "archived": make_report(title="Archived one"),
    }
    with app.app_context():
        admin = User(email="a@example.org", password_hash="x", role="admin")
        db.session.add(admin)
        db.session.commit()
        change_status(db.session.get(Report, ids["rejected"]), "reject", admin, "private reason")
        change_status(db.session.get(Report, ids["archived"]), "archive", admin)
        # Publication times a week apart; requested_datetime (the date filters) is the observation
        # day, else the filing time: water has no observation day and was filed on 8 November.
        for n, key in enumerate(("housing", "water", "initiative")):
            db.session.get(Report, ids[key]).published_at = dt.datetime(2026, 11, 1 + 7 * n, 12, 0)
            db.session.get(Report, ids[key]).observed_on = dt.date(2026, 11, 1 + 7 * n)
        db.session.get(Report, ids["water"]).observed_on = None
        db.session.get(Report, ids["water"]).created_at = dt.datetime(2026, 11, 8, 12, 0)
        db.session.commit()
        rows = {k: db.session.get(Report, i) for k, i in ids.items()}
        exact = {k: (r.lon, r.lat, r.public_lon, r.public_lat) for k, r in rows.items()}
        precision = {k: (r.precision, r.area) for k, r in rows.items()}
    return {"ids": ids, "points": exact, "precision": precision,
            "published": [ids["housing"], ids["water"], ids["initiative"]]}


def check_hidden(app, world, key: str, point: tuple[float, float]) -> None:
    """``point`` (lon, lat), as published, keeps report ``key``'s privacy rule (geo/spatial/privacy.py).

    Compared as numbers: an "area" report shows its area's representative point; an
    "approximate" one a point at least ``MIN_OFFSET_M`` from the exact one (or, when its area
    is too small for that, the area's point).
    """
    from geo.spatial.privacy import MIN_OFFSET_M
    from webapp.store.reporting import get_area_index

    lon, lat, _plon, _plat = world["points"][key]
    precision, area = world["precision"][key]
    assert precision in ("approximate", "area"), key
    with app.app_context():
        index = get_area_index()
        rep = index.representative_point(area)
        x, y = index.to_metric(lon, lat)
        px, py = index.to_metric(*point)
    on_area_point = rep is not None and point == pytest.approx((round(rep[0], 6), round(rep[1], 6)), abs=1e-9)
    if precision == "area":
        assert on_area_point, (key, point, rep)
    else:
        # 0.5 m for the 6-decimal rounding of the published point (about 0.1 m here).
        assert on_area_point or math.hypot(px - x, py - y) >= MIN_OFFSET_M - 0.5, (key, point, (lon, lat))


def numbers(text: str) -> list[float]:
    """Every decimal number written in ``text``."""
    return [float(n) for n in re.findall(r"-?\d+\.\d+", text)]


# --- discovery and services ------------------------------------------------------------------

@pytest.mark.parametrize("url", [f"{BASE}/discovery", f"{BASE}/discovery.json"])
def test_discovery_json(client, url):
    resp = client.get(url)
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    doc = resp.get_json()
    assert set(doc) == DISCOVERY_FIELDS
    (endpoint,) = doc["endpoints"]
    assert set(endpoint) == ENDPOINT_FIELDS
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}


def test_discovery_xml(client):
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery" and set(children(root)) == DISCOVERY_FIELDS
    endpoint = root.find("endpoints/endpoint")
    assert set(children(endpoint)) == ENDPOINT_FIELDS
    assert {f.text for f in endpoint.findall("formats/format")} == {"text/xml", "application/json"}


def test_services_are_the_categories(app, client):
    from webapp.store.reporting import get_taxonomy

    with app.app_context():
        taxonomy = get_taxonomy()
        expected = {f"{kind}.{c.id}": c for kind in ("challenge", "initiative")
                    for c in taxonomy.categories(kind)}
    services = client.get(f"{BASE}/services.json").get_json()
    assert {s["service_code"] for s in services} == set(expected)
    assert len(services) == len(expected)
    for s in services:
        assert set(s) == SERVICE_FIELDS
        assert s["type"] in SERVICE_TYPES
        # metadata: the category has public structured fields, listed as attributes.
        assert s["metadata"] is any(f.public for f in expected[s["service_code"]].fields)
        assert s["group"] == s["service_code"].split(".")[0]
        assert s["service_name"] == expected[s["service_code"]].label("ar")  # Arabic by default
    in_english = client.get(f"{BASE}/services.json?lang=en").get_json()
    english = {s["service_code"]: s["service_name"] for s in in_english}
    assert english["challenge.housing"] == "Housing & demolitions"


def test_services_xml(client):
    root = xml(client.get(f"{BASE}/services.xml?lang=en"))
    assert root.tag == "services"
    services = root.findall("service")
    assert services and all(set(children(s)) == SERVICE_FIELDS for s in services)
    housing = next(s for s in services if s.findtext("service_code") == "challenge.housing")
    assert housing.findtext("service_name") == "Housing & demolitions"
    assert housing.findtext("metadata") == "true" and housing.findtext("group") == "challenge"


def test_service_definition(client):
    doc = client.get(f"{BASE}/services/initiative.education.json").get_json()
    assert set(doc) == DEFINITION_FIELDS and doc == {"service_code": "initiative.education", "attributes": []}
    root = xml(client.get(f"{BASE}/services/challenge.housing.xml"))
    assert root.tag == "service_definition" and set(children(root)) == DEFINITION_FIELDS
    assert root.findtext("service_code") == "challenge.housing"


# --- requests ----------------------------------------------------------------------------------

def test_requests_json_are_exactly_the_published_reports(client, world):
    resp = client.get(f"{BASE}/requests.json")
    assert resp.status_code == 200 and resp.headers["Access-Control-Allow-Origin"] == "*"
    requests = resp.get_json()
    assert sorted(int(r["service_request_id"]) for r in requests) == sorted(world["published"])
    for r in requests:
        assert set(r) == REQUEST_FIELDS
        assert r["status"] == "open"
        assert r["requested_datetime"] and re.match(W3C, r["requested_datetime"])
        assert re.match(W3C, r["updated_datetime"])
    by_id = {int(r["service_request_id"]): r for r in requests}
    housing = by_id[world["ids"]["housing"]]
    assert housing["service_code"] == "challenge.housing" and housing["service_name"] == "السكن والهدم"
    assert housing["address"] == "سلوان"
    assert housing["agency_responsible"] == "Silwan committee"
    assert housing["media_url"] == f"http://localhost/photos/{'a' * 32}.jpg"
    assert housing["description"].startswith("Demolition order")
    # Requested when observed (midnight UTC of the day), updated when published.
    assert housing["requested_datetime"] == "2026-11-01T00:00:00Z"
    assert housing["updated_datetime"] == "2026-11-01T12:00:00Z"
    water = by_id[world["ids"]["water"]]
    assert water["media_url"] is None
    assert water["requested_datetime"] == "2026-11-08T12:00:00Z"  # no observation day: when filed
    # Newest requested first.
    assert [int(r["service_request_id"]) for r in requests] == [
        world["ids"]["initiative"], world["ids"]["water"], world["ids"]["housing"]]


def test_requests_show_the_public_point_never_the_exact_one(app, client, world):
    requests = client.get(f"{BASE}/requests.json").get_json()
    assert len(requests) == 3
    for r in requests:
        key = next(k for k, i in world["ids"].items() if i == int(r["service_request_id"]))
        lon, lat, public_lon, public_lat = world["points"][key]
        assert (r["long"], r["lat"]) == (public_lon, public_lat)
        if key == "initiative":  # the one exact report
            assert (r["long"], r["lat"]) == (round(lon, 6), round(lat, 6))
        else:
            check_hidden(app, world, key, (r["long"], r["lat"]))


def _requests_of(resp) -> list[dict[str, str | float | None]]:
    """The service requests of a JSON or XML answer, as dicts of field -> value."""
    if resp.mimetype == "application/json":
        return resp.get_json()
    return [{child.tag: child.text for child in r} for r in xml(resp).findall("request")]


def test_no_private_field_in_requests(app, client, world):
    # The exact initiative shows its exact point (that is its precision): leave it out here.
    inexact = "?service_code=challenge.housing,challenge.water"
    hidden = {world["ids"][k]: k for k in ("housing", "water")}
    exact_values = [v for k in hidden.values() for v in world["points"][k][:2]]
    for url in (f"{BASE}/requests.json{inexact}", f"{BASE}/requests.xml{inexact}",
                *(f"{BASE}/requests/{i}.{f}" for i in hidden for f in ("json", "xml"))):
        resp = client.get(url)
        assert resp.status_code == 200, url
        body = resp.get_data(as_text=True)
        for secret in (CONTACT, "private reason", "Pending one", "Rejected one", "Archived one",
                       "privacy_seed", "client_key"):
            assert secret not in body, (secret, url)
        requests = _requests_of(resp)
        one = re.search(r"/requests/(\d+)\.", url)
        assert {int(r["service_request_id"]) for r in requests} == ({int(one[1])} if one else set(hidden))
        for r in requests:
            point = (float(r["long"]), float(r["lat"]))
            check_hidden(app, world, hidden[int(r["service_request_id"])], point)
            # No other field carries an exact coordinate either (compared as numbers).
            others = " ".join(str(v) for f, v in r.items() if f not in ("long", "lat") and v is not None)
            leaked = [n for n in numbers(others) for v in exact_values if abs(n - v) < 5e-7]
            assert not leaked, (url, leaked)


def test_requests_xml(client, world):
    root = xml(client.get(f"{BASE}/requests.xml?lang=en"))
    assert root.tag == "service_requests"
    requests = root.findall("request")
    assert sorted(int(r.findtext("service_request_id")) for r in requests) == sorted(world["published"])
    for r in requests:
        assert set(children(r)) == REQUEST_FIELDS
        float(r.findtext("lat")), float(r.findtext("long"))
    housing = next(r for r in requests if r.findtext("service_code") == "challenge.housing")
    assert housing.findtext("address") == "Silwan"
    assert housing.findtext("service_name") == "Housing & demolitions"


def ids_of(client, query: str) -> list[int]:
    resp = client.get(f"{BASE}/requests.json?{query}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return sorted(int(r["service_request_id"]) for r in resp.get_json())


def test_request_filters(client, world):
    ids = world["ids"]
    assert ids_of(client, "service_code=challenge.housing") == [ids["housing"]]
    assert ids_of(client, "service_code=challenge.water,initiative.education") == sorted(
        [ids["water"], ids["initiative"]])
    assert ids_of(client, "start_date=2026-11-05T00:00:00Z") == sorted([ids["water"], ids["initiative"]])
    assert ids_of(client, "end_date=2026-11-05T00:00:00%2B02:00") == [ids["housing"]]
    assert ids_of(client, "start_date=2026-11-08T12:00:00Z&end_date=2026-11-08T12:00:00Z") == [ids["water"]]
    assert ids_of(client, "start_date=2026-11-08") == sorted([ids["water"], ids["initiative"]])
    assert ids_of(client, "status=open") == sorted(world["published"])
    assert ids_of(client, "status=closed") == []  # archived reports are not public
    assert ids_of(client, "status=open,closed&service_code=challenge.water") == [ids["water"]]
    assert ids_of(client, f"service_request_id={ids['housing']},{ids['pending']},{ids['initiative']}"
                          "&service_code=challenge.water") == sorted([ids["housing"], ids["initiative"]])


def test_one_request(client, world):
    rid = world["ids"]["water"]
    (one,) = client.get(f"{BASE}/requests/{rid}.json").get_json()
    assert set(one) == REQUEST_FIELDS and one["service_request_id"] == str(rid)
    assert one["address"] == "سلوان"
    root = xml(client.get(f"{BASE}/requests/{rid}.xml"))
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [str(rid)]


def assert_error_json(resp, code: int) -> str:
    assert resp.status_code == code and resp.mimetype == "application/json"
    body = resp.get_json()
    assert isinstance(body, list) and len(body) == 1 and set(body[0]) == ERROR_FIELDS
    assert body[0]["code"] == code and body[0]["description"]
    return body[0]["description"]


def assert_error_xml(resp, code: int) -> str:
    assert resp.status_code == code
    root = xml(resp)
    assert root.tag == "errors"
    (err,) = root.findall("error")
    assert set(children(err)) == ERROR_FIELDS and err.findtext("code") == str(code)
    return err.findtext("description")


@pytest.mark.parametrize("key", ["pending", "rejected", "archived"])
def test_unpublished_requests_are_unknown(client, world, key):
    rid = world["ids"][key]
    assert_error_json(client.get(f"{BASE}/requests/{rid}.json"), 404)
    assert_error_xml(client.get(f"{BASE}/requests/{rid}.xml"), 404)


@pytest.mark.parametrize("path", ["requests/999999.json", "requests/99999999999999999999999999.json",
                                  "services/housing.json", "services/nope.xml", "requests.csv",
                                  "nothing/here.json"])
def test_unknown_things_are_404_in_georeport_form(client, path):
    resp = client.get(f"{BASE}/{path}")
    if path.endswith(".xml"):
        assert_error_xml(resp, 404)
    else:
        assert_error_json(resp, 404)


BAD_QUERIES = [
    "start_date=yesterday", "start_date=2026-13-01T00:00:00Z", "end_date=2026-02-30",
    "start_date=2026-11-01T00:00:00", "end_date=%00", "start_date=2026-12-01&end_date=2026-11-01",
    "status=pending", "status=", "status=open,,closed", "service_code=housing", "service_code=",
    "service_request_id=abc", "service_request_id=-1", "service_request_id=" + ",".join(["1"] * 101),
    "lang=fr", "start_date=" + "9" * 5000,
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_parameters_are_400_in_georeport_form(client, query):
    assert_error_json(client.get(f"{BASE}/requests.json?{query}"), 400)
    assert_error_xml(client.get(f"{BASE}/requests.xml?{query}"), 400)


@pytest.mark.parametrize("path", ["requests/abc.json", "requests/1e5.xml", "requests/%D9%A1.json"])
def test_bad_request_ids_are_400(client, path):
    resp = client.get(f"{BASE}/{path}")
    (assert_error_xml if path.endswith(".xml") else assert_error_json)(resp, 400)


def test_requests_are_limited(app, client, monkeypatch, make_report):
    from webapp.open311 import georeport as open311

    monkeypatch.setattr(open311, "MAX_REQUESTS", 2)
    for _ in range(3):
        make_report()
    assert len(client.get(f"{BASE}/requests.json").get_json()) == 2


def test_an_open311_client_reads_what_the_map_shows(client, world):
    """Done-when: requests.json lists what /api/v1/reports publishes, at the same points."""
    features = client.get("/api/v1/reports").get_json()["features"]
    api = {f["id"]: f["geometry"]["coordinates"] for f in features}
    requests = {int(r["service_request_id"]): [r["long"], r["lat"]]
                for r in json.loads(client.get(f"{BASE}/requests.json").data)}
    assert requests == api


def test_requested_datetime_is_the_observation_not_the_import(app, client, make_report):
    """A 2014 survey row imported today says 2014; the rows of one import keep their own days."""
    old = make_report(title="Survey 2014", observed_on=dt.date(2014, 3, 9))
    newer = make_report(title="Survey 2015", observed_on=dt.date(2015, 6, 1))
    by_id = {int(r["service_request_id"]): r for r in client.get(f"{BASE}/requests.json").get_json()}
    assert by_id[old]["requested_datetime"] == "2014-03-09T00:00:00Z"
    assert by_id[newer]["requested_datetime"] == "2015-06-01T00:00:00Z"
    assert by_id[old]["updated_datetime"][:4] == str(dt.datetime.now(dt.UTC).year)
    assert ids_of(client, "end_date=2014-12-31T23:59:59Z") == [old]
    assert ids_of(client, "start_date=2015-01-01&end_date=2015-12-31T00:00:00Z") == [newer]
    root = xml(client.get(f"{BASE}/requests/{old}.xml"))
    assert root.findtext("request/requested_datetime") == "2014-03-09T00:00:00Z"


def test_every_request_is_reachable_by_page(app, client, monkeypatch, make_report):
    """Past the 1,000 cap (here 3): page/page_size reach every request once, with Link headers."""
    from webapp.open311 import georeport as open311

    monkeypatch.setattr(open311, "MAX_REQUESTS", 3)
    made = {make_report(title=f"r{n}", observed_on=dt.date(2020, 1, 1 + n % 3)) for n in range(8)}
    first = client.get(f"{BASE}/requests.json")
    assert len(first.get_json()) == 3 and 'rel="next"' in first.headers["Link"]
    seen, url = [], f"{BASE}/requests.json"
    for _ in range(10):
        resp = client.get(url)
        seen += [int(r["service_request_id"]) for r in resp.get_json()]
        nxt = re.search(r'<http://localhost([^>]+)>; rel="next"', resp.headers.get("Link", ""))
        if not nxt:
            break
        url = nxt[1]
    assert sorted(seen) == sorted(made) and len(seen) == len(made)  # each once, none skipped
    two = [int(r["service_request_id"])
           for r in client.get(f"{BASE}/requests.json?page_size=2&page=2").get_json()]
    assert two == seen[2:4]
    assert client.get(f"{BASE}/requests.json?page=9").get_json() == []
    root = xml(client.get(f"{BASE}/requests.xml?page=3&page_size=3&lang=en"))
    assert [int(r.findtext("service_request_id")) for r in root.findall("request")] == seen[6:]
    resp = client.get(f"{BASE}/requests.json?page=2&page_size=3&service_code=challenge.housing")
    assert "service_code=challenge.housing" in resp.headers["Link"] and 'rel="prev"' in resp.headers["Link"]


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=abc", "page_size=0", "page_size=1001",
                                   "page=1.5", "page_size=", "page=" + "9" * 30])
def test_bad_pages_are_400(client, query):
    assert "page" in assert_error_json(client.get(f"{BASE}/requests.json?{query}"), 400)
    assert_error_xml(client.get(f"{BASE}/requests.xml?{query}"), 400)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["requests.json", "requests.xml", "services.json", "discovery.xml",
                                  "requests/1.json", "services/challenge.housing.xml", "discovery"])
def test_other_methods_are_405_in_georeport_form(client, method, path):
    resp = client.open(f"{BASE}/{path}", method=method, data={"service_code": "challenge.housing"})
    (assert_error_xml if path.endswith(".xml") else assert_error_json)(resp, 405)
    assert "GET" in resp.headers["Allow"] and "POST" not in resp.headers["Allow"]


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("path", ["/open311", "/open311/", "/open311/v3/requests.json",
                                  "/open311/v2/nothing.xml", "/open311/v2/requests.json/extra",
                                  "/open311/v2/"])
def test_unknown_paths_are_404_in_georeport_form(client, method, path):
    resp = client.open(path, method=method)
    (assert_error_xml if path.endswith(".xml") else assert_error_json)(resp, 404)


def test_head_and_options_still_work(client):
    assert client.head(f"{BASE}/requests.json").status_code == 200
    assert client.options(f"{BASE}/requests.json").status_code == 200
