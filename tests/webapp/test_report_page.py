"""The report permalink /reports/<id>: published only, escaped, with its networking lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SILWAN
from tests.webapp.coordinates import exact_coordinates_in

XSS = "<script>alert(1)</script>"


def page(client, report_id, query=""):
    resp = client.get(f"/reports/{report_id}{query}")
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def test_permalink_shows_the_public_fields(client, make_report):
    rid = make_report(title="Demolition order in Wadi Hilweh", description="Line one.\nLine two.",
                      organization="Silwan residents' committee", link="https://example.org/case",
                      contact="private phone 050")
    html = page(client, rid)
    assert '<html lang="ar" dir="rtl">' in html
    assert "Demolition order in Wadi Hilweh" in html
    assert "Line one.\nLine two." in html
    assert "السكن والهدم" in html  # category label in Arabic
    for name in ("سلوان", "Silwan", "סילואן"):  # area in three languages
        assert name in html
    assert '<time datetime="2026-10-01">' in html
    assert "Silwan residents&#39; committee" in html
    assert '<a href="https://example.org/case" rel="nofollow noopener"' in html
    assert "private phone" not in html
    assert 'id="report-map"' in html and "/vendor/leaflet/leaflet.js" in html
    assert "https://tiles.example.test/{z}/{x}/{y}.png" in html
    en = page(client, rid, "?lang=en")
    assert "Housing &amp; demolitions" in en and "October 1, 2026" in en


def test_map_uses_the_public_point(app, client, make_report):
    import json
    import re

    from webapp.extensions import db
    from webapp.store.models import Report

    rid = make_report()
    html = page(client, rid)
    point = json.loads(re.search(r'id="report-point">(.*?)</script>', html).group(1))
    with app.app_context():
        report = db.session.get(Report, rid)
        assert (point["lon"], point["lat"]) == (report.public_lon, report.public_lat)
        public = (report.public_lon, report.public_lat)
    assert exact_coordinates_in(html, SILWAN, public) == []


@pytest.mark.parametrize("status", ["pending", "rejected", "archived"])
def test_unpublished_reports_are_404(app, client, make_report, make_user, status):
    from webapp.extensions import db
    from webapp.store.models import Report, User
    from webapp.store.reporting import change_status

    rid = make_report(publish=status != "pending", title="Hidden title")
    if status != "pending":
        with app.app_context():
            user = db.session.get(User, make_user())
            change_status(db.session.get(Report, rid), status[:-2] if status == "rejected" else "archive",
                          user, "no")
    resp = client.get(f"/reports/{rid}")
    assert resp.status_code == 404
    assert "Hidden title" not in resp.get_data(as_text=True)
    # Same answer as for an id that never existed (but for the id in the language switch link).
    missing = client.get("/reports/999999")
    assert missing.status_code == 404
    assert missing.get_data(as_text=True) == resp.get_data(as_text=True).replace(
        f"/reports/{rid}", "/reports/999999")


def test_html_in_user_text_is_escaped(client, make_report):
    rid = make_report(title=XSS, description=f"desc {XSS}", organization=XSS,
                      link="javascript:alert(1)")
    html = page(client, rid)
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html  # shown as text, never a link


def test_demo_badge(client, make_report):
    html = page(client, make_report(is_demo=True, title="[DEMO] Test"))
    assert 'class="demo-badge"' in html and 'name="robots" content="noindex"' in html
    assert 'class="demo-badge"' not in page(client, make_report(title="Real"))


def test_challenge_lists_initiatives(client, make_report):
    challenge = make_report(title="Water cuts", category="water")
    named = make_report(kind="initiative", category="services", title="Named initiative",
                        addresses=[challenge])
    by_cat = make_report(kind="initiative", category="advocacy", title="Category initiative",
                         addressed_categories=["water"])
    make_report(kind="initiative", category="services", title="Unpublished initiative",
                addresses=[challenge], publish=False)
    make_report(kind="initiative", category="services", title="Unrelated initiative",
                addressed_categories=["housing"])
    html = page(client, challenge)
    assert f'href="/reports/{named}"' in html and "Named initiative" in html
    assert f'href="/reports/{by_cat}"' in html and "Category initiative" in html
    assert "Unpublished initiative" not in html
    assert "Unrelated initiative" not in html
    assert html.index("Named initiative") < html.index("Category initiative")


def test_initiative_lists_what_it_addresses(client, make_report):
    c1 = make_report(title="Published challenge")
    c2 = make_report(title="Pending challenge", publish=False)
    ini = make_report(kind="initiative", category="legal-aid", title="Clinic", addresses=[c1, c2],
                      addressed_categories=["residency"])
    html = page(client, ini)
    assert f'href="/reports/{c1}"' in html
    assert "Pending challenge" not in html
    assert "الإقامة والوثائق" in html  # the addressed category's label


PUB_PHOTO = "0123456789abcdef0123456789abcdef.jpg"
HID_PHOTO = "fedcba9876543210fedcba9876543210.jpg"


def test_photo_served_only_for_published(app, client, make_report):
    photos = Path(app.config["PHOTOS_DIR"])
    photos.mkdir(parents=True, exist_ok=True)
    (photos / PUB_PHOTO).write_bytes(b"\xff\xd8published")
    (photos / HID_PHOTO).write_bytes(b"\xff\xd8hidden")
    rid = make_report(photo=PUB_PHOTO)
    make_report(photo=HID_PHOTO, publish=False)
    assert f'<img src="/photos/{PUB_PHOTO}"' in page(client, rid)
    resp = client.get(f"/photos/{PUB_PHOTO}")
    assert resp.status_code == 200 and resp.data == b"\xff\xd8published"
    assert client.get(f"/photos/{HID_PHOTO}").status_code == 404
    assert client.get(f"/photos/{'1' * 32}.jpg").status_code == 404  # no such report
    for bad in ("..%2Fsecret_key", f"{PUB_PHOTO}.exe", f".{PUB_PHOTO}", "a%00.jpg", PUB_PHOTO.upper(),
                f"{PUB_PHOTO}%0A"):
        assert client.get(f"/photos/{bad}").status_code == 404, bad


def test_map_page_does_not_inline_reports(client, make_report):
    make_report(title="Only in the API")
    html = client.get("/").get_data(as_text=True)
    assert "Only in the API" not in html
    assert 'id="ahya-reports"' in html and "/api/v1/reports" in html
    assert "/vendor/bundle/map.js" in html  # reports-layer.js is in the bundle
    assert "AHYA_MAP" in html and "control: layer_control_" in html
