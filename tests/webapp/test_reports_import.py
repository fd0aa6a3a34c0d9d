"""Bulk import of reports: ``flask reports import`` and the organizer page /reports/import.

Every test reads the outcome back from the database (rows, audit events, the data version).
"""

from __future__ import annotations

import importlib
import io
import re

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token
from tests.webapp.stored import stored_names
from tests.webapp.test_authz import PUBLIC

make_files = importlib.import_module("tests.fixtures.import.make_files")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return make_files.build(tmp_path_factory.mktemp("import_files"))


def reports(app) -> list:
    from webapp.extensions import db
    from webapp.store.models import Report

    with app.app_context():
        rows = db.session.scalars(sa.select(Report).order_by(Report.id)).all()
        db.session.expunge_all()
        return rows


def events(app, action="import") -> list:
    from webapp.extensions import db
    from webapp.store.models import AuditEvent

    with app.app_context():
        return [(e.report_id, e.detail) for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def version(app) -> int:
    from webapp.store.versioning import read_state

    with app.app_context():
        return read_state().version


def run(runner, *args):
    return runner.invoke(args=["reports", "import", "--lang", "en", *map(str, args)])


# --- CLI ----------------------------------------------------------------------------------------

def test_kobo_export_imports_in_one_command_then_adds_nothing(app, runner, files):
    before = version(app)
    result = run(runner, files / "kobo_export.csv")
    assert result.exit_code == 0, result.output
    assert "5 new, 0 already imported" in result.output and "العنوان → title" in result.output
    stored = reports(app)
    assert len(stored) == 5
    first = stored[0]
    assert first.title == "أمر هدم لثلاثة منازل" and first.kind == "challenge" and first.category == "housing"
    assert first.source_id == "uuid:0c3d0000-7b1e-4a8c-9f00-5e2a6b1c0000" and first.source == "import"
    assert first.area == "silwan" and first.precision == "approximate" and first.status == "pending"
    assert not first.is_demo and first.published_at is None
    assert (first.public_lon, first.public_lat) != (first.lon, first.lat)  # the approximate offset
    assert {r.category for r in stored} == {"housing", "education", "youth-sport", "water", "movement"}
    assert version(app) == before + 1  # one data version for the whole file
    assert events(app)[0] == (first.id, "kobo_export.csv, row 2")
    assert len(events(app)) == 5 and events(app, "publish") == []

    again = run(runner, files / "kobo_export.csv")
    assert again.exit_code == 0, again.output
    assert "0 new, 5 already imported" in again.output
    assert len(reports(app)) == 5 and len(events(app)) == 5


@pytest.mark.parametrize("name, count", [("odk_central.csv", 3), ("reports.xlsx", 3), ("reports_bom.csv", 3),
                                         ("reports_cp1256.csv", 2), ("reports.geojson", 2)])
def test_every_format(app, runner, files, name, count):
    result = run(runner, files / name)
    assert result.exit_code == 0, result.output
    stored = reports(app)
    assert len(stored) == count and all(r.area for r in stored)
    if name == "odk_central.csv":
        assert [r.precision for r in stored] == ["exact", "approximate", "area"]
        assert stored[0].source_id == "uuid:5f1e0000-aaaa-4bbb-8ccc-000000000000"
    if name == "reports_cp1256.csv":
        assert stored[0].title == "شارع بلا رصيف" and stored[0].category == "roads"
    if name == "reports.xlsx":
        assert stored[1].kind == "initiative" and stored[1].category == "culture"
        assert [r.lifecycle for r in stored[:2]] == ["reported", "active"]  # each kind's first state
        assert str(stored[0].observed_on) == "2026-05-03"


def test_kobo_xlsx_export_is_the_same_survey(app, runner, files):
    result = run(runner, files / "kobo_export.xlsx")
    assert result.exit_code == 0 and "5 new" in result.output, result.output
    assert reports(app)[0].title == "أمر هدم لثلاثة منازل" and reports(app)[0].area == "silwan"
    again = run(runner, files / "kobo_export.csv")
    assert "0 new, 5 already imported" in again.output


def test_the_same_content_in_csv_and_xlsx_is_one_report(app, runner, files):
    assert run(runner, files / "reports.xlsx").exit_code == 0
    result = run(runner, files / "reports_bom.csv")
    assert "0 new, 3 already imported" in result.output and len(reports(app)) == 3


def test_publish_makes_them_public(app, runner, client, files):
    result = run(runner, files / "kobo_export.csv", "--publish")
    assert result.exit_code == 0, result.output
    assert {r.status for r in reports(app)} == {"published"}
    assert len(events(app, "publish")) == 5
    # The point cache and the API see them (the data version moved once for the file).
    listed = client.get("/api/v1/reports?limit=50").get_json()
    assert len(listed["features"]) == 5


def bad_file(tmp_path):
    path = tmp_path / "field_survey.csv"
    path.write_text("title,kind,category,lat,lon,date\n"
                    "Fine,challenge,housing,31.7698,35.2389,2025-05-01\n"
                    "Tel Aviv,challenge,housing,32.08,34.78,2025-05-01\n"
                    "Future,challenge,housing,31.7698,35.2389,2999-01-01\n"
                    "Wrong kind,challenge,women,31.7698,35.2389,2025-05-01\n"
                    f"{'x' * 121},challenge,housing,31.7698,35.2389,2025-05-01\n", encoding="utf-8")
    return path


def test_bad_rows_refuse_the_file_with_line_numbers(app, runner, tmp_path):
    before = version(app)
    result = run(runner, bad_file(tmp_path))
    assert result.exit_code == 1
    out = result.output
    # The form's rules, worded for rows and columns (no map to click in a file).
    assert "Row 3: Place: This row's coordinates are outside Jerusalem's municipal boundary." in out
    assert "Row 4: Date observed: The date cannot be in the future." in out
    assert "Row 5: Category: This category is for initiatives, not challenges." in out
    assert "Row 6: Title: At most 120 characters, please." in out
    assert "Row 2" not in out
    assert [line for line in out.splitlines() if line.startswith("Error:")] == [
        "Error: Rows with problems: 4; nothing was imported. Fix them, or skip the invalid rows "
        "(--skip-invalid)."]
    assert reports(app) == [] and version(app) == before


def test_skip_invalid_imports_the_others(app, runner, tmp_path):
    result = run(runner, bad_file(tmp_path), "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "1 new, 0 already imported, 0 repeated in the file, 4 invalid" in result.output
    assert [r.title for r in reports(app)] == ["Fine"]
    assert events(app)[0][1] == "field_survey.csv, row 2"


def test_dry_run_stores_nothing(app, runner, files, tmp_path):
    before = version(app)
    result = run(runner, files / "kobo_export.csv", "--dry-run")
    assert result.exit_code == 0 and "Dry run, nothing stored: 5 new" in result.output
    assert reports(app) == [] and version(app) == before
    refused = run(runner, bad_file(tmp_path), "--dry-run")
    assert refused.exit_code == 1 and "Row 3" in refused.output


def test_map_and_kind_options(app, runner, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("headline,north,east,theme\nSchool bus,31.7698,35.2389,education\n", encoding="utf-8")
    result = run(runner, path)
    assert result.exit_code == 1 and "No column with coordinates or place names" in result.output
    mapped = ["--map", "north=lat", "--map", "east=lon", "--map", "theme=category"]
    result = run(runner, path, *mapped)
    # "education" is a category of both kinds: the kind must come from somewhere.
    assert result.exit_code == 1
    assert "Type: The type is empty or unknown: fill the type column" in result.output
    result = run(runner, path, *mapped, "--kind", "initiative")
    assert result.exit_code == 0, result.output
    (report,) = reports(app)
    assert (report.title, report.kind, report.category) == ("School bus", "initiative", "education")
    bad = run(runner, path, "--map", "nope=lat")
    assert bad.exit_code == 1 and "no column named 'nope'" in bad.output


def test_user_option_records_who_imported(app, runner, files, make_user):
    bad = run(runner, files / "reports.geojson", "--user", "nobody@example.org")
    assert bad.exit_code == 1 and "No active account" in bad.output and reports(app) == []
    user_id = make_user()
    result = run(runner, files / "reports.geojson", "--user", "Organizer@Example.org")
    assert result.exit_code == 0, result.output
    assert {r.created_by_id for r in reports(app)} == {user_id}
    from webapp.extensions import db
    from webapp.store.models import AuditEvent

    with app.app_context():
        assert set(db.session.scalars(sa.select(AuditEvent.user_id))) == {user_id}


def test_repeated_rows_are_stored_once(app, runner, tmp_path):
    path = tmp_path / "twice.csv"
    row = "Same,challenge,housing,31.7698,35.2389\n"
    path.write_text("title,kind,category,lat,lon\n" + row + row, encoding="utf-8")
    result = run(runner, path)
    assert "1 new, 0 already imported, 1 repeated in the file" in result.output
    assert len(reports(app)) == 1


def test_messages_in_arabic_by_default(app, runner, tmp_path):
    result = runner.invoke(args=["reports", "import", str(bad_file(tmp_path))])
    assert result.exit_code == 1 and "إحداثيات هذا الصف خارج الحدود البلدية للقدس." in result.output


def test_every_refusal_of_a_file_has_a_translatable_wording(app):
    from flask_babel import force_locale

    from geo.formats.tabular import MESSAGES
    from webapp.store.report_import import REASONS

    assert set(REASONS) == set(MESSAGES)
    with app.app_context(), force_locale("en"):
        for code, text in MESSAGES.items():  # the same words and placeholders in both
            assert re.sub(r"\{(\w+)[^}]*\}", r"%(\1)s", text) == str(REASONS[code]), code


# --- the page -----------------------------------------------------------------------------------

def upload(client, path, **extra):
    # English pages (the language is remembered in the session), so the tests read English text.
    data = {"csrf_token": csrf_token(client, "/reports/import?lang=en"),
            "file": (io.BytesIO(path.read_bytes()), path.name), **extra}
    return client.post("/reports/import", data=data, content_type="multipart/form-data")


def preview_form(html: str) -> dict:
    """The confirm form's values as the browser would send them."""
    hidden = dict(re.findall(r'name="(csrf_token|token)" type="hidden" value="([^"]+)"', html))
    selects = re.findall(r'<select name="map"[^>]*>(.*?)</select>', html, re.S)
    mapping = [(re.search(r'<option value="([^"]*)" selected>', s) or [None, ""])[1] for s in selects]
    return {**hidden, "map": mapping}


def selected(html: str) -> dict:
    """{column header: the field selected for it} in the preview."""
    cells = re.findall(r'<label for="map-\d+"><bdi>([^<]*)</bdi></label>.*?'
                       r'<select name="map"[^>]*>(.*?)</select>', html, re.S)
    return {h: m[1] for h, s in cells if (m := re.search(r'<option value="([^"]*)" selected>', s))}


def test_page_previews_then_imports(app, client, login, files):
    login()
    resp = upload(client, files / "kobo_export.csv")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    mapping = selected(html)
    assert mapping["العنوان"] == "title" and mapping["_uuid"] == "source_id" and mapping["start"] == ""
    assert "أمر هدم لثلاثة منازل" in html and "New: 5" in html
    assert reports(app) == []  # the preview stores nothing
    form = preview_form(html)
    resp = client.post("/reports/import/confirm", data={**form, "action": "import"})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    assert "5 new reports imported" in resp.get_data(as_text=True)
    stored = reports(app)
    # The result links to each imported report (pending: its moderation page).
    links = re.findall(r'<li><a href="/moderation/(\d+)"', resp.get_data(as_text=True))
    assert sorted(int(i) for i in links) == sorted(r.id for r in stored)
    assert len(stored) == 5 and {r.status for r in stored} == {"pending"}
    assert all(r.created_by_id is not None for r in stored)
    assert stored_names(app, "imports/") == []  # the upload is gone
    # The second upload of the same export: nothing new.
    html = upload(client, files / "kobo_export.csv").get_data(as_text=True)
    assert "New: 0" in html and "Already imported: 5" in html
    resp = client.post("/reports/import/confirm", data={**preview_form(html), "action": "import"})
    done = resp.get_data(as_text=True)
    assert "0 new reports imported." in done and "5 reports were already imported." in done
    assert 'id="imported-reports"' not in done
    assert len(reports(app)) == 5


def test_page_lists_bad_rows_and_refuses_until_skipped(app, client, login, tmp_path):
    login()
    html = upload(client, bad_file(tmp_path)).get_data(as_text=True)
    errors = re.search(r'<ul class="import-errors".*?</ul>', html, re.S)[0]
    assert re.findall(r'data-line="(\d+)"', errors) == ["3", "4", "5", "6"]
    assert "Row 4</strong>" in errors and "The date cannot be in the future." in errors
    form = preview_form(html)
    refused = client.post("/reports/import/confirm", data={**form, "action": "import"})
    assert refused.status_code == 400 and "nothing was imported" in refused.get_data(as_text=True)
    assert reports(app) == []
    done = client.post("/reports/import/confirm", data={**form, "action": "import", "skip_invalid": "y",
                                                        "publish": "y"})
    assert done.status_code == 200
    assert [(r.title, r.status) for r in reports(app)] == [("Fine", "published")]


def test_page_mapping_can_be_changed(app, client, login, tmp_path):
    login()
    path = tmp_path / "odd.csv"
    path.write_text("headline,north,east,category,kind\nBus,31.7698,35.2389,roads,challenge\n",
                    encoding="utf-8")
    # Coordinates not recognised: the preview still opens, with the mapping to fix.
    resp = upload(client, path)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="import-notice"' in html and "Invalid: 1" in html
    assert "click the map" not in html and "No place: the row has no coordinates" in html
    form = preview_form(html)
    form["map"] = ["title", "lat", "lon", "category", "kind"]
    done = client.post("/reports/import/confirm", data={**form, "action": "import"})
    assert done.status_code == 200 and [(r.title, r.lat) for r in reports(app)] == [("Bus", 31.7698)]
    # The next file with the same columns opens with that mapping (kept in the database).
    path.write_text("headline,north,east,category,kind\nCar,31.7698,35.2389,roads,challenge\n",
                    encoding="utf-8")
    html = upload(client, path).get_data(as_text=True)
    assert 'id="import-remembered"' in html and 'id="import-notice"' not in html
    assert selected(html) == {"headline": "title", "north": "lat", "east": "lon", "category": "category",
                              "kind": "kind"}
    assert "New: 1" in html and "Invalid: 0" in html
    from webapp.store import files as stored

    with app.app_context():
        assert len(stored.listing("import-mappings/")) == 1
    path.write_text("headline,north,east,category,kind,lat,lon\nVan,31.7698,35.2389,roads,challenge,1,1\n",
                    encoding="utf-8")
    html = upload(client, path).get_data(as_text=True)
    assert "outside Jerusalem" in html
    form = preview_form(html)
    form["map"] = ["title", "lat", "lon", "category", "kind", "", ""]
    again = client.post("/reports/import/confirm", data={**form, "action": "preview"})
    assert again.status_code == 200 and selected(again.get_data(as_text=True))["north"] == "lat"
    assert "Invalid: 0" in again.get_data(as_text=True) and len(reports(app)) == 1
    client.post("/reports/import/confirm", data={**form, "action": "import"})
    assert [(r.title, r.category) for r in reports(app)][-1] == ("Van", "roads")


def test_page_is_for_organizers_only(app, client, make_user, files):
    resp = client.get("/reports/import")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    resp = client.post("/reports/import/confirm", data={"token": "x" * 32, "action": "import"})
    assert resp.status_code in (302, 400) and reports(app) == []  # CSRF refuses first
    # Organizer-only for tests/webapp/test_authz.py too: the endpoints are not public.
    assert not {"imports.upload", "imports.confirm"} & PUBLIC


def test_a_token_works_only_for_its_uploader(app, client, login, make_user, files):
    login()
    html = upload(client, files / "kobo_export.csv").get_data(as_text=True)
    form = preview_form(html)
    client.post("/auth/logout", data={"csrf_token": form["csrf_token"]})
    make_user("other@example.org", "another horse battery", "organizer")
    token = csrf_token(client, "/auth/login")
    client.post("/auth/login", data={"email": "other@example.org", "password": "another horse battery",
                                     "csrf_token": token})
    mine = csrf_token(client, "/reports/import")
    for bad in (form["token"], "../../secret_key", "x" * 32):
        resp = client.post("/reports/import/confirm", data={**form, "csrf_token": mine, "token": bad,
                                                           "action": "import"})
        assert resp.status_code == 400 and "no longer available" in resp.get_data(as_text=True)
    assert reports(app) == []


def test_page_needs_csrf(app, client, login, files):
    login()
    path = files / "kobo_export.csv"
    resp = client.post("/reports/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(path.read_bytes()), path.name)})
    assert resp.status_code == 400
    assert stored_names(app, "imports/") == []
    html = upload(client, path).get_data(as_text=True)
    form = preview_form(html)
    del form["csrf_token"]
    resp = client.post("/reports/import/confirm", data={**form, "action": "import"})
    assert resp.status_code == 400 and reports(app) == []


def test_preview_shows_hostile_headers_cells_and_names_as_text(app, client, login, tmp_path):
    import csv

    from tests.webapp.xss_helpers import PAYLOADS, html_problems, parse_html, script_signature

    login()
    clean = tmp_path / "clean.csv"
    clean.write_text("title,lat,lon\nA,31.7698,35.2389\n", encoding="utf-8")
    baseline = {script_signature(attrs) for tag, attrs in parse_html(
        upload(client, clean).get_data(as_text=True)).tags if tag == "script"}
    path = tmp_path / "hostile.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["title", "kind", "category", "lat", "lon", *PAYLOADS[:20]])
        for payload in PAYLOADS:
            out.writerow([payload, "challenge", "housing", 31.7698, 35.2389, *PAYLOADS[20:40]])
    resp = upload(client, path)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    problems = html_problems("/reports/import", html, baseline, PAYLOADS)
    assert problems == [], "\n".join(problems[:5])
    done = client.post("/reports/import/confirm", data={**preview_form(html), "action": "import",
                                                        "skip_invalid": "y"})
    assert done.status_code == 200
    assert html_problems("/reports/import/confirm", done.get_data(as_text=True), baseline, PAYLOADS) == []
    stored = {r.title for r in reports(app)}
    assert stored and stored <= set(PAYLOADS)  # verbatim (formula-like payloads are refused)
