"""geo.formats.export: every format is written, then read back through GDAL (pyogrio) and compared."""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from geo.formats.export import (
    DBF_TEXT_BYTES,
    FORMATS,
    export_bytes,
    neutralise,
    shapefile_names,
    to_frame,
    write_csv,
    write_geojson,
    write_gpkg,
    write_kml,
    write_shapefile_zip,
)
from geo.reference.layers import load_layers
from geo.reference.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parents[3]
FORMULA = '=HYPERLINK("http://evil.test","click")'
SCRIPT = "<script>alert(1)</script> دروس & تقوية"

REPORTS = [
    {"id": 1, "kind": "challenge", "category": "housing", "title": "أوامر هدم في سلوان",
     "description": "ثلاثة منازل تلقت أوامر هدم.\nסגירת דרך ליד הבית", "area": "silwan",
     "precision": "approximate", "observed_on": "2026-10-01", "organization": "", "link": "",
     "is_demo": False, "published_at": "2026-10-02T09:30:00", "lon": 35.2389, "lat": 31.7698},
    {"id": 2, "kind": "challenge", "category": "water", "title": FORMULA, "description": "-2+3",
     "area": "sheikh-jarrah", "precision": "exact", "observed_on": "2026-09-15", "organization": "@org",
     "link": "https://example.org/a?b=1&c=2", "is_demo": False, "published_at": "2026-09-16T10:00:00",
     "lon": 35.233012, "lat": 31.792034, "photo": "abc.jpg"},
    {"id": 3, "kind": "initiative", "category": "education", "title": SCRIPT,
     "description": "<b>bold</b> & more " + "نص طويل " * 60, "area": None, "precision": "area",
     "observed_on": "2026-08-01", "organization": "جمعية", "link": "", "is_demo": True,
     "published_at": "2026-08-02T00:00:00", "lon": 35.2501234, "lat": 31.7801234,
     "addresses": [1, 2], "addressed_categories": ["housing", "water"]},
]


@pytest.fixture(scope="module")
def frame():
    return to_frame(REPORTS)


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(ROOT / "data" / "categories.yaml")


def assert_rows(read: gpd.GeoDataFrame, *, title="title", demo="demo") -> None:
    """Ids, titles (Arabic intact), demo flags and coordinates (1e-6) match the input."""
    read = read.sort_values("id" if "id" in read else title).reset_index(drop=True)
    assert [int(v) for v in read["id"]] == [1, 2, 3]
    assert list(read[title]) == [r["title"] for r in REPORTS]
    flags = [v if isinstance(v, bool) else str(v).lower() in ("true", "1") for v in read[demo]]
    assert flags == [False, False, True]
    for geom, report in zip(read.geometry, REPORTS, strict=True):
        assert geom.x == pytest.approx(report["lon"], abs=1e-6)
        assert geom.y == pytest.approx(report["lat"], abs=1e-6)


def test_to_frame(frame):
    assert frame.crs.to_epsg() == 4326
    assert list(frame["demo"]) == [False, False, True] and frame["demo"].dtype == bool
    assert "is_demo" not in frame and "lon" not in frame and "lat" not in frame
    assert frame.loc[2, "addresses"] == "1;2"
    assert frame.loc[2, "addressed_categories"] == "housing;water"
    assert frame.loc[0, "title"] == "أوامر هدم في سلوان"


def test_geojson_round_trip(frame, tmp_path):
    path = write_geojson(frame, tmp_path / "r.geojson")
    text = path.read_text(encoding="utf-8")
    assert "أوامر هدم في سلوان" in text and "\\u" not in text  # non-ASCII kept, not escaped
    assert '"crs"' not in text  # RFC 7946 has no crs member
    assert_rows(gpd.read_file(path, engine="pyogrio"))


def test_csv_bom_wkt_and_formula_neutralised(frame, tmp_path):
    path = write_csv(frame, tmp_path / "r.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {"lon", "lat", "wkt", "demo"} <= set(rows[0])
    assert rows[1]["title"] == "'" + FORMULA
    assert rows[1]["description"] == "'-2+3" and rows[1]["organization"] == "'@org"
    assert rows[0]["title"] == "أوامر هدم في سلوان"
    assert rows[2]["wkt"].startswith("POINT (35.2501234 31.7801234")
    assert float(rows[1]["lon"]) == pytest.approx(35.233012, abs=1e-9)
    # GDAL's CSV driver opens it too (skipping the BOM) and builds points from lon/lat.
    read = gpd.read_file(path, engine="pyogrio", X_POSSIBLE_NAMES="lon", Y_POSSIBLE_NAMES="lat",
                         KEEP_GEOM_COLUMNS="NO")
    read["title"] = [t[1:] if t.startswith("'=") else t for t in read["title"]]
    assert_rows(read)


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("سلوان", "سلوان"), (-35.2, -35.2), (None, None),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_kml_styles_escaping_and_round_trip(frame, taxonomy, tmp_path):
    path = write_kml(frame, tmp_path / "r.kml", taxonomy=taxonomy)
    text = path.read_text(encoding="utf-8")
    assert "<script>" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; دروس &amp; تقوية" in text  # the name: XML-escaped
    assert "&amp;lt;b&amp;gt;bold" in text  # the description: HTML- then XML-escaped
    styles = re.findall(r'<Style id="([^"]+)">', text)
    assert sorted(styles) == ["challenge-housing", "challenge-water", "initiative-education"]
    housing = taxonomy.get("challenge", "housing").colour  # #b3261e -> aabbggrr
    assert f"<color>ff{housing[5:7]}{housing[3:5]}{housing[1:3]}</color>" in text
    assert text.count("<styleUrl>#challenge-housing</styleUrl>") == 1
    read = gpd.read_file(path, engine="pyogrio")
    assert_rows(read.assign(id=read["id"].astype(int)), title="Name")
    assert html.unescape(read.loc[2, "description"]).startswith('<div dir="auto"><b>bold</b> & more')


def test_gpkg_holds_named_layers(frame, tmp_path):
    areas = load_layers(ROOT / "data" / "layers").areas
    path = write_gpkg({"reports": frame, "areas": areas}, tmp_path / "export.gpkg")
    assert sorted(pyogrio.list_layers(path)[:, 0]) == ["areas", "reports"]
    reports = gpd.read_file(path, layer="reports", engine="pyogrio")
    assert_rows(reports)
    assert reports["demo"].dtype == bool
    back = gpd.read_file(path, layer="areas", engine="pyogrio")
    assert len(back) == len(areas) and set(back["name_ar"]) == set(areas["name_ar"])


def test_shapefile_zip(frame, tmp_path):
    path = write_shapefile_zip({"reports": frame}, tmp_path / "reports.shp.zip")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert {f"reports.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg")} <= names
        assert archive.read("reports.cpg").decode().strip().upper() in ("UTF-8", "UTF8")
        assert "reports,observed_on,observed" in archive.read("fields.csv").decode()
    read = gpd.read_file(path, engine="pyogrio")  # GDAL opens the zip itself
    assert {"observed", "org", "descr", "published", "addr_cats"} <= set(read.columns)
    assert all(len(c) <= 10 for c in read.columns)
    assert_rows(read)
    assert read.loc[0, "descr"] == REPORTS[0]["description"]
    long = read.loc[2, "descr"]
    assert len(long.encode("utf-8")) <= DBF_TEXT_BYTES and REPORTS[2]["description"].startswith(long)
    # Dates are dBASE dates (D), not text; the timestamp keeps its day.
    info = pyogrio.read_info(path)
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["observed"] == types["published"] == "datetime64[D]"
    assert str(read.loc[0, "observed"])[:10] == "2026-10-01"
    # The full texts and timestamps: a table in the zip, joined by id, named in fields.csv.
    with zipfile.ZipFile(path) as archive:
        fields = list(csv.DictReader(io.StringIO(archive.read("fields.csv").decode())))
        readme = archive.read("README.txt").decode()
    by_name = {r["original"]: r for r in fields}
    assert by_name["description"]["full_values"] == "reports_full.csv"
    assert by_name["published_at"]["full_values"] == "reports_full.csv"
    assert by_name["title"]["full_values"] == "" and by_name["observed_on"]["type"] == "date"
    assert "reports_full.csv" not in readme and "<layer>_full.csv" in readme and '"id"' in readme
    full = gpd.read_file(f"/vsizip/{path}/reports_full.csv", engine="pyogrio")  # typed by its .csvt
    full = full.set_index("id")
    assert full.index.dtype == "int64"
    assert full.loc[3, "description"] == REPORTS[2]["description"]  # every Arabic letter
    assert str(full.loc[1, "published_at"]).startswith("2026-10-02 09:30:00")


def test_shapefile_names_are_short_and_unique():
    names = shapefile_names(["description", "descriptions", "addressed_categories", "abcdefghijkl",
                             "abcdefghijXY"])
    assert names["description"] == "descr"
    assert len({n.lower() for n in names.values()}) == 5
    assert all(len(n) <= 10 for n in names.values())


def test_datetime_columns_keep_their_day_and_full_value(tmp_path):
    frame = to_frame(REPORTS[:1])
    frame["published_at"] = gpd.pd.to_datetime(frame["published_at"])
    path = write_shapefile_zip({"r": frame}, tmp_path / "r.shp.zip")
    read = gpd.read_file(path, engine="pyogrio")
    assert str(read.loc[0, "published"])[:10] == "2026-10-02"
    with zipfile.ZipFile(path) as archive:
        assert "2026-10-02T09:30:00" in archive.read("r_full.csv").decode("utf-8-sig")


def test_gpkg_dates_are_dates_and_version_is_1_2(frame, tmp_path):
    import sqlite3

    path = write_gpkg({"reports": frame}, tmp_path / "d.gpkg")
    info = pyogrio.read_info(path, layer="reports")
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["observed_on"] == "datetime64[D]" and types["published_at"].startswith("datetime64")
    assert types["id"] == "int64" and types["demo"] == "bool"
    read = gpd.read_file(path, layer="reports", engine="pyogrio")
    assert str(read.loc[0, "published_at"]).startswith("2026-10-02 09:30:00")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10200  # GeoPackage 1.2
    if shutil.which("ogrinfo"):  # Debian bookworm's GDAL 3.6 warns on 1.4
        out = subprocess.run(["ogrinfo", "-ro", "-so", str(path), "reports"], capture_output=True,
                             text=True, check=True)
        assert "Warning" not in out.stderr and "observed_on: Date" in out.stdout


def test_csvt_declares_column_types(frame, tmp_path):
    path = write_csv(frame, tmp_path / "t.csv", csvt=True)
    types = path.with_suffix(".csvt").read_text().strip().split(",")
    columns = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(types) == len(columns)
    declared = dict(zip(columns, types, strict=True))
    assert declared["id"] == "Integer64" and declared["observed_on"] == "Date"
    assert declared["published_at"] == "DateTime" and declared["wkt"] == "WKT"
    info = pyogrio.read_info(path)  # GDAL reads the .csvt beside the CSV
    read_types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert read_types["id"] == "int64" and read_types["observed_on"] == "datetime64[D]"
    read = gpd.read_file(path, engine="pyogrio")
    assert read.geometry.iloc[0].x == pytest.approx(REPORTS[0]["lon"], abs=1e-6)
    assert list(read.sort_values("id")["title"]) == [neutralise(r["title"]) for r in REPORTS]


def test_python_dates_become_iso_text(tmp_path):
    import datetime as dt

    frame = to_frame([{**REPORTS[0], "observed_on": dt.date(2026, 10, 1),
                       "published_at": dt.datetime(2026, 10, 2, 9, 30)}])
    for path in (write_geojson(frame, tmp_path / "d.geojson"),
                 write_shapefile_zip({"d": frame}, tmp_path / "d.shp.zip")):
        row = gpd.read_file(path, engine="pyogrio").iloc[0]
        observed = row.get("observed_on", row.get("observed"))
        assert str(observed)[:10] == "2026-10-01"
    assert "2026-10-02T09:30:00" in write_csv(frame, tmp_path / "d.csv").read_text(encoding="utf-8-sig")


def test_area_rows(taxonomy, tmp_path):
    areas = load_layers(ROOT / "data" / "layers").areas.head(5)
    text = write_kml(areas, tmp_path / "a.kml", taxonomy=taxonomy, lang="ar").read_text(encoding="utf-8")
    assert re.findall(r'<Style id="([^"]+)">', text) == ["area"]
    read = gpd.read_file(tmp_path / "a.kml", engine="pyogrio")
    assert list(read["Name"]) == list(areas["name_ar"])
    area = [shapely.area(g.geometry.values).sum() for g in (read, areas)]  # degrees², only compared
    assert area[0] == pytest.approx(area[1], rel=1e-6)
    rows = list(csv.DictReader(io.StringIO(write_csv(areas, tmp_path / "a.csv")
                                           .read_text(encoding="utf-8-sig"))))
    for row, geom in zip(rows, areas.geometry, strict=True):
        assert geom.contains(gpd.points_from_xy([float(row["lon"])], [float(row["lat"])])[0])
        assert row["wkt"].startswith(("POLYGON", "MULTIPOLYGON"))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_bytes(frame, taxonomy, fmt, tmp_path):
    data = export_bytes(fmt, {"reports": frame}, taxonomy=taxonomy)
    path = tmp_path / f"x{FORMATS[fmt][0]}"
    path.write_bytes(data)
    kwargs = {"X_POSSIBLE_NAMES": "lon", "Y_POSSIBLE_NAMES": "lat"} if fmt == "csv" else {}
    assert len(gpd.read_file(path, engine="pyogrio", **kwargs)) == 3


def test_export_bytes_rejects_bad_requests(frame):
    with pytest.raises(ValueError, match="format"):
        export_bytes("xlsx", {"reports": frame})
    with pytest.raises(ValueError, match="one layer"):
        export_bytes("csv", {"a": frame, "b": frame})


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL command-line tools not installed")
def test_ogrinfo_opens_every_file(frame, taxonomy, tmp_path):
    paths = [write_geojson(frame, tmp_path / "r.geojson"),
             write_kml(frame, tmp_path / "r.kml", taxonomy=taxonomy),
             write_gpkg({"reports": frame}, tmp_path / "r.gpkg"),
             write_shapefile_zip({"reports": frame}, tmp_path / "r.shp.zip")]
    for path in paths:
        source = f"/vsizip/{path}" if path.suffix == ".zip" else str(path)
        out = subprocess.run(["ogrinfo", "-ro", "-so", "-al", source], capture_output=True, text=True,
                             check=True)
        assert "Feature Count: 3" in out.stdout
