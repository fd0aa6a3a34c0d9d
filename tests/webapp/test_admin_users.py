"""Issue 18: accounts at /admin/users (admins only): invitations, roles, deactivation, audit.

Invitation links are one-time, valid 7 days, stored hashed; mailed through a real SMTP server on
127.0.0.1 (aiosmtpd) when MAIL_SERVER is set, else shown once to the admin.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest

from tests.conftest import ADMIN, ORGANIZER, csrf_token, make_app
from tests.mail import messages
from webapp.extensions import db
from webapp.store.models import AccountEvent, AccountLink, User

INVITEE = "noor@example.net"
NOOR_PASSWORD = "noor battery staple"
INVITE_LINK = re.compile(r"https?://[^/\s\"]+(/auth/invitation/[A-Za-z0-9_-]{43})")


def post(client, url, page="/admin/users", **data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page)})


def invite(client, address=INVITEE, role="organizer"):
    return post(client, "/admin/users/invite", email=address, role=role)


def accept(client, path, password=NOOR_PASSWORD):
    # From the login page: a link that no longer works has no form to take a token from.
    return client.post(path, data={"password": password, "confirm": password,
                                   "csrf_token": csrf_token(client, "/auth/login")})


def events(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(e.action, e.email, e.detail) for e in
                db.session.scalars(db.select(AccountEvent).order_by(AccountEvent.id))]


def user(app, address):
    with app.app_context():
        found = db.session.scalar(db.select(User).where(User.email == address))
        db.session.expunge_all()
        return found


def test_admin_pages_are_for_admins_only(client, login):
    assert client.get("/admin/").status_code == 302  # anonymous: to the login page
    login("organizer")
    for url in ("/admin/", "/admin/users"):
        assert client.get(url).status_code == 403, url
    assert 'id="menu-admin"' not in client.get("/").get_data(as_text=True)
    token = csrf_token(client, "/moderation/")
    for url in ("/admin/users/invite", "/admin/users/1/role", "/admin/users/1/active",
                "/admin/invitations/1/resend", "/admin/invitations/1/revoke"):
        assert client.post(url, data={"csrf_token": token, "email": "x@example.org",
                                      "role": "admin", "active": "0"}).status_code == 403, url


def test_the_admin_menu_and_index(client, login):
    login("admin")
    home = client.get("/").get_data(as_text=True)
    assert 'id="menu-admin"' in home
    index = client.get("/admin/")
    assert index.status_code == 200 and 'href="/admin/users"' in index.get_data(as_text=True)


def test_invitation_without_mail_is_shown_once_and_works_once(app, client, login):
    login("admin")
    resp = invite(client)
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    path = INVITE_LINK.search(page)[1]
    raw = path.rsplit("/", 1)[1]
    assert INVITE_LINK.search(client.get("/admin/users").get_data(as_text=True)) is None  # shown once
    with app.app_context():
        link = db.session.scalar(db.select(AccountLink).where(AccountLink.purpose == "invite"))
        assert link.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert raw not in " ".join(str(v) for v in vars(link).values())
        assert (link.email, link.role) == (INVITEE, "organizer")
        assert dt.timedelta(days=6, hours=23) < link.expires_at - link.created_at <= dt.timedelta(days=7)
    assert INVITEE in client.get("/admin/users").get_data(as_text=True)  # listed as waiting
    invitee = client.application.test_client()
    form = invitee.get(path)
    assert form.status_code == 200 and INVITEE in form.get_data(as_text=True)
    assert accept(invitee, path, "short").status_code == 400  # too short: nothing made, link kept
    assert user(app, INVITEE) is None
    assert accept(invitee, path).status_code == 302
    made = user(app, INVITEE)
    assert (made.role, made.active) == ("organizer", True)
    assert invitee.get("/moderation/").status_code == 200  # logged in
    assert client.application.test_client().get(path).status_code == 404  # used
    assert [e[0] for e in events(app)] == ["create", "invite", "accept"]


def test_invitations_are_refused_for_existing_accounts_and_bad_addresses(app, client, login):
    login("admin")
    for address in (ADMIN[0], "ADMIN@example.org", "not an address", ""):
        assert invite(client, address).status_code == 400, address
    assert invite(client, INVITEE, role="superuser").status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AccountLink.id))) == 0


def test_resend_and_revoke(app, client, login):
    login("admin")
    first = INVITE_LINK.search(invite(client, role="admin").get_data(as_text=True))[1]
    with app.app_context():
        link_id = db.session.scalar(db.select(AccountLink.id))
    resp = post(client, f"/admin/invitations/{link_id}/resend")
    second = INVITE_LINK.search(resp.get_data(as_text=True))[1]
    assert second != first
    other = client.application.test_client()
    assert other.get(first).status_code == 404  # the old link stopped working
    assert other.get(second).status_code == 200
    with app.app_context():
        new_id = db.session.scalar(db.select(AccountLink.id).where(AccountLink.revoked_at.is_(None)))
    assert post(client, f"/admin/invitations/{new_id}/revoke").status_code == 303
    assert other.get(second).status_code == 404
    assert post(client, f"/admin/invitations/{new_id}/revoke").status_code == 404  # already withdrawn
    assert post(client, "/admin/invitations/999/resend").status_code == 404
    assert [e[:2] for e in events(app)][1:] == [("invite", INVITEE), ("resend", INVITEE), ("revoke", INVITEE)]


def test_an_expired_invitation_is_refused(app, client, login):
    login("admin")
    path = INVITE_LINK.search(invite(client).get_data(as_text=True))[1]
    with app.app_context():
        link = db.session.scalar(db.select(AccountLink))
        link.expires_at = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)
        db.session.commit()
    other = client.application.test_client()
    assert other.get(path).status_code == 404
    assert accept(other, path).status_code == 404
    assert user(app, INVITEE) is None


def test_change_role_and_the_last_admin(app, client, login, make_user):
    login("admin")
    organizer_id = make_user(*ORGANIZER, role="organizer")
    admin_id = user(app, ADMIN[0]).id
    # The only admin cannot give up the role nor be deactivated.
    assert post(client, f"/admin/users/{admin_id}/role", role="organizer").status_code == 400
    assert post(client, f"/admin/users/{admin_id}/active", active="0").status_code == 400
    assert user(app, ADMIN[0]).role == "admin" and user(app, ADMIN[0]).active
    assert post(client, f"/admin/users/{organizer_id}/role", role="admin").status_code == 303
    assert user(app, ORGANIZER[0]).role == "admin"
    assert post(client, f"/admin/users/{organizer_id}/role", role="root").status_code == 400
    assert post(client, "/admin/users/9999/role", role="admin").status_code == 404
    assert ("role", ORGANIZER[0], "organizer -> admin") in events(app)


def test_deactivation_ends_the_users_sessions(app, client, login, make_user):
    login("admin")
    make_user(*ORGANIZER, role="organizer")
    organizer = app.test_client()
    assert post(organizer, "/auth/login", page="/auth/login", email=ORGANIZER[0],
                password=ORGANIZER[1]).status_code == 302
    assert organizer.get("/moderation/").status_code == 200
    organizer_id = user(app, ORGANIZER[0]).id
    assert post(client, f"/admin/users/{organizer_id}/active", active="0").status_code == 303
    resp = organizer.get("/moderation/")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]  # her session ended
    assert post(organizer, "/auth/login", page="/auth/login", email=ORGANIZER[0],
                password=ORGANIZER[1]).status_code == 401
    assert post(client, f"/admin/users/{organizer_id}/active", active="maybe").status_code == 400
    assert post(client, f"/admin/users/{organizer_id}/active", active="1").status_code == 303
    assert post(organizer, "/auth/login", page="/auth/login", email=ORGANIZER[0],
                password=ORGANIZER[1]).status_code == 302
    assert [e[:2] for e in events(app) if e[0] in ("deactivate", "activate")] == [
        ("deactivate", ORGANIZER[0]), ("activate", ORGANIZER[0])]
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'id="account-events"' in page and ORGANIZER[0] in page


# --- with a mail server -------------------------------------------------------------------------

@pytest.fixture
def mail_app(tmp_path, db_url, smtp):
    controller, _sink = smtp
    with make_app(tmp_path / "instance", db_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                  MAIL_DEFAULT_SENDER="ahya@example.org", PUBLIC_URL="https://ahya.example") as app:
        yield app


def test_invitation_by_mail(mail_app, smtp):
    from webapp.store.accounts import create_user

    _controller, sink = smtp
    with mail_app.app_context():
        create_user(*ADMIN, role="admin")
    client = mail_app.test_client()
    login = post(client, "/auth/login", page="/auth/login", email=ADMIN[0], password=ADMIN[1])
    assert login.status_code == 302
    assert invite(client).status_code == 303
    assert INVITE_LINK.search(client.get("/admin/users").get_data(as_text=True)) is None  # not shown
    [msg] = messages(sink)
    assert msg["To"] == INVITEE
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    # Built on PUBLIC_URL, not on the request's host (localhost here): a forged Host changes nothing.
    assert "https://ahya.example/auth/invitation/" in text and "localhost" not in text
    assert 'dir="rtl"' in html and "مدعو" in text  # Arabic first
    path = INVITE_LINK.search(text)[1]
    invitee = mail_app.test_client()
    assert accept(invitee, path).status_code == 302
    assert user(mail_app, INVITEE).role == "organizer"
