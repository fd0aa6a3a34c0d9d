"""Issue 21's "done when", end to end: state, update, follower mail, unsubscribe, feed, joined areas.

Through the test client only (forms with their CSRF tokens, as a browser would) and a real SMTP
server on 127.0.0.1 (aiosmtpd): an organizer marks a challenge "ongoing" with an update; a
follower of that area who confirmed her address receives exactly one mail about it from
``flask alerts send``, and a second run sends nothing; the unsubscribe link of that mail works
with one request; the update shows on the page and in the area's feed; a resident of another
area says "this affects us too" and, once approved, both areas show it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.conftest import ORGANIZER, csrf_token, make_app
from tests.mail import messages
from webapp.extensions import db
from webapp.store.models import AlertDelivery, Subscription

FOLLOWER = "hind@example.net"


@pytest.fixture
def mail_app(tmp_path, db_url, smtp):
    controller, _sink = smtp
    with make_app(tmp_path / "instance", db_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                  MAIL_DEFAULT_SENDER="ahya@example.org", PUBLIC_URL="https://ahya.example") as app:
        yield app


def text_of(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def html_of(msg) -> str:
    return msg.get_body(preferencelist=("html",)).get_content()


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def login(client, app):
    from webapp.store.accounts import create_user

    with app.app_context():
        create_user(*ORGANIZER, role="organizer")
    resp = client.post(
        "/auth/login",
        data={
            "email": ORGANIZER[0],
            "password": ORGANIZER[1],
            "csrf_token": csrf_token(client, "/auth/login"),
        },
    )
    assert resp.status_code == 302


def follow(client, url: str, address: str = FOLLOWER, frequency: str = "immediate"):
    return client.post(
        url, data={"email": address, "frequency": frequency, "csrf_token": csrf_token(client, url)}
    )


def confirm_from_mail(client, msg) -> None:
    link = re.search(r"https://ahya\.example(/follow/confirm/\S+)", text_of(msg))[1]
    assert 'dir="rtl"' in html_of(msg)  # the Arabic page's follower gets an Arabic mail
    resp = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert resp.status_code == 200 and 'id="confirmed"' in resp.get_data(as_text=True)


def test_done_when(mail_app, smtp, make_report=None):
    app, (_controller, sink) = mail_app, smtp
    from tests.conftest import SILWAN
    from webapp.store.reporting import create_report

    with app.app_context():
        challenge = create_report(
            {
                "kind": "challenge",
                "category": "housing",
                "title": "أوامر هدم",
                "description": "Three homes received orders.",
                "lon": SILWAN[0],
                "lat": SILWAN[1],
                "precision": "approximate",
            },
            user=None,
            source="organizer",
            publish=True,
        ).id
    resident, organizer = app.test_client(), app.test_client()
    runner = app.test_cli_runner()

    # A follower of Silwan, on the Arabic site: double opt-in.
    assert follow(resident, "/follow?scope=area&target=silwan").status_code == 200
    assert len(sink.envelopes) == 1
    confirmation = messages(sink)[0]
    assert confirmation["To"] == FOLLOWER
    # Before the confirmation nothing is sent.
    assert runner.invoke(args=["alerts", "send"]).exit_code == 0 and len(sink.envelopes) == 1
    confirm_from_mail(resident, confirmation)
    # Somebody else follows too but never confirms: nothing may reach that address.
    follow(app.test_client(), "/follow?scope=area&target=silwan", address="never@example.net")
    assert len(sink.envelopes) == 2

    # The organizer marks the challenge "ongoing" with an update.
    login(organizer, app)
    url = f"/moderation/{challenge}/progress"
    resp = organizer.post(
        url,
        data={
            "state": "ongoing",
            "note": "The appeal was heard on 3 December.",
            "csrf_token": csrf_token(organizer, url),
        },
    )
    assert resp.status_code == 302

    # Exactly one mail, about it; a second run sends nothing.
    result = runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output
    alerts = messages(sink)[2:]
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["To"] == FOLLOWER
    assert "The appeal was heard on 3 December." in text_of(alert)
    assert "قائم (مستمر)" in text_of(alert)  # the new state, in Arabic
    assert "أوامر هدم" in html_of(alert) and 'dir="rtl"' in html_of(alert)
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    result = runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0 and len(sink.envelopes) == 3, result.output

    # The update shows on the page, in the API and in the area's feed.
    page = app.test_client().get(f"/reports/{challenge}?lang=en").get_data(as_text=True)
    assert "The appeal was heard on 3 December." in page and 'id="report-state"' in page
    assert re.search(r'id="report-state">\s*Ongoing', page)
    feed = app.test_client().get("/areas/silwan/feed.atom").get_data(as_text=True)
    assert "The appeal was heard on 3 December." in feed
    api = app.test_client().get(f"/api/v1/reports/{challenge}/updates").get_json()
    assert api["status"] == "ongoing" and api["count"] == 1 and api["updates"][0]["state"] == "ongoing"

    # The unsubscribe link of the mail works with one request (RFC 8058: no cookie, no token).
    unsubscribe = alert["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe.startswith("https://ahya.example/follow/unsubscribe/")
    fresh = app.test_client()
    resp = fresh.post(path_of(unsubscribe), data={"List-Unsubscribe": "One-Click"})
    assert resp.status_code == 200
    with app.app_context():
        assert db.session.scalars(db.select(Subscription.email)).all() == ["never@example.net"]
        assert db.session.scalar(db.select(db.func.count()).select_from(AlertDelivery)) == 0

    # A resident of another area: "this affects us too", then approved.
    other = app.test_client()
    url = f"/reports/{challenge}/affects-us"
    resp = other.post(
        url,
        data={
            "area": "beit-hanina",
            "contact": "private-contact@example.net",
            "csrf_token": csrf_token(other, url),
        },
    )
    assert resp.status_code == 200
    page = app.test_client().get(f"/reports/{challenge}?lang=en").get_data(as_text=True)
    assert 'data-slug="beit-hanina"' not in page  # not before review
    with app.app_context():
        from webapp.store.models import AffectedArea

        signal = db.session.scalars(db.select(AffectedArea)).one().id
    resp = organizer.post(
        f"/moderation/signals/{signal}/publish",
        data={"csrf_token": csrf_token(organizer, "/moderation/updates")},
    )
    assert resp.status_code == 302
    page = app.test_client().get(f"/reports/{challenge}?lang=en").get_data(as_text=True)
    assert 'data-slug="beit-hanina"' in page and "private-contact" not in page
    for slug in ("silwan", "beit-hanina"):
        area_page = app.test_client().get(f"/areas/{slug}?lang=en").get_data(as_text=True)
        assert f'data-joined-report="{challenge}"' in area_page, slug
    api = app.test_client().get(f"/api/v1/reports/{challenge}").get_json()
    assert api["properties"]["affected_areas"] == 1 and api["properties"]["updates"] == 1
