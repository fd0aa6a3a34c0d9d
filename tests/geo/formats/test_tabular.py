"""geo.formats.tabular: tables from CSV (three encodings), XLSX and GeoJSON, and what is refused."""

from __future__ import annotations

import importlib

import pytest

from geo.formats.tabular import TableError, read_table
from tests.fixtures.bad.make_files import import_files

# "import" is a keyword: the fixtures' module is reached by name.
import_fixtures = importlib.import_module("tests.fixtures.import.make_files").files


@pytest.fixture(scope="module")
def good():
    return import_fixtures()


@pytest.fixture(scope="module")
def bad():
    return import_files()


def test_kobo_csv_semicolons_arabic_headers_and_row_numbers(good):
    table = read_table(good["kobo_export.csv"], "kobo_export.csv")
    assert table.format == "csv" and table.encoding == "utf-8"
    assert table.headers[2:6] == ["العنوان", "الوصف", "النوع", "الفئة"]
    assert len(table.rows) == 5 and table.lines == [2, 3, 4, 5, 6]  # the header is row 1
    assert table.rows[0][2] == "أمر هدم لثلاثة منازل"


def test_bom_and_windows_1256_are_detected(good):
    bom = read_table(good["reports_bom.csv"], "r.csv")
    assert bom.headers[0] == "title" and bom.encoding == "utf-8"
    arabic = read_table(good["reports_cp1256.csv"], "r.csv")
    assert arabic.encoding == "cp1256"
    assert arabic.headers[:2] == ["العنوان", "الوصف"] and arabic.rows[0][0] == "شارع بلا رصيف"


def test_quoted_newlines_keep_spreadsheet_row_numbers():
    data = b'title,lat,lon\n"two\nlines",31.7,35.2\n\n"next",31.7,35.2\n'
    table = read_table(data, "x.csv")
    # Row 2 spans two physical lines; the blank record is row 3; "next" is row 4.
    assert table.lines == [2, 4] and table.rows[0][0] == "two\nlines"


def test_xlsx_values_and_dates(good):
    table = read_table(good["reports.xlsx"], "reports.xlsx")
    assert table.format == "xlsx" and table.headers[4:6] == ["latitude", "longitude"]
    assert table.lines == [2, 3, 4]
    assert table.rows[0][6].startswith("2026-05-03") and table.rows[1][0] == "مكتبة الحي"


def test_xlsx_formulas_are_text_never_values(bad):
    table = read_table(bad["import_formula.xlsx"], "f.xlsx")
    assert table.rows[1][0] == '=HYPERLINK("http://evil.example","x")'


def test_geojson_points_become_rows(good):
    table = read_table(good["reports.geojson"], "r.geojson")
    assert table.unit == "feature" and table.lines == [1, 2]
    assert table.points[0] == (35.2389, 31.7698) and "title" in table.headers


@pytest.mark.parametrize("name, message", [
    ("import_binary.csv", "not text"),
    ("import_utf16.csv", "UTF-16"),
    ("import_invalid_utf8.geojson", "not valid UTF-8"),
    ("import_dimension_bomb.xlsx", "declares 1,048,576 rows"),
    ("import_shared_strings_bomb.xlsx", "zip bomb"),
    ("import_zip_not_xlsx.xlsx", "not an XLSX workbook"),
    ("import_broken.xlsx", "broken zip"),
])
def test_unsafe_files_are_refused_with_a_reason(bad, name, message):
    with pytest.raises(TableError, match=message):
        read_table(bad[name], name)


def test_limits():
    with pytest.raises(TableError, match="empty"):
        read_table(b"  \n", "x.csv")
    with pytest.raises(TableError, match="columns"):
        read_table((",".join(f"c{i}" for i in range(201)) + "\n").encode(), "x.csv")
    with pytest.raises(TableError, match="characters"):
        read_table(b"title\n" + b"x" * 10_001 + b"\n", "x.csv")
