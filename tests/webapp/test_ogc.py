"""OGC API – Features at /ogc/: the documents, every published report reached by following next
links, the filters against the database, only public data, and bad parameters refused with a 400."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import geopandas as gpd
import pytest
from openapi_spec_validator import validate
from shapely.geometry import LineString, Point
from sqlalchemy import select

from tests.conftest import SILWAN
from webapp.extensions import db
from webapp.store.models import Report

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def published(app, *where) -> list[int]:
    with app.app_context():
        return sorted(db.session.scalars(select(Report.id).where(Report.status == "published", *where)))


def walk(client, url: str) -> tuple[list[dict], int]:
    """Follow ``rel=next`` from ``url``; every feature seen, and the number of pages."""
    features, pages, matched = [], 0, set()
    while url:
        resp = client.get(url)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert resp.mimetype == "application/geo+json"
        data = resp.get_json()
        pages += 1
        features.extend(data["features"])
        assert data["numberReturned"] == len(data["features"])
        matched.add(data["numberMatched"])
        nxt = [link["href"] for link in data["links"] if link["rel"] == "next"]
        url = nxt[0].removeprefix("http://localhost") if nxt else None
        assert pages < 1000
    assert matched == {len(features)}
    return features, pages


@pytest.fixture
def demo(app, make_report):
    from webapp.cli.demo import load_demo

    with app.app_context():
        load_demo(1234, 5)
    make_report(publish=False, title="Pending", contact="SECRET-CONTACT")  # never shown
    return app


def test_landing_conformance_collections_and_definition(client, make_report):
    make_report()
    landing = client.get("/ogc/").get_json()
    rels = {link["rel"]: link for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["data"]["href"] == "http://localhost/ogc/collections"
    conf = client.get("/ogc/conformance").get_json()["conformsTo"]
    for cls in ("core", "geojson", "oas30"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{cls}" in conf
    colls = {c["id"]: c for c in client.get("/ogc/collections").get_json()["collections"]}
    assert {"reports", "areas", "places", "organizations"} <= set(colls)
    reports = colls["reports"]
    assert reports["crs"] == [CRS84] and reports["itemType"] == "feature"
    assert any(link["rel"] == "items" and link["type"] == "application/geo+json" for link in reports["links"])
    lon0, lat0, lon1, lat1 = reports["extent"]["spatial"]["bbox"][0]
    assert lon0 <= SILWAN[0] + 0.01 and lon1 >= SILWAN[0] - 0.01 and lat0 <= lat1
    assert reports["extent"]["temporal"]["interval"][0][0].startswith("2026-10-01")
    assert client.get("/ogc/collections/reports").get_json()["id"] == "reports"
    resp = client.get(rels["service-desc"]["href"].removeprefix("http://localhost"))
    assert resp.status_code == 200 and resp.mimetype == "application/vnd.oai.openapi+json"
    doc = resp.get_json()
    validate(doc)  # a valid OpenAPI 3.0 document
    items = doc["paths"]["/collections/reports/items"]["get"]
    params = [doc["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
              for p in items["parameters"]]
    limit = next(p for p in params if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 1000 and limit["schema"]["default"] == 100
    names = {p["name"] for p in params}
    assert names >= {"bbox", "datetime", "limit", "kind", "category", "area"}


def test_next_links_reach_every_published_report_once(client, demo):
    features, pages = walk(client, "/ogc/collections/reports/items?limit=100")
    ids = [f["id"] for f in features]
    assert ids == published(demo) and len(ids) == 1234 and pages == 13
    # The default page size, and the largest.
    first = client.get("/ogc/collections/reports/items").get_json()
    assert first["numberReturned"] == 100 and first["numberMatched"] == 1234
    assert [f["id"] for f in walk(client, "/ogc/collections/reports/items?limit=1000")[0]] == ids


def test_filters_match_the_database(app, client, demo):
    def ids(query: str) -> list[int]:
        return [f["id"] for f in walk(client, "/ogc/collections/reports/items?limit=500&" + query)[0]]

    assert ids("kind=initiative") == published(app, Report.kind == "initiative")
    assert ids("kind=challenge&category=housing") == published(
        app, Report.kind == "challenge", Report.category == "housing")
    assert ids("area=silwan") == published(app, Report.area == "silwan")
    box = (35.22, 31.76, 35.24, 31.78)
    assert ids("bbox=" + ",".join(map(str, box))) == published(
        app, Report.public_lon.between(box[0], box[2]), Report.public_lat.between(box[1], box[3]))
    with app.app_context():
        day = db.session.scalar(select(Report.observed_on).where(Report.observed_on.is_not(None)).limit(1))
    assert ids(f"datetime={day}") == published(app, Report.observed_on == day)
    assert ids(f"datetime={day}T12:00:00Z") == published(app, Report.observed_on == day)
    assert ids(f"datetime={day}/..") == published(app, Report.observed_on >= day)
    assert ids(f"datetime=../{day}") == published(app, Report.observed_on <= day)
    until = day + dt.timedelta(days=30)
    assert ids(f"datetime={day}/{until}&kind=challenge") == published(
        app, Report.observed_on.between(day, until), Report.kind == "challenge")
    # The next link keeps the filters.
    first = client.get("/ogc/collections/reports/items?kind=challenge&limit=3").get_json()
    nxt = next(link["href"] for link in first["links"] if link["rel"] == "next")
    query = parse_qs(urlsplit(nxt).query)
    assert query["kind"] == ["challenge"] and query["limit"] == ["3"] and query["cursor"]


def test_only_public_fields_and_public_points(app, client, make_report):
    rid = make_report(contact="SECRET-CONTACT +972", precision="approximate")
    exact = make_report(precision="exact", title="Exact")
    hidden = make_report(publish=False, title="Hidden")
    with app.app_context():
        report = db.session.get(Report, rid)
        public, private = (report.public_lon, report.public_lat), (report.lon, report.lat)
        seed = report.privacy_seed
        exact_point = (db.session.get(Report, exact).public_lon, db.session.get(Report, exact).public_lat)
    data = client.get("/ogc/collections/reports/items").get_json()
    assert [f["id"] for f in data["features"]] == [rid, exact]
    one = client.get(f"/ogc/collections/reports/items/{rid}")
    assert one.status_code == 200
    for feature in (data["features"][0], one.get_json()):
        assert tuple(feature["geometry"]["coordinates"]) == public != private
        assert set(feature["properties"]) <= {
            "kind", "category", "title", "description", "area", "precision", "observed_on", "published_at",
            "status", "organization", "organization_id", "link", "photo", "is_demo", "url"}
        assert feature["properties"]["url"] == f"http://localhost/reports/{rid}"
    assert tuple(data["features"][1]["geometry"]["coordinates"]) == exact_point
    text = client.get("/ogc/collections/reports/items").get_data(as_text=True) + one.get_data(as_text=True)
    assert "SECRET-CONTACT" not in text and seed not in text and "Hidden" not in text
    assert client.get(f"/ogc/collections/reports/items/{hidden}").status_code == 404


@pytest.mark.parametrize("query", [
    "bbox=1,2,3", "bbox=a,b,c,d", "bbox=35.3,31.7,35.2,31.8", "bbox=200,0,201,1", "bbox=nan,0,1,1",
    "bbox=", "bbox=1,2,3,4&bbox=1,2,3,4", "limit=0", "limit=1001", "limit=-1", "limit=1.5", "limit=abc",
    "limit=" + "9" * 30, "datetime=2026-13-01", "datetime=2026-02-30", "datetime=../..", "datetime=/",
    "datetime=2026-10-02/2026-10-01", "datetime=x" * 40, "datetime=١٢٣", "datetime=2026-01-01/2026/2027",
    "kind=other", "category=aliens", "area=nowhere",
    "area=<script>", "cursor=-1", "cursor=x%00", "cursor=" + "9" * 30, "f=html", "f=", "unknown=1",
    "sortby=id", "filter=x", "q=words",
])
def test_bad_parameters_are_refused_with_an_ogc_exception(client, make_report, query):
    make_report()
    resp = client.get("/ogc/collections/reports/items?" + query)
    assert resp.status_code == 400, query
    body = resp.get_json()
    assert body["code"] == "InvalidParameterValue" and body["description"]


def test_a_category_of_the_other_kind_matches_nothing(client, make_report):
    """As in /api/v1 (the schema allows the pair): an empty page, not an error."""
    make_report()
    resp = client.get("/ogc/collections/reports/items?category=legal-aid&kind=challenge")
    assert resp.status_code == 200 and resp.get_json()["numberMatched"] == 0
    assert resp.get_json()["features"] == []


def test_unknown_things_are_404_in_json(client, make_report):
    rid = make_report()
    for url in ("/ogc/collections/nothing", "/ogc/collections/nothing/items",
                "/ogc/collections/reports/items/0",
                "/ogc/collections/reports/items/abc", "/ogc/collections/reports/items/99999999999",
                f"/ogc/collections/reports/items/{rid + 1}", "/ogc/collections/areas/items/nowhere",
                "/ogc/collections/overlay-none/items", "/ogc/nothing"):
        resp = client.get(url)
        assert resp.status_code == 404 and resp.mimetype == "application/json", url
        assert resp.get_json()["code"] == "NotFound"
    assert client.get("/ogc/collections?unknown=1").status_code == 400
    assert client.get("/ogc/?f=json&lang=en").status_code == 200
    resp = client.get("/ogc/collections/reports/items")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_areas_places_and_their_filters(client):
    areas, _ = walk(client, "/ogc/collections/areas/items?limit=1000")
    assert len(areas) == 102 and {f["geometry"]["type"] for f in areas} == {"MultiPolygon"}
    silwan = client.get("/ogc/collections/areas/items/silwan").get_json()
    assert silwan["properties"]["name_en"] == "Silwan" and silwan["id"] == "silwan"
    east, _ = walk(client, "/ogc/collections/areas/items?sector=east&limit=7")
    assert east and all(f["properties"]["sector"] == "east" for f in east) and len(east) < 102
    near, _ = walk(client, "/ogc/collections/areas/items?bbox=35.235,31.768,35.236,31.769")
    assert "silwan" in [f["id"] for f in near] and len(near) < 10
    places, _ = walk(client, "/ogc/collections/places/items?limit=50")
    assert len(places) == 137 and {f["geometry"]["type"] for f in places} == {"Point"}
    assert [f["id"] for f in places] == sorted(f["id"] for f in places)


def test_organizations_published_only_with_the_areas_they_serve(client, make_org):
    shown = make_org("Shown", ["silwan", "at-tur"], ["housing"], public_email="info@shown.example")
    make_org("Hidden", ["silwan"], ["housing"], status="pending")
    data = client.get("/ogc/collections/organizations/items").get_json()
    assert [f["id"] for f in data["features"]] == [shown]
    feature = data["features"][0]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"]["areas"] == "at-tur;silwan"
    assert feature["properties"]["public_email"] == "info@shown.example"
    assert "Hidden" not in client.get("/ogc/collections/organizations/items").get_data(as_text=True)
    assert client.get("/ogc/collections/organizations/items?area=at-tur").get_json()["numberMatched"] == 1
    assert client.get("/ogc/collections/organizations/items?category=water").get_json()["numberMatched"] == 0
    assert client.get("/ogc/collections/organizations/items?datetime=2026-01-01").status_code == 400


def test_each_overlay_is_a_collection(app, client):
    from webapp.store import overlays

    gdf = gpd.GeoDataFrame({"name": ["wall", "gate", "road"], "height": [8, 3, 0]},
                           geometry=[LineString([(35.2, 31.7), (35.21, 31.71)]), Point(35.23, 31.77),
                                     LineString([(35.1, 31.8), (35.11, 31.81)])], crs=4326)
    with app.app_context():
        overlays.save("wall", gdf, {"title": "The wall", "source_file": "private-name.shp"})
    colls = {c["id"]: c for c in client.get("/ogc/collections").get_json()["collections"]}
    assert colls["overlay-wall"]["title"] == "The wall"
    assert "private-name" not in client.get("/ogc/collections").get_data(as_text=True)
    features, pages = walk(client, "/ogc/collections/overlay-wall/items?limit=2")
    assert [f["id"] for f in features] == [1, 2, 3] and pages == 2
    assert features[0]["properties"] == {"name": "wall", "height": 8}
    boxed = client.get("/ogc/collections/overlay-wall/items?bbox=35.22,31.76,35.24,31.78").get_json()
    assert [f["id"] for f in boxed["features"]] == [2]
    assert client.get("/ogc/collections/overlay-wall/items/3").get_json()["properties"]["name"] == "road"
    assert client.get("/ogc/collections/overlay-wall/items/4").status_code == 404


def test_plain_rows_give_the_same_public_dicts_as_the_orm(app, make_report):
    """``queries.published_rows`` (what the API and OGC pages read: no ORM objects) gives exactly
    what ``public_dict`` gives for the ORM report, initiatives' addresses and categories included."""
    from webapp.cli.demo import load_demo
    from webapp.store import queries
    from webapp.store.reporting import public_dict

    with app.app_context():
        load_demo(120, 7)
    hidden = make_report(publish=False, title="Hidden challenge")
    shown = make_report(title="Shown challenge")
    make_report(kind="initiative", category="legal-aid", title="Both", addresses=[hidden, shown],
                addressed_categories=["housing", "water"], organization="Free text org")
    ids = published(app)
    with app.app_context():
        rows = queries.published_rows([*reversed(ids), hidden])
        assert [r.id for r in rows] == list(reversed(ids))  # in the order asked, hidden left out
        orm = {r.id: public_dict(r) for r in db.session.scalars(
            queries.with_public_relations(queries.published()))}
        plain = {r.id: public_dict(r) for r in rows}
    assert plain == orm
    assert any(d["addresses"] for d in plain.values())
    assert any(d["addressed_categories"] for d in plain.values())
    assert any(d["addresses"] == [shown] for d in plain.values())
