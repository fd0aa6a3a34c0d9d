"""The moderation queue, status actions, edits and the audit log (Flask test client, CSRF on)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import ORGANIZER, csrf_token
from tests.webapp.stored import read_stored
from tests.webapp.stored import write_photo as store_photo
from webapp.extensions import db
from webapp.store.models import AuditEvent, Report


def get(app, report_id: int) -> Report:
    with app.app_context():
        report = db.session.get(Report, report_id)
        db.session.expunge(report)
        return report


def events(app, report_id: int) -> list[tuple[str, str | None, str]]:
    with app.app_context():
        rows = db.session.scalars(db.select(AuditEvent).where(AuditEvent.report_id == report_id)
                                  .order_by(AuditEvent.id)).all()
        return [(e.action, e.user.email if e.user else None, e.detail) for e in rows]


def post_action(client, report_id: int, action: str, **data):
    token = csrf_token(client, f"/moderation/{report_id}")
    return client.post(f"/moderation/{report_id}/{action}", data={"csrf_token": token, **data})


def set_created(app, report_id: int, when: dt.datetime) -> None:
    with app.app_context():
        db.session.get(Report, report_id).created_at = when
        db.session.commit()


@pytest.mark.parametrize("url", ["/moderation/", "/moderation/1", "/moderation/1/edit"])
def test_anonymous_is_sent_to_login(client, make_report, url):
    make_report(publish=False)
    resp = client.get(url)
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/auth/login")


def test_anonymous_cannot_post_actions(client, app, make_report):
    rid = make_report(publish=False)
    assert client.post(f"/moderation/{rid}/publish").status_code in (302, 400)
    assert get(app, rid).status == "pending"


def test_admin_may_moderate_and_unknown_report_is_404(client, login, make_report):
    login(role="admin")
    make_report(publish=False, title="For the admin")
    assert "For the admin" in client.get("/moderation/").get_data(as_text=True)
    for url in ("/moderation/9999", "/moderation/9999/edit"):
        assert client.get(url).status_code == 404


# --- the queue -----------------------------------------------------------------------------


def test_queue_lists_pending_oldest_first_and_not_published(client, app, login, make_report):
    login()
    newer = make_report(publish=False, title="Newer pending")
    older = make_report(publish=False, title="Older pending")
    make_report(publish=True, title="Already published")
    set_created(app, newer, dt.datetime(2026, 10, 5, 12, 0))
    set_created(app, older, dt.datetime(2026, 10, 1, 9, 0))
    html = client.get("/moderation/?lang=en").get_data(as_text=True)
    assert "Already published" not in html
    assert html.index("Older pending") < html.index("Newer pending")
    assert "Housing &amp; demolitions" in html  # category label, not the id
    assert "Silwan" in html  # area name
    assert "2026-10-01 12:00 Jerusalem time" in html  # 09:00 UTC, summer time (UTC+3)
    arabic = client.get("/moderation/?lang=ar").get_data(as_text=True)
    assert "السكن والهدم" in arabic and "سلوان" in arabic


def test_queue_status_tabs(client, login, make_report):
    login()
    make_report(publish=False, title="Waiting")
    make_report(publish=True, title="Out there")
    html = client.get("/moderation/?status=published").get_data(as_text=True)
    assert "Out there" in html and "Waiting" not in html
    assert client.get("/moderation/?status=rejected").status_code == 200


def test_queue_rejects_unknown_status(client, login):
    login()
    resp = client.get("/moderation/?status=deleted&lang=en")
    assert resp.status_code == 400
    assert "Unknown status" in resp.get_data(as_text=True)


def test_queue_is_paginated(client, login, make_report):
    login()
    for i in range(52):
        make_report(publish=False, title=f"Report number {i:02d}")
    first = client.get("/moderation/").get_data(as_text=True)
    second = client.get("/moderation/?page=2").get_data(as_text=True)
    assert first.count('class="report-row"') == 50
    assert second.count('class="report-row"') == 2


def test_page_numbers_are_bounded(client, login):
    login()
    for url in ("/moderation/?page=9223372036854775808", "/moderation/?status=archived&page=99999999999",
                "/moderation/messages?page=9223372036854775808", "/moderation/?page=-3"):
        resp = client.get(url)
        assert resp.status_code == 400, url
        assert "100000" in resp.get_data(as_text=True)
    assert client.get("/moderation/?page=100000").status_code == 200  # the bound itself: an empty page


def test_menu_shows_what_waits(app, client, login, make_report, make_org):
    from webapp.store.models import ConnectRequest

    make_report(publish=False)
    make_report(publish=False)
    make_report(publish=True)
    make_org("Waiting group", ["silwan"], ["housing"], status="pending")
    org_id = make_org("Published group", ["silwan"], ["housing"])
    with app.app_context():
        db.session.add(ConnectRequest(organization_id=org_id, sender_name="Sara",
                                      reply_channel="s@example.org", message="Hello, let us work together."))
        db.session.commit()
    # Anonymous visitors see no counts.
    assert 'id="moderation-waiting"' not in client.get("/").get_data(as_text=True)
    login()
    page = client.get("/about").get_data(as_text=True)
    menu = re.search(r'<span class="waiting" id="moderation-waiting">(.*?)</span>', page, re.S)
    assert menu, "no counts beside the moderation entry"
    text = re.sub(r"<[^>]+>", " ", menu.group(1))
    assert "بانتظار المراجعة: 2" in text  # two pending reports
    assert "منظمات بانتظار المراجعة: 1" in text
    assert "طلبات تواصل جديدة: 1" in text
    english = client.get("/about?lang=en").get_data(as_text=True)
    assert "Pending reports: 2" in english and "Pending organizations: 1" in english
    assert "New requests to connect: 1" in english


def test_moderation_times_are_jerusalem_time(client, app, login, make_report):
    login()
    report_id = make_report(publish=False)
    with app.app_context():
        report = db.session.get(Report, report_id)
        report.created_at = dt.datetime(2026, 7, 1, 21, 30)  # UTC; Jerusalem is UTC+3 in summer
        db.session.commit()
    page = client.get("/moderation/?lang=en").get_data(as_text=True)
    assert "2026-07-02 00:30 Jerusalem time" in page
    assert 'datetime="2026-07-01T21:30:00Z"' in page and "Asia/Jerusalem UTC+03:00" in page
    detail = client.get(f"/moderation/{report_id}?lang=ar").get_data(as_text=True)
    assert "2026-07-02 00:30 بتوقيت القدس" in detail


def test_detail_shows_private_fields_map_and_audit_log(client, app, login, make_report):
    login()
    rid = make_report(publish=False, contact="Umm Ahmad, 050-1234567", source="public",
                      kind="initiative", category="legal-aid", link="https://example.org/a",
                      addressed_categories=["housing"])
    html = client.get(f"/moderation/{rid}?lang=en").get_data(as_text=True)
    assert "Umm Ahmad, 050-1234567" in html
    for text in ("Legal aid", "Housing &amp; demolitions", 'href="https://example.org/a"'):
        assert text in html
    report = get(app, rid)
    assert f"{report.lat:.6f}" in html and f"{report.public_lat:.6f}" in html
    assert "/vendor/leaflet/leaflet.js" in html and "/vendor/leaflet/leaflet.css" in html
    assert "https://tiles.example.test/{z}/{x}/{y}.png" in html
    assert "js/moderation-map.js" in html
    log = html[html.index("Audit log"):]
    assert "<td>Create</td>" in log and "<td>No account</td>" in log


def test_audit_log_names_who_did_what(client, app, login, make_report):
    login()
    rid = make_report(publish=False)
    assert post_action(client, rid, "reject", reason="Duplicate of another report").status_code == 302
    html = client.get(f"/moderation/{rid}?lang=en").get_data(as_text=True)
    log = html[html.index("Audit log"):]
    row = log[log.index("<td>Reject</td>") - 200:]
    assert "<td>organizer</td>" in row  # the organizer account's display name
    assert "Duplicate of another report" in row


# --- actions -----------------------------------------------------------------------------------


def test_publish(client, app, login, make_report):
    login()
    rid = make_report(publish=False)
    client.get("/moderation/?lang=en")  # the flash message is written in the session's language
    resp = post_action(client, rid, "publish")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/moderation/")
    report = get(app, rid)
    assert report.status == "published" and report.published_at is not None
    assert ("publish", ORGANIZER[0], "") in events(app, rid)
    assert "is published" in client.get("/moderation/?lang=en").get_data(as_text=True)


def test_reject_without_reason_is_refused(client, app, login, make_report):
    login()
    rid = make_report(publish=False)
    client.get("/moderation/?lang=en")  # remembered: the error below is in English
    assert post_action(client, rid, "reject", reason="   ").status_code == 400
    assert post_action(client, rid, "reject", reason="x" * 501).status_code == 400  # too long
    resp = post_action(client, rid, "reject")
    assert resp.status_code == 400
    assert "Please give a reason for the rejection." in resp.get_data(as_text=True)
    assert get(app, rid).status == "pending"
    assert [e[0] for e in events(app, rid)] == ["create"]


def test_reject_stores_reason_and_audit_event(client, app, login, make_report):
    login()
    rid = make_report(publish=False)
    assert post_action(client, rid, "reject", reason="Not in Jerusalem").status_code == 302
    report = get(app, rid)
    assert report.status == "rejected" and report.reject_reason == "Not in Jerusalem"
    assert ("reject", ORGANIZER[0], "Not in Jerusalem") in events(app, rid)


def test_archive(client, app, login, make_report):
    login()
    rid = make_report(publish=True)
    assert post_action(client, rid, "archive").status_code == 302
    assert get(app, rid).status == "archived"
    assert ("archive", ORGANIZER[0], "") in events(app, rid)


def test_illegal_transition_is_refused(client, app, login, make_report):
    login()
    rid = make_report(publish=False)
    client.get("/moderation/?lang=en")
    assert post_action(client, rid, "archive").status_code == 302
    before = events(app, rid)
    resp = post_action(client, rid, "archive")
    assert resp.status_code == 409
    assert "cannot be archived" in resp.get_data(as_text=True)
    assert get(app, rid).status == "archived"
    assert events(app, rid) == before


def test_post_without_csrf_token_changes_nothing(client, app, login, make_report):
    login()
    rid = make_report(publish=False)
    assert client.post(f"/moderation/{rid}/publish").status_code == 400
    forged = {"reason": "spam", "csrf_token": "forged"}
    assert client.post(f"/moderation/{rid}/reject", data=forged).status_code == 400
    assert get(app, rid).status == "pending"
    assert [e[0] for e in events(app, rid)] == ["create"]


PHOTO = "0123456789abcdef0123456789abcdef.jpg"  # the shape of the names webapp.store.photos generates


def write_photo(app) -> None:
    store_photo(app, PHOTO, b"\xff\xd8\xff\xe0fake-jpeg")


def test_photo_served_to_organizers_only(client, app, login, make_report):
    write_photo(app)
    rid = make_report(publish=False, photo=PHOTO)
    assert client.get(f"/moderation/photos/{PHOTO}").status_code == 302  # anonymous → login
    login()
    resp = client.get(f"/moderation/photos/{PHOTO}")
    assert resp.status_code == 200 and resp.data.startswith(b"\xff\xd8")
    assert "no-store" in resp.headers["Cache-Control"]
    assert f"/moderation/photos/{PHOTO}" in client.get(f"/moderation/{rid}").get_data(as_text=True)
    missing = "f" * 32 + ".jpg"
    for bad in ("..%2Fsecret_key", PHOTO + ".html", "." + PHOTO, PHOTO.upper(), "a%00.jpg", missing):
        assert client.get(f"/moderation/photos/{bad}").status_code == 404, bad


# --- editing ---------------------------------------------------------------------------------------


def edit_data(client, rid: int, **changes) -> dict:
    """The edit form as the browser would send it: its current values plus ``changes``."""
    html = client.get(f"/moderation/{rid}/edit").get_data(as_text=True)
    data = {}
    for tag in re.findall(r"<input[^>]+>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or 'type="file"' in tag or 'type="submit"' in tag:
            continue
        if ('type="checkbox"' in tag or 'type="radio"' in tag) and " checked" not in tag:
            continue
        data[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = body.strip()
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.findall(r'<option[^>]*selected[^>]*value="([^"]*)"|'
                            r'<option[^>]*value="([^"]*)"[^>]*selected', body)
        if chosen:
            data[name] = chosen[0][0] or chosen[0][1]
    data.update(changes)
    return data


def test_edit_changes_title_and_is_audited(client, app, login, make_report):
    login()
    rid = make_report(publish=False, title="Old title")
    resp = client.post(f"/moderation/{rid}/edit", data=edit_data(client, rid, title="New title"))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    assert get(app, rid).title == "New title"
    assert ("edit", ORGANIZER[0], "title") in events(app, rid)


def test_edit_moving_the_point_updates_area_and_public_point(client, app, login, make_report):
    login()
    rid = make_report(publish=False)
    before = get(app, rid)
    assert before.area == "silwan"
    # The Old City, well away from Silwan.
    data = edit_data(client, rid, lat="31.7780", lon="35.2310")
    assert client.post(f"/moderation/{rid}/edit", data=data).status_code == 302
    after = get(app, rid)
    assert (after.lat, after.lon) == (31.778, 35.231)
    assert after.area != "silwan" and after.area is not None
    assert (after.public_lat, after.public_lon) != (before.public_lat, before.public_lon)
    assert events(app, rid)[-1][0] == "edit"


@pytest.mark.parametrize("changes", [{"title": ""}, {"lat": "32.0853", "lon": "34.7818"}])  # Tel Aviv
def test_edit_validation_error_changes_nothing(client, app, login, make_report, changes):
    login()
    rid = make_report(publish=False, title="Keep me")
    before = get(app, rid)
    resp = client.post(f"/moderation/{rid}/edit", data=edit_data(client, rid, **changes))
    assert resp.status_code == 400
    assert 'role="alert"' in resp.get_data(as_text=True)
    after = get(app, rid)
    assert (after.title, after.lat, after.lon, after.area) == ("Keep me", before.lat, before.lon, before.area)
    assert [e[0] for e in events(app, rid)] == ["create"]


def test_edit_can_take_a_photo_down(client, app, login, make_report):
    write_photo(app)
    rid = make_report(publish=False, photo=PHOTO)
    login()
    assert read_stored(app, f"photos/{PHOTO}") is not None
    data = edit_data(client, rid, remove_photo="y")
    assert client.post(f"/moderation/{rid}/edit", data=data).status_code == 302
    assert get(app, rid).photo is None
    assert read_stored(app, f"photos/{PHOTO}") is None  # taken down from the store, not only unlinked
    assert ("edit", ORGANIZER[0], "photo") in events(app, rid)
