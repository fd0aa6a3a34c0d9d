"""Requests to connect: the public form, private storage, the organizers' tab, forwarding by e-mail.

Forwarding is tested against a real SMTP server on 127.0.0.1 (aiosmtpd): the message must reach
it exactly once, addressed to the right recipient, and a server that is down must leave the
request stored, unforwarded, and the sender thanked (never a 500).
"""

from __future__ import annotations

import email
import email.policy

import pytest

from tests.conftest import app_config, csrf_token, make_app
from tests.mail import free_port
from webapp import create_app
from webapp.extensions import db
from webapp.store.models import ConnectRequest

VALID = {"sender_name": "Umm Khaled", "reply_channel": "umm.khaled@example.net",
         "message": "We face the same demolition orders in Sur Bahir. Can we meet?"}


@pytest.fixture
def mail_app(tmp_path, db_url, smtp):
    controller, _sink = smtp
    with make_app(tmp_path / "instance", db_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                  MAIL_DEFAULT_SENDER="ahya@example.org",
                  CONNECT_FALLBACK_EMAIL="organizers@example.org") as app:
        yield app


def post(client, url, **fields):
    data = {**VALID, **fields, "csrf_token": csrf_token(client, url)}
    return client.post(url, data=data)


def stored(app) -> list[ConnectRequest]:
    with app.app_context():
        rows = db.session.scalars(db.select(ConnectRequest).order_by(ConnectRequest.id)).all()
        db.session.expunge_all()
        return rows


def test_a_request_is_stored_privately_and_thanked(app, client, make_org):
    org = make_org("Silwan Legal Aid", ["silwan"], ["housing"], public_email="contact@silwan.example.org")
    page = client.get(f"/connect/organization/{org}?lang=en")
    assert page.status_code == 200 and "Silwan Legal Aid" in page.get_data(as_text=True)
    resp = post(client, f"/connect/organization/{org}?lang=en")
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert "Thank you" in text and VALID["reply_channel"] not in text and VALID["message"] not in text
    [req] = stored(app)
    assert (req.organization_id, req.report_id, req.status) == (org, None, "new")
    assert (req.sender_name, req.reply_channel, req.message) == tuple(VALID.values())
    assert req.forwarded_at is None  # no MAIL_SERVER: stored only


def test_forwarded_once_to_the_organizations_public_email(mail_app, smtp, make_org):
    _controller, sink = smtp
    org = make_org("Silwan Legal Aid", ["silwan"], ["housing"], public_email="contact@silwan.example.org")
    client = mail_app.test_client()
    assert post(client, f"/connect/organization/{org}").status_code == 200
    assert len(sink.envelopes) == 1
    envelope = sink.envelopes[0]
    assert envelope.rcpt_tos == ["contact@silwan.example.org"]
    assert envelope.mail_from == "ahya@example.org"
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    body = message.get_body().get_content()
    assert VALID["message"] in body and VALID["reply_channel"] in body and VALID["sender_name"] in body
    assert message["Reply-To"] == VALID["reply_channel"]
    [req] = stored(mail_app)
    assert req.forwarded_at is not None
    # Reading, marking and a second view never send it again.
    with mail_app.app_context():
        from webapp.connect.mail import forward
        assert forward(db.session.get(ConnectRequest, req.id)) is False
    assert len(sink.envelopes) == 1


def test_initiative_goes_to_its_organization_else_to_the_fallback(mail_app, smtp, make_org):
    _controller, sink = smtp
    from webapp.store.reporting import create_report

    org = make_org("Tur Housing", ["at-tur"], ["housing"], public_email="tur@example.org")
    with mail_app.app_context():
        base = {"kind": "initiative", "category": "legal-aid", "title": "Housing desk", "description": "",
                "lon": 35.2389, "lat": 31.7698, "precision": "approximate", "observed_on": None,
                "organization": "", "link": "", "contact": "private@example.org"}
        linked = create_report(base, user=None, source="organizer", publish=True)
        linked.organization_id = org
        db.session.commit()
        linked = linked.id
        alone = create_report(dict(base, title="Another desk"), user=None, source="organizer",
                              publish=True).id
    client = mail_app.test_client()
    assert post(client, f"/connect/initiative/{linked}").status_code == 200
    assert post(client, f"/connect/initiative/{alone}", reply_channel="+970 59 000 0000").status_code == 200
    assert [e.rcpt_tos for e in sink.envelopes] == [["tur@example.org"], ["organizers@example.org"]]
    assert len(stored(mail_app)) == 2 and all(r.forwarded_at is not None for r in stored(mail_app))
    # Without a fallback, an initiative without an organization's e-mail is stored only.
    mail_app.config["CONNECT_FALLBACK_EMAIL"] = ""
    assert post(client, f"/connect/initiative/{alone}", message="Third").status_code == 200
    assert len(sink.envelopes) == 2 and stored(mail_app)[-1].forwarded_at is None


def test_a_mail_server_that_is_down_keeps_the_request_unforwarded(tmp_path, db_url):
    # Nothing listens on this port: the connection is refused.
    config = {**app_config(tmp_path / "down", db_url), "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port(),
              "CONNECT_FALLBACK_EMAIL": "organizers@example.org"}
    app = create_app(config)
    with app.app_context():
        from webapp.store.models import Organization
        org = Organization(name_ar="منظمة", name_en="Org", status="published", public_email="org@example.org")
        db.session.add(org)
        db.session.commit()
        org = org.id
    resp = post(app.test_client(), f"/connect/organization/{org}?lang=en")
    assert resp.status_code == 200 and "Thank you" in resp.get_data(as_text=True)
    [req] = stored(app)
    assert req.forwarded_at is None and req.message == VALID["message"]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("url_of", [lambda ids: f"/connect/organization/{ids['pending']}",
                                    lambda ids: "/connect/organization/999999",
                                    lambda ids: f"/connect/initiative/{ids['challenge']}",
                                    lambda ids: f"/connect/initiative/{ids['hidden']}",
                                    lambda ids: "/connect/initiative/999999"])
def test_unpublished_or_missing_targets_are_404(app, client, make_org, make_report, url_of):
    ids = {"pending": make_org("Pending", ["silwan"], ["housing"], status="pending"),
           "challenge": make_report(),
           "hidden": make_report(kind="initiative", category="legal-aid", publish=False)}
    url = url_of(ids)
    assert client.get(url).status_code == 404
    token = csrf_token(client, "/suggest")
    assert client.post(url, data={**VALID, "csrf_token": token}).status_code == 404
    assert stored(app) == []


def test_initiative_page_links_to_its_form(client, make_report):
    initiative = make_report(kind="initiative", category="legal-aid", title="Housing desk")
    html = client.get(f"/reports/{initiative}?lang=en").get_data(as_text=True)
    assert f'href="/connect/initiative/{initiative}"' in html
    page = client.get(f"/connect/initiative/{initiative}?lang=en").get_data(as_text=True)
    assert "Housing desk" in page and f'href="/reports/{initiative}"' in page


def test_rate_limit(tmp_path, db_url):
    app = create_app({**app_config(tmp_path / "rl", db_url), "CONNECT_RATE_LIMIT": "2 per hour"})
    with app.app_context():
        from webapp.store.models import Organization, OrganizationCategory
        org = Organization(name_ar="منظمة", name_en="Org", status="published",
                           categories=[OrganizationCategory(category="housing")])
        db.session.add(org)
        db.session.commit()
        org = org.id
    client = app.test_client()
    codes = [post(client, f"/connect/organization/{org}").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert len(stored(app)) == 2
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_organizers_read_and_archive_messages(app, client, login, make_org):
    org = make_org("Silwan Legal Aid", ["silwan"], ["housing"])
    post(client, f"/connect/organization/{org}")
    assert client.get("/moderation/messages").status_code == 302  # anonymous: to the login page
    login()
    page = client.get("/moderation/messages?lang=en").get_data(as_text=True)
    assert VALID["reply_channel"] in page and VALID["message"] in page and "Silwan Legal Aid" in page
    [req] = stored(app)
    token = csrf_token(client, "/moderation/messages")
    assert client.post(f"/moderation/messages/{req.id}/read", data={"csrf_token": token}).status_code == 302
    assert stored(app)[0].status == "read"
    assert VALID["message"] not in client.get("/moderation/messages").get_data(as_text=True)
    assert VALID["message"] in client.get("/moderation/messages?status=read").get_data(as_text=True)
    resp = client.post(f"/moderation/messages/{req.id}/archive", data={"csrf_token": token})
    assert resp.status_code == 302
    assert stored(app)[0].status == "archived"
    assert client.post(f"/moderation/messages/{req.id}/archive", data={}).status_code == 400  # no CSRF
    assert client.post("/moderation/messages/999/read", data={"csrf_token": token}).status_code == 404
    assert client.get("/moderation/messages?status=bogus").status_code == 400
