"""webapp.store.report_rows: columns recognised by name, overrides, and cells read as report values."""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

import pytest

from geo.formats.tabular import read_table
from geo.reference.taxonomy import load_taxonomy
from webapp.store.report_rows import (
    CategoryLookup,
    apply_overrides,
    detect_mapping,
    fit_mapping,
    fold,
    looks_like_formula,
    parse_date,
    parse_location,
    parse_rows,
)

ROOT = Path(__file__).resolve().parents[2]
fixtures = importlib.import_module("tests.fixtures.import.make_files").files()


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(ROOT / "data" / "categories.yaml")


def _mapped(headers):
    return {h: f for h, f in zip(headers, detect_mapping(headers), strict=True) if f}


def test_kobo_export_columns():
    table = read_table(fixtures["kobo_export.csv"], "kobo.csv")
    assert _mapped(table.headers) == {
        "العنوان": "title", "الوصف": "description", "النوع": "kind", "الفئة": "category",
        "التاريخ": "observed_on", "_الموقع_latitude": "lat", "_الموقع_longitude": "lon",
        "_uuid": "source_id", "_submission_time": "submitted_at", "_geolocation": "location"}


def test_odk_central_columns():
    table = read_table(fixtures["odk_central.csv"], "odk.csv")
    mapped = _mapped(table.headers)
    assert mapped["report/gps"] == "location" and mapped["meta/instanceID"] == "source_id"
    assert mapped["report/title"] == "title" and mapped["SubmissionDate"] == "submitted_at"
    assert "KEY" not in mapped  # one column per field: instanceID ranks first


def test_gps_columns_and_arabic_spellings():
    headers = ["_gps_latitude", "_gps_longitude", "_gps_altitude", "_gps_precision", "الفئه", "خط العرض"]
    mapped = _mapped(headers)
    # _gps_precision is the GPS accuracy, not the report's precision; خط العرض loses to _gps_latitude.
    assert mapped == {"_gps_latitude": "lat", "_gps_longitude": "lon", "الفئه": "category"}
    assert _mapped(["خط العرض", "خط الطول", "عنوان"]) == {"خط العرض": "lat", "خط الطول": "lon",
                                                          "عنوان": "title"}


def test_overrides():
    headers = ["Headline", "Y", "X", "notes"]
    mapping = detect_mapping(headers)
    assert mapping == ["title", "lat", "lon", "description"]
    changed = apply_overrides(headers, mapping, {"notes": "title", "headline": "-"})
    assert changed == [None, "lat", "lon", "title"]
    with pytest.raises(ValueError, match="no column named"):
        apply_overrides(headers, mapping, {"nope": "title"})
    with pytest.raises(ValueError, match="unknown field"):
        apply_overrides(headers, mapping, {"notes": "colour"})


def test_locations_dates_and_formulas():
    assert parse_location("[31.77, 35.23]") == (31.77, 35.23)
    assert parse_location("31.77 35.23 780 5") == (31.77, 35.23)
    assert parse_location("٣١٫٧٧ ٣٥٫٢٣") == (31.77, 35.23)
    assert parse_location("[null, null]") is None
    with pytest.raises(ValueError):
        parse_location("95 35")
    assert parse_date("2026-05-01") == dt.date(2026, 5, 1)
    assert parse_date("05/01/2026") == dt.date(2026, 1, 5)  # day first
    assert parse_date("2026-04-30T23:30:00Z") == dt.date(2026, 5, 1)  # Jerusalem's date
    assert parse_date("٢٠٢٦-٠٥-٠١") == dt.date(2026, 5, 1)
    with pytest.raises(ValueError):
        parse_date("last Tuesday")
    assert looks_like_formula("=HYPERLINK(\"x\")") and looks_like_formula("-cmd|' /C calc'!A0")
    assert looks_like_formula("@SUM(A1)")
    assert not looks_like_formula("- a list item") and not looks_like_formula("+972 2 555 0000")


def test_categories_by_id_or_label_in_either_language(taxonomy):
    lookup = CategoryLookup(taxonomy)
    assert lookup.find("challenge", "السكن والهدم") == ("challenge", "housing")
    assert lookup.find("challenge", "Housing & Demolitions") == ("challenge", "housing")
    assert lookup.find(None, "الشباب والرياضة") == ("initiative", "youth-sport")  # one kind has it
    assert lookup.find(None, "education") == (None, "education")  # both kinds: the kind must be said
    assert lookup.find("challenge", "women") == ("challenge", "women")  # the rules say "for initiatives"
    assert fold("الفئة") == fold("الفئه") and fold("تحدٍّ") == fold("تحد")


def test_rows_of_the_kobo_export(taxonomy):
    table = read_table(fixtures["kobo_export.csv"], "kobo.csv")
    rows = parse_rows(table, detect_mapping(table.headers), taxonomy)
    first = rows[0]
    assert first.line == 2 and first.problems == []
    assert first.values["kind"] == "challenge" and first.values["category"] == "housing"
    assert (first.values["lat"], first.values["lon"]) == (31.7698, 35.2389)
    assert first.values["observed_on"] == dt.date(2026, 10, 1) and first.values["precision"] == "approximate"
    assert first.source_id == "uuid:0c3d0000-7b1e-4a8c-9f00-5e2a6b1c0000"
    assert rows[2].values["kind"] == "initiative" and rows[3].values["observed_on"] == dt.date(2026, 7, 1)


def test_odk_and_kobo_ids_agree_and_rows_without_id_hash_their_content(taxonomy):
    table = read_table(fixtures["odk_central.csv"], "odk.csv")
    rows = parse_rows(table, detect_mapping(table.headers), taxonomy)
    assert rows[0].source_id == "uuid:5f1e0000-aaaa-4bbb-8ccc-000000000000"
    assert [r.values["precision"] for r in rows] == ["exact", "approximate", "area"]
    xlsx = read_table(fixtures["reports.xlsx"], "r.xlsx")
    csv = read_table(fixtures["reports_bom.csv"], "r.csv")
    ids = [r.source_id for r in parse_rows(xlsx, detect_mapping(xlsx.headers), taxonomy)]
    assert ids == [r.source_id for r in parse_rows(csv, detect_mapping(csv.headers), taxonomy)]
    assert all(i.startswith("sha256:") for i in ids) and len(set(ids)) == 3


def test_problems_are_codes(taxonomy):
    data = (b"title,kind,lat,lon,date,precision\n"
            b"=1+1,complaint,abc,35.2,someday,blurry\n")
    table = read_table(data, "x.csv")
    (row,) = parse_rows(table, detect_mapping(table.headers), taxonomy)
    assert {(f, code) for f, code, _v in row.problems} == {
        ("title", "formula"), ("kind", "kind"), ("location", "number"), ("observed_on", "date"),
        ("precision", "precision")}


def test_committed_fixtures_are_what_the_script_writes():
    folder = ROOT / "tests" / "fixtures" / "import"
    for name in ("kobo_export.csv", "odk_central.csv", "reports.geojson"):
        assert (folder / name).read_bytes() == fixtures[name], f"run {folder / 'make_files.py'}"


def test_group_separators_and_split_geopoints():
    # Kobo "/" (default) and "." (export option), ODK Central "-"; Kobo's labelled geopoint "lieu"
    # with its split columns; ODK Central's geopoint-Latitude; a plain "geo-lat"/"geo-lon".
    headers = ["grp.title", "grp/description", "meta-instanceID", "lieu", "_lieu_latitude",
               "_lieu_longitude", "_lieu_altitude", "_lieu_precision", "home-type"]
    assert _mapped(headers) == {"grp.title": "title", "grp/description": "description",
                                "meta-instanceID": "source_id", "_lieu_latitude": "lat",
                                "_lieu_longitude": "lon", "home-type": "kind"}
    assert _mapped(["gps-Latitude", "gps-Longitude", "gps-Altitude", "gps-Accuracy", "KEY"]) == {
        "gps-Latitude": "lat", "gps-Longitude": "lon", "KEY": "source_id"}
    assert _mapped(["geo-lat", "geo-lon", "e-mail"]) == {"geo-lat": "lat", "geo-lon": "lon",
                                                         "e-mail": "contact"}


def _table(text: str):
    return read_table(text.encode(), "t.csv")


def test_a_column_named_like_a_field_is_taken_only_when_its_values_fit(taxonomy):
    # The form's own "type" question is not the report's kind; its "date" of free text is no date.
    table = _table("home-type,type,date,today,lat,lon\n"
                   "Apartment,challenge,soon,2024-05-01,31.77,35.23\n"
                   "Condo,,later,2024-05-02,n/a,n/a\n")
    mapping = fit_mapping(table, taxonomy)
    assert dict(zip(table.headers, mapping, strict=True)) == {
        "home-type": None, "type": "kind", "date": None, "today": "submitted_at", "lat": "lat",
        "lon": "lon"}


def test_unnamed_columns_found_by_their_values(taxonomy):
    places = {"silwan": "silwan", "سلوان": "silwan", "at-tur": "at-tur"}
    table = _table("where,which,trace\n"
                   "31.77 35.23 0 5,Silwan,31.7 35.2 0 0;31.8 35.3 0 0\n"
                   "31.78 35.24 0 5,at-Tur,31.7 35.2 0 0;31.8 35.3 0 0\n")
    mapping = fit_mapping(table, taxonomy, lambda v: places.get(v.lower()))
    # A geotrace is never a point; names of places are the place.
    assert mapping == ["location", "area_name", None]


def test_skip_markers_are_empty(taxonomy):
    table = _table("title,kind,category,date,lat,lon,area\n"
                   "Water cut,challenge,water,n/a,31.77,35.23,N/A\n")
    (row,) = parse_rows(table, detect_mapping(table.headers), taxonomy)
    assert row.problems == [] and row.values["observed_on"] is None and row.values["area_name"] == ""


def test_default_category_and_kind_for_rows_that_give_none(taxonomy):
    table = _table("title,category,lat,lon\nA,,31.77,35.23\nB,education,31.77,35.23\n")
    rows = parse_rows(table, detect_mapping(table.headers), taxonomy, "challenge", "السكن والهدم")
    assert [(r.values["kind"], r.values["category"]) for r in rows] == [
        ("challenge", "housing"), ("challenge", "education")]
