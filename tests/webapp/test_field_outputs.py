"""Issue 20, the outward parts: public structured fields in the API, the OpenAPI document,
Open311, feeds and every export (one typed column each), read back as a client would.

The private field (housing's ``case_number``) is set on every report here and must appear in
none of them (the privacy scan in test_privacy.py covers every route as well).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from xml.etree import ElementTree as ET

import geopandas as gpd
import pyogrio
import pytest

CASE = "CASE-SECRET-4411"
HOUSING = {"structures": 2, "housing_units": 3, "people_displaced": 12, "children_displaced": 5,
           "demolished_by": "self_demolition", "order_date": "2025-03-01", "stage": "demolished",
           "case_number": CASE}
PUBLIC = {k: v for k, v in HOUSING.items() if k != "case_number"}


@pytest.fixture
def reports(make_report):
    return {
        "housing": make_report(title="هدم في سلوان", fields=HOUSING, observed_on=dt.date(2025, 4, 2)),
        "water": make_report(category="water", title="Water cut",
                             fields={"households_affected": 40, "services_affected": ["water", "sewage"]}),
        "movement": make_report(category="movement", title="Checkpoint",
                                fields={"obstacle": "checkpoint", "permit_required": True}),
        "plain": make_report(kind="initiative", category="legal-aid", title="Clinic"),
    }


def test_geojson_properties_hold_the_public_values(client, reports):
    features = {f["id"]: f for f in client.get("/api/v1/reports").get_json()["features"]}
    assert features[reports["housing"]]["properties"]["fields"] == PUBLIC
    assert features[reports["water"]]["properties"]["fields"] == {
        "households_affected": 40, "services_affected": ["water", "sewage"]}
    assert features[reports["plain"]]["properties"]["fields"] == {}
    one = client.get(f"/api/v1/reports/{reports['housing']}").get_json()
    assert one["properties"]["fields"] == PUBLIC


def test_categories_list_their_public_fields(client):
    body = client.get("/api/v1/categories?lang=en").get_json()
    housing = next(c for c in body["challenge"] if c["id"] == "housing")
    fields = {f["id"]: f for f in housing["fields"]}
    assert "case_number" not in fields
    people = fields["people_displaced"]
    assert people["type"] == "integer" and people["unit"] == "people" and people["unit_ar"] == "أشخاص"
    assert people["label"] == "People displaced" and people["label_ar"] == "الأشخاص المهجّرون"
    stage = fields["stage"]
    assert stage["type"] == "choice" and {c["id"] for c in stage["choices"]} == {
        "order_issued", "demolished", "order_frozen"}
    assert all(c["fields"] == [] for c in body["initiative"])
    arabic = client.get("/api/v1/categories?lang=ar").get_json()
    housing = next(c for c in arabic["challenge"] if c["id"] == "housing")
    assert housing["fields"][2]["label"] == "الأشخاص المهجّرون"


def test_openapi_schema_is_generated_from_the_taxonomy(client, reports):
    doc = client.get("/api/v1/openapi.json").get_json()
    values = doc["components"]["schemas"]["ReportFields"]
    assert values["additionalProperties"] is False and "case_number" not in values["properties"]
    props = values["properties"]
    assert props["people_displaced"]["type"] == "integer" and props["land_dunums"]["type"] == "number"
    assert props["order_date"]["format"] == "date" and props["permit_required"]["type"] == "boolean"
    assert props["stage"]["enum"] == ["order_issued", "demolished", "order_frozen"]
    assert props["services_affected"]["items"]["enum"][0] == "water"
    # The answers validate against it (jsonschema, as the OpenAPI test does for every example).
    import jsonschema

    feature = client.get(f"/api/v1/reports/{reports['housing']}").get_json()
    jsonschema.validate(feature["properties"]["fields"], values)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"case_number": CASE}, values)


def test_open311_attributes_and_extended_values(client, reports):
    services = {s["service_code"]: s for s in client.get("/open311/v2/services.json").get_json()}
    assert services["challenge.housing"]["metadata"] is True
    assert services["initiative.legal-aid"]["metadata"] is False
    definition = client.get("/open311/v2/services/challenge.housing.json?lang=en").get_json()
    attrs = {a["code"]: a for a in definition["attributes"]}
    assert "case_number" not in attrs
    assert attrs["people_displaced"]["datatype"] == "number" and attrs["people_displaced"]["variable"] is True
    assert attrs["people_displaced"]["datatype_description"] == "people"
    assert attrs["order_date"]["datatype"] == "datetime"
    assert {v["key"] for v in attrs["stage"]["values"]} == {"order_issued", "demolished", "order_frozen"}
    assert [a["order"] for a in definition["attributes"]] == list(range(1, len(attrs) + 1))
    water = client.get("/open311/v2/services/challenge.water.json").get_json()
    water = {a["code"]: a for a in water["attributes"]}
    assert water["services_affected"]["datatype"] == "multivaluelist"
    movement = client.get("/open311/v2/services/challenge.movement.xml?lang=en")
    root = ET.fromstring(movement.data)  # noqa: S314 - our own answer
    permit = next(a for a in root.iter("attribute") if a.findtext("code") == "permit_required")
    assert [v.findtext("name") for v in permit.iter("value")] == ["yes", "no"]
    # Values of a request: the extended attributes extension.
    plain = client.get(f"/open311/v2/requests/{reports['housing']}.json").get_json()[0]
    assert "extended_attributes" not in plain
    (req,) = client.get(f"/open311/v2/requests/{reports['housing']}.json?extensions=true").get_json()
    assert req["extended_attributes"]["fields"] == PUBLIC
    root = ET.fromstring(client.get("/open311/v2/requests.xml?extensions=true").data)  # noqa: S314
    assert root.find("request/extended_attributes/fields") is not None
    assert client.get("/open311/v2/requests.json?extensions=maybe").status_code == 400


def test_feeds_show_the_public_values(client, reports):
    text = client.get("/topics/housing/feed.atom?lang=en").get_data(as_text=True)
    assert "People displaced: 12 people" in text and "Stage: Demolished" in text
    assert CASE not in text
    arabic = client.get("/feed.atom?lang=ar").get_data(as_text=True)
    assert "الأشخاص المهجّرون: 12 أشخاص" in arabic


def test_every_export_has_a_typed_column_per_public_field(client, reports, tmp_path):
    gpkg = tmp_path / "r.gpkg"
    gpkg.write_bytes(client.get("/export/reports.gpkg").data)
    info = pyogrio.read_info(gpkg, layer="reports")
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert "case_number" not in types
    assert types["people_displaced"] == "int64" and types["land_dunums"] == "float64"
    assert types["order_date"] == "datetime64[D]" and types["permit_required"] == "bool"
    assert types["stage"] == "object" and types["services_affected"] == "object"
    frame = gpd.read_file(gpkg, layer="reports", engine="pyogrio").set_index("id")
    housing = frame.loc[reports["housing"]]
    assert housing["people_displaced"] == 12 and str(housing["order_date"])[:10] == "2025-03-01"
    assert housing["stage"] == "demolished"
    assert frame.loc[reports["water"], "services_affected"] == "water;sewage"
    assert bool(frame.loc[reports["movement"], "permit_required"]) is True
    # CSV with its .csvt: the same types; GeoJSON and KML carry the values too.
    resp = client.get("/export/reports.csv")
    rows = {int(r["id"]): r for r in csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig")))}
    housing_row = rows[reports["housing"]]
    assert housing_row["people_displaced"] == "12" and "case_number" not in housing_row
    header = next(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    csvt = client.get("/export/reports.csvt").data.decode().strip().split(",")
    declared = dict(zip(header, csvt, strict=True))
    assert declared["people_displaced"] == "Integer64" and declared["land_dunums"] == "Real"
    assert declared["order_date"] == "Date"
    geojson = client.get("/export/reports.geojson").get_json()
    props = {f["properties"]["id"]: f["properties"] for f in geojson["features"]}
    assert props[reports["housing"]]["people_displaced"] == 12
    assert "<Data name=\"people_displaced\"><value>12</value>" in client.get("/export/reports.kml").get_data(
        as_text=True).replace("\n", "").replace(" ", "").replace("Dataname", "Data name")
    # Shapefile: short names listed in fields.csv, with the type.
    shp = tmp_path / "r.shp.zip"
    shp.write_bytes(client.get("/export/reports.shp.zip").data)
    with zipfile.ZipFile(shp) as archive:
        listed = {r["original"]: r for r in csv.DictReader(io.StringIO(archive.read("fields.csv").decode()))}
    short = listed["people_displaced"]["field"]
    assert len(short) <= 10 and listed["people_displaced"]["type"] == "integer"
    assert listed["order_date"]["type"] == "date" and "case_number" not in listed
    info = pyogrio.read_info(shp, layer="reports")
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types[short] == "int64" and types[listed["order_date"]["field"]] == "datetime64[D]"
    read = gpd.read_file(shp, layer="reports", engine="pyogrio").set_index("id")
    assert read.loc[reports["housing"], short] == 12
