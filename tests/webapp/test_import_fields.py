"""Imported columns fill a category's structured fields (issue 20: "Records that count").

``tests/fixtures/import/demolitions_made_up.csv`` is a made-up spreadsheet of demolition records
as an organizer keeps one: date, locality, coordinates for some rows only, structures, people
displaced, children, a long description; no title, type or category column. Every assertion reads
the stored reports back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from tests.webapp.test_reports_import import preview_form, selected, upload

FILE = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "demolitions_made_up.csv"


def run(runner, path, *args):
    return runner.invoke(args=["reports", "import", "--lang", "en", str(path), *args])


def stored(app) -> list:
    from webapp.extensions import db
    from webapp.store.models import Report

    with app.app_context():
        rows = db.session.scalars(sa.select(Report).order_by(Report.id)).all()
        db.session.expunge_all()
        return rows


def _file_rows() -> list[dict]:
    with FILE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_demolition_records_fill_the_housing_fields(app, runner):
    result = run(runner, FILE, "--category", "housing")
    assert result.exit_code == 0, result.output
    # Named by label ("Structures", "People displaced") or by a word of one ("Children").
    for pair in ("Structures → structures", "People displaced → people_displaced",
                 "Children → children_displaced", "Locality → area_name", "Date → observed_on"):
        assert pair in result.output
    assert "8 new, 0 already imported, 0 repeated in the file, 0 invalid" in result.output
    reports, rows = stored(app), _file_rows()
    assert len(reports) == len(rows) == 8
    for report, row in zip(reports, rows, strict=True):
        expected = {"structures": int(row["Structures"]), "people_displaced": int(row["People displaced"])}
        if row["Children"]:
            expected["children_displaced"] = int(row["Children"])
        assert report.fields == expected, (row, report.fields)
        assert report.observed_on == dt.date.fromisoformat(row["Date"])
        assert (report.kind, report.category) == ("challenge", "housing")  # the category tells the kind
        # No coordinates, a locality in Arabic or English: the area's point, at area precision.
        assert report.precision == ("approximate" if row["Latitude"] else "area")
    assert [r.area for r in reports] == ["silwan", "jabal-al-mukabbir", "jabal-al-mukabbir", "al-isawiya",
                                         "beit-hanina", "silwan", "al-isawiya", "sur-bahir"]
    # No title column and long descriptions: the documented title, not a cut sentence.
    assert reports[0].title == "Housing & demolitions · Silwan · 2023-02-14"
    assert reports[0].description.startswith("MADE-UP TEST ROW. Two rooms")
    # Per-year totals of the stored rows equal the file's own sums.
    from_file, from_db = Counter(), Counter()
    for row in rows:
        from_file[row["Date"][:4]] += int(row["People displaced"])
    for report in reports:
        from_db[str(report.observed_on.year)] += report.fields["people_displaced"]
    assert from_db == from_file == Counter({"2023": 18, "2024": 20, "2025": 14})


def test_the_totals_read_back_in_sql(app, runner):
    assert run(runner, FILE, "--category", "housing", "--publish").exit_code == 0
    from webapp.extensions import db
    from webapp.store.models import Report
    from webapp.store.report_fields import field_number

    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.sum(field_number("people_displaced")))
                                  .where(Report.category == "housing"))
    assert total == 52


def test_map_a_column_to_a_field_and_refuse_what_the_field_refuses(app, runner, tmp_path):
    path = tmp_path / "arabic.csv"
    path.write_text("التاريخ,الحي,عدد المهجرين,منهم أطفال,مرحلة الهدم\n"
                    "2024-05-01,سلوان,6,2,تم الهدم\n"
                    "2024-06-01,الطور,3,5,صدر أمر الهدم\n", encoding="utf-8")
    # "منهم أطفال" is the field's Arabic label; "عدد المهجرين" and "مرحلة الهدم" are mapped by hand.
    result = run(runner, path, "--category", "housing", "--map", "عدد المهجرين=people_displaced",
                 "--map", "مرحلة الهدم=stage")
    assert result.exit_code == 1
    # Five children among three people: the field's rule, with the row and the field's label.
    assert "Row 3: Of whom children: This cannot be more than “People displaced”." in result.output
    result = run(runner, path, "--category", "housing", "--map", "عدد المهجرين=people_displaced",
                 "--map", "مرحلة الهدم=stage", "--skip-invalid")
    assert result.exit_code == 0, result.output
    (report,) = stored(app)
    assert report.fields == {"people_displaced": 6, "children_displaced": 2, "stage": "demolished"}
    bad = run(runner, path, "--map", "عدد المهجرين=people_lost")
    assert bad.exit_code == 1 and "unknown field 'people_lost'" in bad.output


def test_fields_of_another_category_are_not_stored(app, runner, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("title,category,area,structures,households affected\n"
                    "Demolition,housing,Silwan,2,\n"
                    "Water cut,water,Silwan,3,40\n", encoding="utf-8")
    result = run(runner, path, "--kind", "challenge")
    assert result.exit_code == 0, result.output
    assert [r.fields for r in stored(app)] == [{"structures": 2}, {"households_affected": 40}]


def test_the_page_maps_and_stores_the_fields(app, client, login):
    login()
    resp = upload(client, FILE, category="housing")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html[:500]
    mapping = selected(html)
    assert mapping["Structures"] == "structures" and mapping["Children"] == "children_displaced"
    assert "Housing &amp; demolitions: People displaced" in html  # the select offers every field
    form = preview_form(html)
    done = client.post("/reports/import/confirm", data={**form, "category": "housing", "action": "import"})
    assert done.status_code == 200, done.get_data(as_text=True)[:500]
    reports = stored(app)
    assert len(reports) == 8 and reports[6].fields == {"structures": 4, "people_displaced": 14,
                                                       "children_displaced": 8}


def test_a_skip_marker_in_a_count_is_no_count(app, runner, tmp_path):
    path = tmp_path / "kobo.csv"
    path.write_bytes(b"date;area;structures;people_displaced\n2024-01-01;Silwan;n/a;4\n")
    assert run(runner, path, "--category", "housing").exit_code == 0
    assert [r.fields for r in stored(app)] == [{"people_displaced": 4}]


def test_fixture_is_labelled_made_up():
    text = FILE.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert all(row["Description"].startswith("MADE-UP TEST ROW.") for row in rows)


def test_imported_records_make_the_trends(app, runner, client):
    """Issue 20's "done when": the imported file's per-year sums are what the trends API, the
    housing topic page and Silwan's own trend show (counts and sums read from the answers)."""
    assert run(runner, FILE, "--category", "housing", "--publish").exit_code == 0
    rows = _file_rows()
    people, count = Counter(), Counter()
    for row in rows:
        people[row["Date"][:4]] += int(row["People displaced"])
        count[row["Date"][:4]] += 1
    body = client.get("/api/v1/trends?category=housing&field=people_displaced&by=year").get_json()
    assert {p["period"]: p["sum"] for p in body["periods"]} == dict(people)
    assert {p["period"]: p["count"] for p in body["periods"]} == dict(count)
    assert body["total"] == {"count": len(rows), "sum": sum(people.values())}
    html = client.get("/topics/housing?lang=en&field=people_displaced").get_data(as_text=True)
    shown = dict(re.findall(r'<tr data-period="(\d+)">.*?<td data-sum="([^"]*)"', html, re.S))
    assert shown == {year: str(n) for year, n in people.items()}
    silwan = Counter(row["Date"][:4] for row in rows if row["Locality"] in ("Silwan", "سلوان"))
    assert sum(silwan.values()) == 2
    page = client.get("/areas/silwan?lang=en").get_data(as_text=True)
    trend = dict(re.findall(r'<tr data-period="(\d+)">.*?<td data-count="(\d+)"', page, re.S))
    assert {y: int(n) for y, n in trend.items() if int(n)} == dict(silwan), trend
