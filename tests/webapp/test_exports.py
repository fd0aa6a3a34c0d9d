"""/export: every download read back through GDAL and compared with the database.

Reports carry a private contact and (unless exact) an exact point that must never appear;
an unpublished report must never appear either. Files are read with pyogrio, like a GIS would.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import geopandas as gpd
import pyogrio
import pytest

from tests.conftest import SILWAN
from tests.webapp.coordinates import SAME, numbers

CONTACT = "PRIVATE-CONTACT-7f3a"
FORMATS = ("geojson", "csv", "kml", "gpkg", "shp.zip")
MEDIA = {"geojson": "application/geo+json", "csv": "text/csv; charset=utf-8",
         "kml": "application/vnd.google-earth.kml+xml", "gpkg": "application/geopackage+sqlite3",
         "shp.zip": "application/zip"}
SHEIKH_JARRAH = (35.2312, 31.7930)


def _texts(data: bytes) -> str:
    """Every text in a file: zips are opened (deflated text would hide a leak)."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return data.decode("utf-8", "replace")


def _free_points(client, n: int) -> list[tuple[float, float]]:
    """Points in Silwan whose 5-decimal coordinates appear in no export of the empty database.

    The area polygons are in the exports with thousands of vertices: a random exact point
    could share its digits with one of them, which would be no leak but a false alarm.
    """
    baseline = "".join(_texts(client.get(f"/export/areas.{fmt}").data) for fmt in FORMATS)
    baseline += client.get("/export/map.html").get_data(as_text=True)
    out = []
    for i in range(200):
        lon, lat = SILWAN[0] + 0.00037 * (i % 7) + 0.0000123, SILWAN[1] + 0.00029 * (i // 7) + 0.0000456
        if f"{lon:.5f}" not in baseline and f"{lat:.5f}" not in baseline:
            out.append((lon, lat))
        if len(out) == n:
            return out
    raise AssertionError("no free point")


@pytest.fixture
def world(app, client, make_report):
    """Three published reports (approximate, exact + demo, area-only initiative) and a pending one."""
    from webapp.extensions import db
    from webapp.store.models import Report

    free = iter(_free_points(client, 3))

    def where():
        lon, lat = next(free)
        return {"lon": lon, "lat": lat}
    ids = {
        "housing": make_report(title="أوامر هدم في سلوان", contact=CONTACT, **where()),
        "water": make_report(title="Water cut, 3 days", category="water", precision="exact",
                             lon=SHEIKH_JARRAH[0], lat=SHEIKH_JARRAH[1], is_demo=True, contact=CONTACT),
        "legal": make_report(kind="initiative", category="legal-aid", title="عيادة قانونية <b>مجانية</b>",
                             precision="area", contact=CONTACT, organization="=HYPERLINK(1)",
                             **where()),
        "pending": make_report(publish=False, title="UNPUBLISHED-SECRET", contact=CONTACT,
                               **where()),
    }
    with app.app_context():
        rows = {key: db.session.get(Report, rid) for key, rid in ids.items()}
        out = {"ids": ids,
               "public": {r.id: (r.public_lon, r.public_lat) for r in rows.values()},
               "exact": {r.id: (r.lon, r.lat) for r in rows.values() if r.precision != "exact"},
               "titles": {r.id: r.title for r in rows.values()}}
    out["published"] = sorted(v for k, v in ids.items() if k != "pending")
    return out


def read(data: bytes, fmt: str, tmp_path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read an export back like a GIS would: a file with its usual extension, through GDAL."""
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(data)
    if fmt == "csv":
        return gpd.read_file(path, engine="pyogrio", X_POSSIBLE_NAMES="lon", Y_POSSIBLE_NAMES="lat",
                             KEEP_GEOM_COLUMNS="NO")
    return gpd.read_file(path, engine="pyogrio", layer=layer)


def get_file(client, url: str):
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[-500:]
    return resp


@pytest.mark.parametrize("fmt", FORMATS)
def test_reports_read_back_match_the_database(client, world, fmt, tmp_path):
    resp = get_file(client, f"/export/reports.{fmt}")
    assert resp.headers["Content-Type"] == MEDIA[fmt]
    assert re.fullmatch(rf'attachment; filename="ahya-reports-\d{{8}}\.{re.escape(fmt)}"',
                        resp.headers["Content-Disposition"])
    frame = read(resp.data, fmt, tmp_path, layer="reports" if fmt in ("gpkg", "shp.zip") else None)
    title = "Name" if fmt == "kml" else "title"
    frame = frame.assign(id=frame["id"].astype(int)).sort_values("id").reset_index(drop=True)
    assert list(frame["id"]) == world["published"]
    for row in frame.itertuples():
        expected = world["titles"][row.id]
        got = getattr(row, title)
        assert got == (("'" + expected) if expected.startswith("=") else expected)  # Arabic intact
        lon, lat = world["public"][row.id]
        assert row.geometry.x == pytest.approx(lon, abs=1e-6)  # the public point, not the exact one
        assert row.geometry.y == pytest.approx(lat, abs=1e-6)
    demo = [str(v).lower() in ("true", "1") for v in frame["demo"]]
    assert demo == [rid == world["ids"]["water"] for rid in frame["id"]]


def test_reports_geopackage_holds_both_layers(client, world, tmp_path):
    resp = get_file(client, "/export/reports.gpkg")
    path = tmp_path / "both.gpkg"
    path.write_bytes(resp.data)
    assert sorted(pyogrio.list_layers(path)[:, 0]) == ["areas", "organizations", "reports", "updates"]
    areas = gpd.read_file(path, layer="areas", engine="pyogrio")
    assert len(areas) == 102 and areas.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    sheikh_jarrah = areas.set_index("slug").loc["sheikh-jarrah"]
    assert sheikh_jarrah["name_ar"] == "الشيخ جراح" and int(sheikh_jarrah["reports"]) == 1
    assert areas["reports"].astype(int).sum() == 3  # every published report, each in its area


@pytest.mark.parametrize("what", ["reports", "areas"])
def test_no_private_data_in_any_export(client, world, what, tmp_path):
    urls = [f"/export/{what}.{fmt}" for fmt in FORMATS] + ["/export/map.html"]
    for url in urls:
        resp = get_file(client, url)
        text = _texts(resp.data)
        assert CONTACT not in text and "UNPUBLISHED" not in text, url
        written = numbers(text)
        for lon, lat in world["exact"].values():
            # Both coordinates, compared as numbers: a public point 150 m due east keeps the latitude.
            shown = [any(abs(n - value) < SAME for n in written) for value in (lon, lat)]
            assert not all(shown), url
    # Binary GeoPackage: check the values, not the bytes.
    path = tmp_path / "r.gpkg"
    path.write_bytes(get_file(client, "/export/reports.gpkg").data)
    reports = gpd.read_file(path, layer="reports", engine="pyogrio")
    assert "contact" not in reports.columns and "privacy_seed" not in reports.columns
    for point in reports.geometry:
        assert all(abs(point.x - lon) > 1e-6 or abs(point.y - lat) > 1e-6
                   for lon, lat in world["exact"].values())


def test_csv_columns_and_labels(client, world):
    resp = get_file(client, "/export/reports.csv?lang=en")
    rows = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig"))))
    by_id = {int(r["id"]): r for r in rows}
    water = by_id[world["ids"]["water"]]
    assert water["category_label"] == "Water, sanitation & infrastructure"
    assert water["area_name"] == "Sheikh Jarrah" and water["url"].endswith(f"/reports/{water['id']}")
    assert by_id[world["ids"]["legal"]]["organization"] == "'=HYPERLINK(1)"  # no formula in Excel
    assert by_id[world["ids"]["legal"]]["addressed_categories"] == ""
    assert {"contact", "lon_exact", "privacy_seed"}.isdisjoint(rows[0])
    # "status" is the public state (store.lifecycle), never the moderation status.
    assert {r["status"] for r in rows} == {"reported", "active"} and water["status_label"] == "Reported"


@pytest.mark.parametrize("query, keys", [
    ("kind=initiative", ["legal"]),
    ("category=water", ["water"]),
    ("category=water&category=housing", ["housing", "water"]),
    ("area=sheikh-jarrah", ["water"]),
    ("q=سلوان", ["housing"]),
    ("bbox=35.22,31.78,35.24,31.80", ["water"]),
    ("since=2030-01-01", []),
    ("kind=&area=&q=", ["housing", "water", "legal"]),  # an untouched GET form: empty = any
])
def test_filters_apply(client, world, query, keys):
    data = get_file(client, f"/export/reports.geojson?{query}").get_json()
    assert sorted(f["properties"]["id"] for f in data["features"]) == sorted(world["ids"][k] for k in keys)


def test_areas_counts_follow_filters_and_suppression(app, client, world):
    data = get_file(client, "/export/areas.geojson").get_json()
    assert len(data["features"]) == 102
    props = {f["properties"]["slug"]: f["properties"] for f in data["features"]}
    assert props["sheikh-jarrah"]["challenges"] == 1 and props["sheikh-jarrah"]["reports"] == 1
    assert props["sheikh-jarrah"]["name_en"] == "Sheikh Jarrah"
    only_initiatives = get_file(client, "/export/areas.geojson?kind=initiative").get_json()
    assert only_initiatives["features"]
    assert all(f["properties"]["challenges"] == 0 for f in only_initiatives["features"])
    app.config["MIN_PUBLIC_COUNT"] = 3
    data = get_file(client, "/export/areas.geojson").get_json()
    props = {f["properties"]["slug"]: f["properties"] for f in data["features"]}
    assert props["sheikh-jarrah"]["reports"] == "<3" and props["beit-hanina"]["reports"] == "0"


def test_row_cap_refuses_with_a_clear_400(app, client, world):
    app.config["EXPORT_MAX_ROWS"] = 2
    resp = client.get("/export/reports.csv?lang=en")
    assert resp.status_code == 400
    assert "3 reports match" in resp.get_data(as_text=True)
    resp = client.get("/export/reports.gpkg", headers={"Accept": "application/json"})
    assert resp.status_code == 400 and "narrow the filters" in resp.get_json()["error"]
    assert client.get("/export/reports.csv?kind=initiative").status_code == 200
    app.config["EXPORT_MAP_MAX_ROWS"] = 1
    assert client.get("/export/map.html").status_code == 400


@pytest.mark.parametrize("query, parameter", [
    ("kind=bad", "kind"), ("category=nope", "category"), ("since=yesterday", "since"),
    ("area=atlantis", "area"), ("bbox=1,2,3", "bbox"), ("limit=10", "limit"),
    ("since=2026-05-01&until=2026-01-01", "until"),
])
def test_bad_filters_are_400_naming_the_parameter(client, query, parameter):
    for url in (f"/export/reports.geojson?{query}", f"/export/areas.kml?{query}",
                f"/export/map.html?{query}"):
        resp = client.get(url, headers={"Accept": "application/json"})
        assert resp.status_code == 400, url
        assert resp.get_json()["parameter"] == parameter
    resp = client.get(f"/export/reports.csv?lang=en&{query}")
    assert resp.status_code == 400 and f"“{parameter}”" in resp.get_data(as_text=True)


@pytest.mark.parametrize("path", ["reports.xlsx", "people.csv", "reports.shp", "reports", "a/b.csv"])
def test_unknown_exports_are_404_with_the_list(client, path):
    resp = client.get(f"/export/{path}?lang=en")
    assert resp.status_code == 404
    assert "reports.gpkg" in resp.get_data(as_text=True) and "poster.pdf" in resp.get_data(as_text=True)


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_exports_are_valid_files(client, fmt, tmp_path):
    resp = get_file(client, f"/export/reports.{fmt}")
    if fmt == "kml":
        # GDAL sees no layer in a KML document without placemarks; it is still valid KML.
        from xml.etree import ElementTree as ET

        root = ET.fromstring(resp.data)  # noqa: S314 - our own output
        assert root.tag.endswith("kml") and not root.findall(".//{*}Placemark")
        return
    frame = read(resp.data, fmt, tmp_path, layer="reports" if fmt in ("gpkg", "shp.zip") else None)
    assert len(frame) == 0


def test_export_page_links_carry_the_filters(client, world):
    resp = client.get("/export?lang=en&kind=challenge&category=housing&category=water&limit=50&z=14")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    for what in ("reports", "areas"):
        for fmt in FORMATS:
            assert f"/export/{what}.{fmt}?kind=challenge&amp;category=housing&amp;category=water" in page
    assert "/export/map.html?kind=challenge&amp;category=housing" in page
    assert 'name="paper"' in page and 'formaction="/export/poster.pdf"' in page
    assert "/embed?lang=en&amp;kind=challenge" in page  # the iframe code
    assert "Published reports matching: 2" in page
    assert "limit=" not in page.split("<main", 1)[1]  # the map's page size is not an export filter


def test_export_page_in_arabic_and_with_a_bad_filter(client, world):
    page = client.get("/export?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in page and "/export/reports.gpkg" in page
    resp = client.get("/export?lang=en&category=<b>")
    assert resp.status_code == 400
    text = resp.get_data(as_text=True)
    assert "Invalid parameter “category”" in text and "<b>" not in text.split("<main", 1)[1]


def test_standalone_map_file(client, world):
    resp = get_file(client, "/export/map.html?lang=en&kind=challenge")
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="ahya-map-\d{8}\.html"', resp.headers["Content-Disposition"])
    page = resp.get_data(as_text=True)
    assert not re.search(r"<script[^>]*\bsrc=|<link[^>]*\bhref=", page, re.I)
    ids = sorted(int(i) for i in re.findall(r'"type":"Feature","id":(\d+)', page))
    assert ids == sorted([world["ids"]["housing"], world["ids"]["water"]])
    assert "Water cut, 3 days" in page and "tiles.example.test" in page


LONG_AR = ("هدمت الجرافات ثلاثة منازل في حي البستان فجر اليوم، وشُرّدت أربع عائلات بينها أطفال. " * 4).strip()


def test_exports_keep_full_text_and_date_types(client, make_report, tmp_path):
    """Issue 19: no export loses text; dates are dates in GeoPackage and Shapefile."""
    import datetime as dt

    rid = make_report(title="هدم في البستان", description=LONG_AR, observed_on=dt.date(2014, 3, 9))
    assert len(LONG_AR.encode("utf-8")) > 254
    # Shapefile: the field is cut, the full text is in reports_full.csv, joined by id.
    shp = tmp_path / "r.shp.zip"
    shp.write_bytes(get_file(client, "/export/reports.shp.zip").data)
    info = pyogrio.read_info(shp, layer="reports")
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["observed"] == "datetime64[D]" and types["published"] == "datetime64[D]"
    assert types["id"] == "int64"
    row = gpd.read_file(shp, layer="reports", engine="pyogrio").iloc[0]
    assert str(row["observed"])[:10] == "2014-03-09" and row["descr"] != LONG_AR
    with zipfile.ZipFile(shp) as archive:
        fields = list(csv.DictReader(io.StringIO(archive.read("fields.csv").decode())))
        assert "reports_full.csv" in archive.read("README.txt").decode().replace("<layer>", "reports")
    assert {r["original"]: r["full_values"] for r in fields if r["layer"] == "reports"}[
        "description"] == "reports_full.csv"
    full = gpd.read_file(f"/vsizip/{shp}/reports_full.csv", engine="pyogrio").set_index("id")
    assert full.loc[rid, "description"] == LONG_AR  # every Arabic letter, read back through GDAL
    assert str(full.loc[rid, "published_at"])[:4] == str(dt.datetime.now(dt.UTC).year)
    # GeoPackage: the full text, real Date/DateTime fields, version 1.2 (no GDAL 3.6 warning).
    gpkg = tmp_path / "r.gpkg"
    gpkg.write_bytes(get_file(client, "/export/reports.gpkg").data)
    for layer, date_cols in (("reports", ("observed_on", "published_at")),
                             ("updates", ("happened_on", "published_at")),
                             ("organizations", ("published_at",))):
        info = pyogrio.read_info(gpkg, layer=layer)
        types = dict(zip(info["fields"], info["dtypes"], strict=True))
        assert all(types[c].startswith("datetime64") for c in date_cols), (layer, types)
    reports = gpd.read_file(gpkg, layer="reports", engine="pyogrio")
    assert reports.loc[0, "description"] == LONG_AR
    assert str(reports.loc[0, "observed_on"])[:10] == "2014-03-09"
    import sqlite3

    with sqlite3.connect(gpkg) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200
    # CSV: the .csvt beside it (same name) types the columns for GDAL and QGIS.
    resp = get_file(client, "/export/reports.csvt")
    assert re.fullmatch(r'attachment; filename="ahya-reports-\d{8}\.csvt"',
                        resp.headers["Content-Disposition"])
    csv_path = tmp_path / "ahya-reports.csv"
    csv_path.write_bytes(get_file(client, "/export/reports.csv").data)
    csv_path.with_suffix(".csvt").write_bytes(resp.data)
    info = pyogrio.read_info(csv_path)
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["id"] == "int64" and types["observed_on"] == "datetime64[D]", types
    back = gpd.read_file(csv_path, engine="pyogrio")
    assert back.loc[0, "description"] == LONG_AR and back.geometry.iloc[0] is not None


@pytest.mark.parametrize("what", ["reports", "areas", "organizations", "updates"])
def test_csvt_matches_the_csv_columns(client, world, what):
    header = next(csv.reader(io.StringIO(get_file(client, f"/export/{what}.csv").data.decode("utf-8-sig"))))
    types = get_file(client, f"/export/{what}.csvt").data.decode().strip().split(",")
    assert len(types) == len(header) and types[-3:] == ["CoordX", "CoordY", "WKT"]
    assert dict(zip(header, types, strict=True))["id" if what != "areas" else "reports"] == "Integer64"
    assert client.get(f"/export/{what}.csvt?kind=bad").status_code == (200 if what == "organizations"
                                                                         else 400)
