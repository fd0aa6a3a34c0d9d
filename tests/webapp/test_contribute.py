"""The report forms through the Flask test client: /reports/new (organizers) and /suggest (public).

CSRF stays on, as in production: every POST carries the token from the form page.
A rejected form must answer 400, keep the input, name the problem at the field, and
store nothing at all (no report, no audit event, no photo file).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import SILWAN, csrf_token
from webapp import create_app
from webapp.extensions import db
from webapp.store.models import AddressedCategory, AuditEvent, Report

TEL_AVIV = (34.78, 32.08)
NEW, SUGGEST = "/reports/new", "/suggest"


def valid_data(**changes) -> dict:
    data = {"kind": "challenge", "category": "housing", "lon": str(SILWAN[0]), "lat": str(SILWAN[1]),
            "area_name": "", "precision": "approximate", "title": "Demolition order on Wadi Hilweh street",
            "description": "Three families received orders.", "observed_on": "2025-05-01",
            "organization": "Silwan committee", "link": "https://example.org/report",
            "contact": "private-contact@example.org"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def submit(client, url: str, data: dict, photo: tuple[bytes, str] | None = None):
    """POST the form with the token of a fresh GET (in English, to read the messages)."""
    data = dict(data, csrf_token=csrf_token(client, url + "?lang=en"))
    if photo is not None:
        data["photo"] = (io.BytesIO(photo[0]), photo[1])
    return client.post(url, data=data, content_type="multipart/form-data")


def text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def field_error(resp, field_id: str) -> str:
    """The message shown under one field (the ``field`` macro's ``<id>-error`` paragraph)."""
    match = re.search(rf'id="{field_id}-error"[^>]*>(.*?)</p>', text(resp), re.S)
    assert match, f"no error shown for {field_id}"
    return match.group(1)


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        reports = db.session.scalar(db.select(db.func.count()).select_from(Report))
        events = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    folder = Path(app.config["PHOTOS_DIR"])
    return reports, events, len(list(folder.iterdir())) if folder.exists() else 0


def only_report(app) -> Report:
    with app.app_context():
        reports = db.session.scalars(db.select(Report)).all()
        assert len(reports) == 1
        db.session.expunge_all()
        return reports[0]


def jpeg(size=(64, 48), colour=(120, 80, 40), **save) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="JPEG", **save)
    return buf.getvalue()


# --- access ---------------------------------------------------------------------------------------

def test_anonymous_user_is_sent_to_login(client):
    resp = client.get(NEW)
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/auth/login")


def test_form_page_uses_local_leaflet_and_taxonomy_labels(client, login):
    login()
    page = text(client.get(NEW))
    assert "/vendor/leaflet/leaflet.js" in page and "/vendor/leaflet/leaflet.css" in page
    assert "css/forms.css" in page and "js/pick-point.js" in page
    assert "unpkg" not in page and "cdn" not in page.lower()
    assert "السكن والهدم" in page  # category labels come from the taxonomy, in Arabic by default
    assert 'data-tile-url="https://tiles.example.test/{z}/{x}/{y}.png"' in page
    assert '<option value="سلوان"' in page  # the area list, in the page's language


# --- organizer reports ------------------------------------------------------------------------------

def test_valid_report_is_published_in_silwan(app, client, login):
    login()
    resp = submit(client, NEW, valid_data())
    assert resp.status_code == 302, text(resp)[:2000]
    report = only_report(app)
    assert (report.kind, report.category, report.area) == ("challenge", "housing", "silwan")
    assert (report.status, report.source, report.precision) == ("published", "organizer", "approximate")
    assert report.created_by_id is not None
    assert report.observed_on == dt.date(2025, 5, 1)
    assert report.contact == "private-contact@example.org"
    assert (report.lon, report.lat) == SILWAN
    # Approximate precision: the public point is moved away from the exact one.
    assert (report.public_lon, report.public_lat) != (report.lon, report.lat)
    assert counts(app) == (1, 2, 0)  # create + publish events, no photo


def test_redirects_to_the_permalink_when_it_exists(app, login):
    if "public.report_detail" not in app.view_functions:
        # Stand-in for the public page of another module (registered before any request).
        app.add_url_rule("/reports/<int:report_id>", "public.report_detail", lambda report_id: "")
    client = app.test_client()
    from tests.conftest import ORGANIZER
    from webapp.store.accounts import create_user
    with app.app_context():
        create_user(*ORGANIZER)
    token = csrf_token(client, "/auth/login")
    client.post("/auth/login", data={"email": ORGANIZER[0], "password": ORGANIZER[1], "csrf_token": token})
    resp = submit(client, NEW, valid_data())
    assert resp.headers["Location"] == f"/reports/{only_report(app).id}"
    assert client.get(resp.headers["Location"]).status_code == 200


def test_held_report_goes_to_moderation_or_the_map(app, client, login):
    login()
    resp = submit(client, NEW, valid_data(hold="y"))
    expected = f"/moderation/{only_report(app).id}" if "moderation.detail" in app.view_functions else "/"
    assert resp.headers["Location"] == expected
    assert "waits for review" in text(client.get(expected))


def test_require_review_keeps_organizer_reports_pending(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "inst"), "SECRET_KEY": "t",
                      "REQUIRE_REVIEW": True})
    client = app.test_client()
    from tests.conftest import ORGANIZER
    from webapp.store.accounts import create_user
    with app.app_context():
        create_user(*ORGANIZER)
    token = csrf_token(client, "/auth/login")
    client.post("/auth/login", data={"email": ORGANIZER[0], "password": ORGANIZER[1], "csrf_token": token})
    assert 'name="hold"' not in client.get(NEW).get_data(as_text=True)
    assert submit(client, NEW, valid_data(hold="y")).status_code == 302
    assert only_report(app).status == "pending"


def test_hold_sends_the_report_to_review(app, client, login):
    login()
    assert submit(client, NEW, valid_data(hold="y")).status_code == 302
    assert only_report(app).status == "pending"


def test_area_from_the_list_sets_point_and_area_precision(app, client, login):
    login()
    resp = submit(client, NEW, valid_data(lon="", lat="", area_name="سلوان", precision="exact"))
    assert resp.status_code == 302, text(resp)[:2000]
    report = only_report(app)
    assert report.area == "silwan" and report.precision == "area"
    assert (report.public_lon, report.public_lat) == pytest.approx((report.lon, report.lat), abs=1e-5)


def test_english_area_name_is_understood(app, client, login):
    login()
    assert submit(client, NEW, valid_data(lon="", lat="", area_name=" Silwan ")).status_code == 302
    assert only_report(app).area == "silwan"


def test_arabic_indic_digits_are_understood(app, client, login):
    login()
    assert submit(client, NEW, valid_data(lon="٣٥٫٢٣٨٩", lat="٣١٫٧٦٩٨")).status_code == 302
    report = only_report(app)
    assert (report.lon, report.lat, report.area) == (SILWAN[0], SILWAN[1], "silwan")


def test_initiative_records_what_it_addresses(app, client, login, make_report):
    login()
    challenge = make_report(publish=True)
    pending = make_report(publish=False)
    data = valid_data(kind="initiative", category="legal-aid", addresses=f"{challenge}",
                      addressed_categories=["housing", "residency"])
    assert submit(client, NEW, data).status_code == 302
    with app.app_context():
        report = db.session.scalar(db.select(Report).where(Report.kind == "initiative"))
        assert [c.id for c in report.addresses] == [challenge]
        assert sorted(a.category for a in report.addressed_categories) == ["housing", "residency"]
    # A challenge that is not published cannot be named.
    before = counts(app)
    resp = submit(client, NEW, dict(data, addresses=f"{challenge}, {pending}"))
    assert resp.status_code == 400
    assert str(pending) in field_error(resp, "addresses")
    assert counts(app) == before


def test_challenge_ignores_initiative_only_fields(app, client, login):
    login()
    resp = submit(client, NEW, valid_data(addresses="not numbers", addressed_categories=["housing"]))
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AddressedCategory)) == 0


# --- rejected input -----------------------------------------------------------------------------------

def big_png() -> bytes:
    import random

    rnd = random.Random(4)
    img = Image.frombytes("RGB", (1400, 1400), rnd.randbytes(1400 * 1400 * 3))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    assert len(buf.getvalue()) > 5 * 1024 * 1024
    return buf.getvalue()


IN_3_DAYS = (dt.date.today() + dt.timedelta(days=3)).isoformat()
INVALID = {
    "outside-jerusalem": ({"lon": str(TEL_AVIV[0]), "lat": str(TEL_AVIV[1])}, None,
                          "point", "outside Jerusalem's municipal boundary", "34.78"),
    "nan": ({"lat": "NaN"}, None, "lat", "between -90 and 90", "NaN"),
    "infinity": ({"lon": "Infinity"}, None, "lon", "between -180 and 180", "Infinity"),
    "out-of-range": ({"lat": "95.5"}, None, "lat", "between -90 and 90", "95.5"),
    "one-coordinate": ({"lon": ""}, None, "point", "both the latitude and the longitude", "31.7698"),
    "no-place": ({"lon": "", "lat": ""}, None, "point", "click the map", "Wadi Hilweh"),
    "unknown-area": ({"lon": "", "lat": "", "area_name": "Atlantis"}, None, "area_name", "from the list",
                     "Atlantis"),
    "unknown-category": ({"category": "aliens"}, None, "category", "Unknown category", "Wadi Hilweh"),
    "initiative-category-on-challenge": ({"category": "culture"}, None, "category",
                                         "for initiatives, not challenges", "Wadi Hilweh"),
    "no-kind": ({"kind": None}, None, "kind", "challenge or an initiative", "Wadi Hilweh"),
    "long-title": ({"title": "ب" * 121}, None, "title", "At most 120 characters", "ب" * 121),
    "empty-title": ({"title": "   "}, None, "title", "give a title", "Silwan committee"),
    "long-description": ({"description": "x" * 4001}, None, "description", "At most 4000", "x" * 4001),
    "future-date": ({"observed_on": IN_3_DAYS}, None, "observed_on", "cannot be in the future", IN_3_DAYS),
    "bad-date": ({"observed_on": "yesterday"}, None, "observed_on", "date", "yesterday"),
    "javascript-link": ({"link": "javascript:alert(1)"}, None, "link", "http:// or https://",
                        "javascript:alert(1)"),
    "ftp-link": ({"link": "ftp://example.org/file"}, None, "link", "http:// or https://", "ftp://example.org"),
    "fake-image": ({}, (b"<html><script>alert(1)</script></html>", "photo.jpg"), "photo",
                   "not a valid image", "Wadi Hilweh"),
    "gif": ({}, None, "photo", "JPEG, PNG or WebP", "Wadi Hilweh"),
    "oversized-photo": ({}, "big", "photo", "larger than 5 MB", "Wadi Hilweh"),
    "bomb-photo": ({}, "bomb", "photo", "too many pixels", "Wadi Hilweh"),
    # A good photo with a bad field: the photo must not be written either.
    "good-photo-bad-title": ({"title": "x" * 121}, (jpeg(), "ok.jpg"), "title", "At most 120", "x" * 121),
}


@pytest.mark.parametrize("url", [NEW, SUGGEST])
@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_input_is_refused_and_nothing_is_stored(app, client, login, case, url):
    changes, photo, field_id, message, kept = INVALID[case]
    if case == "gif":
        buf = io.BytesIO()
        Image.new("RGB", (10, 10)).save(buf, format="GIF")
        photo = (buf.getvalue(), "photo.gif")
    elif photo == "big":
        photo = (big_png(), "big.png")
    elif photo == "bomb":
        buf = io.BytesIO()
        Image.new("1", (12000, 12000)).save(buf, format="PNG")  # ~20 kB, 144 megapixels
        photo = (buf.getvalue(), "bomb.png")
    if url == NEW:
        login()
    before = counts(app)
    resp = submit(client, url, valid_data(**changes), photo=photo)
    assert resp.status_code == 400
    assert message in field_error(resp, field_id)
    assert kept in text(resp)  # what the user typed is still there
    assert counts(app) == before


def test_choices_are_kept_after_an_error(client, login):
    login()
    data = valid_data(kind="initiative", category="education", title="", addresses="7, x",
                      addressed_categories=["water"], precision="exact")
    page = submit(client, NEW, data).get_data(as_text=True)
    assert re.search(r'<input checked id="kind-1" name="kind" type="radio" value="initiative">', page)
    # "education" is in both groups: only the initiative one is selected again.
    selected = re.findall(r'<optgroup label="[^"]*" data-kind="(\w+)">(?:(?!</optgroup>).)*'
                          r'<option value="education" selected>', page, re.S)
    assert selected == ["initiative"]
    assert 'value="water" checked' in page or re.search(r'checked[^>]*value="water"', page)
    assert re.search(r'checked[^>]*value="exact"', page)
    assert 'value="7, x"' in page


def test_post_without_csrf_token_is_refused(app, client, login):
    login()
    resp = client.post(NEW, data=valid_data())
    assert resp.status_code == 400
    resp = client.post(SUGGEST, data=valid_data())
    assert resp.status_code == 400
    assert counts(app) == (0, 0, 0)


# --- public suggestions -------------------------------------------------------------------------------

def test_suggestion_is_stored_pending_and_public(app, client):
    resp = submit(client, SUGGEST, valid_data(hold="y"))
    assert resp.status_code == 200
    assert "waits for review" in text(resp)
    report = only_report(app)
    assert (report.status, report.source, report.area) == ("pending", "public", "silwan")
    assert report.created_by_id is None and report.published_at is None
    assert 'name="hold"' not in client.get(SUGGEST).get_data(as_text=True)


def test_honeypot_stores_nothing_but_says_thank_you(app, client):
    resp = submit(client, SUGGEST, valid_data(website="http://spam.example"), photo=(jpeg(), "a.jpg"))
    assert resp.status_code == 200
    assert "waits for review" in text(resp)
    assert counts(app) == (0, 0, 0)


def test_suggestions_are_rate_limited(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "inst"), "SECRET_KEY": "t",
                      "SUGGEST_RATE_LIMIT": "2 per minute"})
    client = app.test_client()
    assert [submit(client, SUGGEST, valid_data()).status_code for _ in range(2)] == [200, 200]
    assert submit(client, SUGGEST, valid_data()).status_code == 429
    assert client.get(SUGGEST).status_code == 200  # reading the form is never limited
    assert counts(app)[0] == 2


# --- photos -------------------------------------------------------------------------------------------

def test_uploaded_photo_loses_exif_and_is_resized(app, client, login):
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° when shown
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 46.0, 11.0), 3: "E", 4: (35.0, 14.0, 20.0)})
    original = jpeg(size=(3000, 2000), exif=exif)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the GPS is really there
    login()
    resp = submit(client, NEW, valid_data(), photo=(original, "IMG_0001.JPG"))
    assert resp.status_code == 302, text(resp)[:2000]
    report = only_report(app)
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", report.photo)
    stored = Path(app.config["PHOTOS_DIR"]) / report.photo
    with Image.open(stored) as img:
        assert img.format == "JPEG"
        assert len(img.getexif()) == 0 and "exif" not in img.info
        assert max(img.size) <= 2048
        assert img.height == 2048 and img.width in (1365, 1366)  # turned upright, then shrunk
    assert counts(app) == (1, 2, 1)


# --- reuse by the moderation edit page ------------------------------------------------------------

def test_form_prefills_from_a_report_for_editing(app, make_report):
    from webapp.web.report_form import ReportForm, form_to_fields

    challenge = make_report(publish=True)
    initiative = make_report(kind="initiative", category="legal-aid", addresses=[challenge],
                             addressed_categories=["housing"], photo="ab" * 16 + ".jpg")
    with app.test_request_context("/?lang=en"):
        report = db.session.get(Report, initiative)
        form = ReportForm(obj=report, meta={"csrf": False})
        assert form.lat._value() == str(SILWAN[1]) and form.lon._value() == str(SILWAN[0])
        assert form.addresses._value() == str(challenge)
        assert form.addressed_categories.data == ["housing"]
        assert 'value="legal-aid" selected' in str(form.category())
        assert form.validate(), form.errors
        fields = form_to_fields(form)
        assert "photo" not in fields  # no new upload: the edit keeps the current photo
        assert fields["addresses"] == [challenge] and fields["addressed_categories"] == ["housing"]
        assert (fields["lon"], fields["lat"], fields["precision"]) == (*SILWAN, "approximate")
