"""A report's public state, its timeline and "this affects us too": rules, pages, API, exports.

Through the forms (CSRF on) and the public outputs: states per kind, the audit trail, the
``status`` filter everywhere (API, clusters, areas, list, exports, Open311), suggested updates
and signals moderated (contact private, honeypot, rate limit), photos without EXIF, promotion
of a signal to a linked challenge.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from PIL import Image

from tests.conftest import csrf_token, make_app
from webapp.extensions import db


def set_state(client, rid, state, note="", **extra):
    url = f"/moderation/{rid}/progress"
    return client.post(
        url,
        data={"state": state, "note": note, "csrf_token": csrf_token(client, url), **extra},
        content_type="multipart/form-data",
    )


def test_states_per_kind_are_set_with_an_update_and_audited(app, client, login, make_report):
    from webapp.store.models import AuditEvent, Report

    challenge = make_report()
    initiative = make_report(kind="initiative", category="legal-aid", title="Clinic")
    login()
    with app.app_context():
        assert db.session.get(Report, challenge).lifecycle == "reported"
        assert db.session.get(Report, initiative).lifecycle == "active"
    assert set_state(client, challenge, "paused").status_code == 400  # an initiative's state
    assert set_state(client, initiative, "resolved").status_code == 400
    assert set_state(client, challenge, "resolved", "Connected to the water line").status_code == 302
    assert set_state(client, initiative, "paused").status_code == 302
    assert set_state(client, initiative, "paused").status_code == 302  # same state, nothing new
    with app.app_context():
        assert db.session.get(Report, challenge).lifecycle == "resolved"
        events = db.session.scalars(
            db.select(AuditEvent.detail).where(
                AuditEvent.report_id == challenge, AuditEvent.action == "state"
            )
        ).all()
        assert events == ["reported → resolved"]
    page = client.get(f"/reports/{challenge}?lang=en").get_data(as_text=True)
    assert "Connected to the water line" in page and "Resolved" in page
    ar = client.get(f"/reports/{challenge}?lang=ar").get_data(as_text=True)
    assert "حُلّ" in ar
    assert "متوقفة مؤقتًا" in client.get(f"/reports/{initiative}?lang=ar").get_data(as_text=True)
    manage = client.get(f"/moderation/{initiative}/progress?lang=en").get_data(as_text=True)
    assert manage.count('class="timeline-item') == 1


def test_a_kind_edited_keeps_a_valid_state(app, make_report, make_user):
    from webapp.store.lifecycle import set_state as store_set_state
    from webapp.store.models import Report, User
    from webapp.store.reporting import update_report

    rid = make_report()
    uid = make_user()
    with app.app_context():
        user = db.session.get(User, uid)
        store_set_state(db.session.get(Report, rid), "resolved", user)
        update_report(db.session.get(Report, rid), {"kind": "initiative", "category": "legal-aid"}, user)
        assert db.session.get(Report, rid).lifecycle == "active"
        with pytest.raises(ValueError):
            store_set_state(db.session.get(Report, rid), "ongoing", user)


@pytest.fixture
def states(app, make_report, make_user):
    """A reported, an ongoing and a resolved challenge; an active and an ended initiative."""
    from webapp.store.lifecycle import set_state as store_set_state
    from webapp.store.models import Report, User

    uid = make_user()
    ids = {
        "reported": make_report(title="Reported one"),
        "ongoing": make_report(title="Ongoing one"),
        "resolved": make_report(title="Resolved one", category="water"),
        "active": make_report(kind="initiative", category="legal-aid", title="Active one"),
        "ended": make_report(kind="initiative", category="legal-aid", title="Ended one"),
    }
    with app.app_context():
        for state in ("ongoing", "resolved", "ended"):
            store_set_state(db.session.get(Report, ids[state]), state, db.session.get(User, uid))
    return ids


def api_ids(client, query):
    resp = client.get(f"/api/v1/reports?{query}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return sorted(f["id"] for f in resp.get_json()["features"])


def test_status_filter_in_the_api_clusters_areas_list_and_exports(client, states):
    assert api_ids(client, "status=resolved") == [states["resolved"]]
    assert api_ids(client, "status=closed") == sorted([states["resolved"], states["ended"]])
    assert api_ids(client, "status=open") == sorted([states["reported"], states["ongoing"], states["active"]])
    assert api_ids(client, "status=open&kind=initiative") == [states["active"]]
    for bad in ("status=done", "status=", "status=open&status=closed", "status=Resolved"):
        resp = client.get(f"/api/v1/reports?{bad}")
        assert resp.status_code == 400 and resp.get_json()["parameter"] == "status", bad
    props = {f["id"]: f["properties"] for f in client.get("/api/v1/reports").get_json()["features"]}
    assert props[states["resolved"]]["status"] == "resolved" and props[states["active"]]["status"] == "active"
    clusters = client.get("/api/v1/clusters?zoom=10&status=closed").get_json()
    assert clusters["total"] == 2
    areas = client.get("/api/v1/areas/silwan?status=open").get_json()
    assert areas["properties"]["challenges"] == 2 and areas["properties"]["initiatives"] == 1
    listing = client.get("/reports?status=closed&lang=en").get_data(as_text=True)
    assert "Resolved one" in listing and "Ended one" in listing and "Ongoing one" not in listing
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/export/reports.csv?status=resolved&lang=en").data.decode("utf-8-sig"))
        )
    )
    assert [(r["title"], r["status"], r["status_label"]) for r in rows] == [
        ("Resolved one", "resolved", "Resolved")
    ]


def test_open311_status_follows_the_state(client, states):
    def ids(query):
        return sorted(
            int(r["service_request_id"]) for r in client.get(f"/open311/v2/requests.json?{query}").get_json()
        )

    assert ids("status=closed") == sorted([states["resolved"], states["ended"]])
    assert ids("status=open") == sorted([states["reported"], states["ongoing"], states["active"]])
    assert len(ids("status=open,closed")) == 5
    one = client.get(f"/open311/v2/requests/{states['resolved']}.json").get_json()[0]
    assert one["status"] == "closed"


def test_the_map_layer_gets_the_state_for_fading_resolved_challenges(client, states):
    feature = client.get(f"/api/v1/reports/{states['resolved']}").get_json()
    assert feature["properties"]["status"] == "resolved"
    page = client.get("/?lang=en").get_data(as_text=True)
    assert 'name="status"' in page  # the map's filter


# --- updates ------------------------------------------------------------------------------------


def suggest(client, rid, **fields):
    url = f"/reports/{rid}/suggest-update"
    data = {
        "body": "The bulldozers came back today.",
        "contact": "PRIVATE-0599-000000",
        "csrf_token": csrf_token(client, url),
        **fields,
    }
    return client.post(url, data=data)


def test_suggested_updates_wait_for_review_and_keep_the_contact_private(app, client, login, make_report):
    from webapp.store.models import ReportUpdate

    rid = make_report()
    assert suggest(client, rid).status_code == 200
    assert suggest(client, rid, website="http://spam.example").status_code == 200  # honeypot
    assert suggest(client, rid, body="").status_code == 400
    assert suggest(client, rid, body="x" * 2001).status_code == 400
    with app.app_context():
        rows = db.session.scalars(db.select(ReportUpdate)).all()
        assert [(u.status, u.contact) for u in rows] == [("pending", "PRIVATE-0599-000000")]
        update_id = rows[0].id
    page = client.get(f"/reports/{rid}?lang=en").get_data(as_text=True)
    assert "bulldozers" not in page
    assert client.get(f"/api/v1/reports/{rid}/updates").get_json()["count"] == 0
    login()
    queue = client.get("/moderation/updates?lang=en").get_data(as_text=True)
    assert "bulldozers" in queue and "PRIVATE-0599-000000" in queue  # organizers see it
    token = csrf_token(client, "/moderation/updates")
    assert (
        client.post(f"/moderation/updates/{update_id}/publish", data={"csrf_token": token}).status_code == 302
    )
    assert (
        client.post(f"/moderation/updates/{update_id}/publish", data={"csrf_token": token}).status_code == 409
    )
    for url in (f"/reports/{rid}?lang=en", f"/api/v1/reports/{rid}/updates", f"/reports/{rid}/feed.atom"):
        body = client.get(url).get_data(as_text=True)
        assert "bulldozers" in body and "PRIVATE-0599" not in body, url
    assert (
        client.post(f"/moderation/updates/{update_id}/reject", data={"csrf_token": token}).status_code == 302
    )
    assert "bulldozers" not in client.get(f"/reports/{rid}").get_data(as_text=True)


def test_unpublished_reports_take_no_suggestions(client, make_report):
    hidden = make_report(publish=False)
    assert client.get(f"/reports/{hidden}/suggest-update").status_code == 404
    assert client.get(f"/reports/{hidden}/affects-us").status_code == 404
    assert client.get(f"/api/v1/reports/{hidden}/updates").status_code == 404
    assert client.get(f"/reports/{hidden}/feed.atom").status_code == 404


def test_suggestions_are_rate_limited(tmp_path, db_url):
    from webapp.store.reporting import create_report

    fields = {"kind": "challenge", "category": "housing", "title": "T", "lon": 35.2389, "lat": 31.7698,
              "precision": "approximate"}
    with make_app(tmp_path / "rl", db_url, UPDATE_RATE_LIMIT="2 per hour") as app:
        with app.app_context():
            rid = create_report(fields, user=None, source="organizer", publish=True).id
        client = app.test_client()
        assert [suggest(client, rid).status_code for _ in range(3)] == [200, 200, 429]


def _jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "PrivateCameraMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 46.0, 11.0), 3: "E", 4: (35.0, 14.0, 20.0)})
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_organizer_update_photo_loses_exif_and_shows_only_while_published(app, client, login, make_report):
    from webapp.store.models import Report, ReportUpdate
    from webapp.store.reporting import change_status

    rid = make_report()
    login()
    raw = _jpeg_with_gps()
    assert b"PrivateCameraMaker" in raw
    resp = set_state(client, rid, "ongoing", "Photo of the site", photo=(io.BytesIO(raw), "site.jpg"))
    assert resp.status_code == 302
    with app.app_context():
        name = db.session.scalars(db.select(ReportUpdate.photo)).one()
    public = client.get(f"/updates/photos/{name}")
    assert public.status_code == 200 and b"PrivateCameraMaker" not in public.data
    assert not Image.open(io.BytesIO(public.data)).getexif()
    assert f"/updates/photos/{name}" in client.get(f"/reports/{rid}").get_data(as_text=True)
    bad = set_state(client, rid, "ongoing", "Not a photo", photo=(io.BytesIO(b"not an image"), "x.jpg"))
    assert bad.status_code == 400
    with app.app_context():
        from webapp.store.models import User

        change_status(db.session.get(Report, rid), "archive", db.session.scalars(db.select(User)).first())
    assert client.get(f"/updates/photos/{name}").status_code == 404


def test_updates_export_is_its_own_table(app, client, make_report, make_user):
    from webapp.store.lifecycle import set_state as store_set_state
    from webapp.store.models import Report, User

    rid = make_report(title="Water cut", category="water")
    make_report(title="Other")
    with app.app_context():
        store_set_state(
            db.session.get(Report, rid), "ongoing", db.session.get(User, make_user()), "Day three"
        )
    rows = list(
        csv.DictReader(io.StringIO(client.get("/export/updates.csv?lang=en").data.decode("utf-8-sig")))
    )
    assert [(r["report_id"], r["state"], r["state_label"], r["text"]) for r in rows] == [
        (str(rid), "ongoing", "Ongoing", "Day three")
    ]
    assert "contact" not in rows[0] and "created_by" not in rows[0]
    assert client.get("/export/updates.csv?category=housing").data.decode("utf-8-sig").count("\n") == 1
    assert (
        client.get("/export/updates.geojson").get_json()["features"][0]["properties"]["text"] == "Day three"
    )


# --- "this affects us too" -------------------------------------------------------------------------


def affects(client, rid, area="beit-hanina", **fields):
    url = f"/reports/{rid}/affects-us"
    return client.post(
        url, data={"area": area, "contact": "PRIVATE-SIGNAL", "csrf_token": csrf_token(client, url), **fields}
    )


def test_signals_are_moderated_and_can_become_a_linked_challenge(app, client, login, make_report):
    from webapp.store.models import AffectedArea, Report

    rid = make_report(title="Demolition orders")
    initiative = make_report(kind="initiative", category="legal-aid")
    assert client.get(f"/reports/{initiative}/affects-us").status_code == 404
    assert affects(client, rid, area="nowhere").status_code == 400
    assert affects(client, rid, area="silwan").status_code == 400  # its own area is not "another area"
    assert affects(client, rid, website="x").status_code == 200
    assert affects(client, rid).status_code == 200
    assert affects(client, rid, area="shufat").status_code == 200
    with app.app_context():
        signals = db.session.scalars(db.select(AffectedArea).order_by(AffectedArea.id)).all()
        assert [(s.area, s.status) for s in signals] == [("beit-hanina", "pending"), ("shufat", "pending")]
        first, second = (s.id for s in signals)
    assert client.get(f"/api/v1/reports/{rid}").get_json()["properties"]["affected_areas"] == 0
    login()
    token = csrf_token(client, "/moderation/updates")
    assert client.post(f"/moderation/signals/{first}/publish", data={"csrf_token": token}).status_code == 302
    queue = client.get("/moderation/updates?lang=en").get_data(as_text=True)
    assert f'<li data-signal-id="{first}">' in queue  # published, can still be promoted
    assert "/moderation/updates" in client.get("/moderation/?lang=en").get_data(as_text=True)
    resp = client.post(f"/moderation/signals/{second}/promote", data={"csrf_token": token})
    assert resp.status_code == 302
    assert client.post(f"/moderation/signals/{second}/promote", data={"csrf_token": token}).status_code == 409
    with app.app_context():
        linked = db.session.get(AffectedArea, second).linked_report_id
        new = db.session.get(Report, linked)
        assert (new.kind, new.category, new.area, new.status, new.precision) == (
            "challenge",
            "housing",
            "shufat",
            "published",
            "area",
        )
    page = client.get(f"/reports/{rid}?lang=en").get_data(as_text=True)
    assert 'data-slug="beit-hanina"' in page and 'data-slug="shufat"' in page
    assert f'href="/reports/{linked}"' in page and "PRIVATE-SIGNAL" not in page
    assert f'href="/reports/{rid}"' in client.get(f"/reports/{linked}?lang=en").get_data(as_text=True)
    data = client.get(f"/api/v1/reports/{rid}/updates").get_json()
    assert data["affected_areas"] == [
        {"area": "beit-hanina", "linked_report_id": None},
        {"area": "shufat", "linked_report_id": linked},
    ]
    assert client.get(f"/api/v1/reports/{rid}").get_json()["properties"]["affected_areas"] == 2


def test_the_export_page_offers_and_names_the_status_filter(client, states):
    page = client.get("/export?status=closed&lang=en").get_data(as_text=True)
    assert '<option value="closed" selected>' in page and "Closed (resolved or ended)" in page
    assert "/export/reports.csv?status=closed" in page.replace("&amp;", "&")
    rows = client.get("/export/updates.csv?status=closed").data.decode("utf-8-sig").splitlines()
    assert len(rows) == 3  # the header, the resolved challenge's and the ended initiative's change
    assert client.get("/export?status=nonsense").status_code == 400


# --- the date of an update's event ----------------------------------------------------------------


def test_an_update_carries_the_date_of_its_event_everywhere(app, client, login, make_report):
    """An optional event date (organizer form and public suggestion): on the page in the page's
    language, in the API, the feed's text (``updated`` stays the publication) and the export."""
    import datetime as dt
    import xml.etree.ElementTree as ET

    from babel.dates import format_date

    from webapp.store.models import ReportUpdate

    rid = make_report()
    login()
    for url in (f"/moderation/{rid}/progress", f"/reports/{rid}/suggest-update"):
        form = client.get(url).get_data(as_text=True)
        field = re.search(r'<input[^>]*name="happened_on"[^>]*>', form).group(0)
        assert 'type="date"' in field and 'min="1948-01-01"' in field and 'max="' in field, url
    resp = set_state(client, rid, "ongoing", "The appeal was heard", happened_on="2024-03-17")
    assert resp.status_code == 302
    assert set_state(client, rid, "ongoing", "No date given").status_code == 302
    with app.app_context():
        rows = db.session.scalars(db.select(ReportUpdate).order_by(ReportUpdate.id)).all()
        assert [u.happened_on for u in rows] == [dt.date(2024, 3, 17), None]
        published = rows[1].published_at.date()
    day = dt.date(2024, 3, 17)
    en = client.get(f"/reports/{rid}?lang=en").get_data(as_text=True)
    assert format_date(day, "long", locale="en") in en and 'datetime="2024-03-17"' in en
    assert format_date(published, "long", locale="en") in en  # the undated one: its publication
    ar = client.get(f"/reports/{rid}?lang=ar").get_data(as_text=True)
    assert format_date(day, "long", locale="ar") in ar
    items = client.get(f"/api/v1/reports/{rid}/updates").get_json()["updates"]
    assert [u["happened_on"] for u in items] == ["2024-03-17", None]
    assert items[0]["published_at"].startswith(published.isoformat())
    feed = ET.fromstring(client.get(f"/reports/{rid}/feed.atom?lang=en").data)  # noqa: S314 - our own output
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry = next(e for e in feed.findall("a:entry", ns) if "The appeal" in (e.findtext("a:summary", "", ns)))
    assert entry.findtext("a:summary", "", ns).startswith(format_date(day, "long", locale="en"))
    assert entry.findtext("a:updated", "", ns).startswith(published.isoformat())  # not 2024
    rows = list(csv.DictReader(io.StringIO(client.get("/export/updates.csv").data.decode("utf-8-sig"))))
    assert [r["happened_on"] for r in rows] == ["2024-03-17", ""]
    # A resident's suggestion carries its date too, once published.
    resident = app.test_client()
    assert suggest(resident, rid, body="The school opened", happened_on="1967-06-05").status_code == 200
    with app.app_context():
        update = db.session.scalars(db.select(ReportUpdate).where(ReportUpdate.source == "public")).one()
        assert update.happened_on == dt.date(1967, 6, 5)
    # The organizers reviewing it see the date it gives.
    queue = client.get("/moderation/updates?lang=en").get_data(as_text=True)
    assert 'datetime="1967-06-05"' in queue and format_date(dt.date(1967, 6, 5), "long", locale="en") in queue


def test_a_bad_event_date_is_refused_with_a_clear_error_and_stores_nothing(app, client, login, make_report):
    from webapp.store.models import ReportUpdate

    rid = make_report()
    for date, message in (("2999-01-01", "cannot be in the future"), ("1947-12-31", "before 1948-01-01"),
                          ("17/03/2024", "Not a valid date")):
        url = f"/reports/{rid}/suggest-update?lang=en"
        resp = client.post(url, data={"body": "Dated", "happened_on": date,
                                      "csrf_token": csrf_token(client, url)})
        assert resp.status_code == 400 and message in resp.get_data(as_text=True), date
    login()
    resp = set_state(client, rid, "ongoing", "Dated wrongly", happened_on="2999-01-01")
    assert resp.status_code == 400 and "cannot be in the future" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ReportUpdate)) == 0
        from webapp.store.models import Report
        assert db.session.get(Report, rid).lifecycle == "reported"  # the state did not move either
