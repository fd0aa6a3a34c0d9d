"""Issue 18: password reset at /auth/reset, by a one-time link mailed through a real SMTP server.

The answer never tells whether an account exists (same page, same status, the mail leaves after
the answer); the link works once, for an hour, is stored hashed, and ends every session.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import re
import time

import pytest

from tests.conftest import ORGANIZER, csrf_token, make_app
from webapp.extensions import db
from webapp.store.models import AccountEvent, AccountLink

RESET_LINK = re.compile(r"https://ahya\.example(/auth/reset/[A-Za-z0-9_-]{43})")
NEW_PASSWORD = "a brand new battery"


@pytest.fixture
def mail_app(tmp_path, db_url, smtp):
    controller, _sink = smtp
    with make_app(tmp_path / "instance", db_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                  MAIL_DEFAULT_SENDER="ahya@example.org", PUBLIC_URL="https://ahya.example") as app:
        from webapp.store.accounts import create_user

        with app.app_context():
            create_user(*ORGANIZER, role="organizer")
            create_user("gone@example.org", "deactivated battery", role="organizer")
            from webapp.store.accounts import set_active
            set_active("gone@example.org", False)
        yield app


def messages(sink, count: int, wait: float = 10.0):
    """The mails received, once there are ``count`` (the reset mail leaves after the answer)."""
    deadline = time.monotonic() + wait
    while len(sink.envelopes) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # anything more that was on its way
    return [email.message_from_bytes(e.content, policy=email.policy.default) for e in sink.envelopes]


def ask(client, address):
    token = csrf_token(client, "/auth/login")
    return client.post("/auth/reset", data={"email": address, "csrf_token": token})


def log_in(client, password=ORGANIZER[1]):
    return client.post("/auth/login", data={"email": ORGANIZER[0], "password": password,
                                            "csrf_token": csrf_token(client, "/auth/login")})


def choose(client, path, password=NEW_PASSWORD):
    return client.post(path, data={"password": password, "confirm": password,
                                   "csrf_token": csrf_token(client, "/auth/login")})


def _without_token(html: str) -> str:
    return re.sub(r'value="[^"]+"', 'value=""', html)


def test_the_answer_is_the_same_for_every_address(mail_app, smtp):
    _controller, sink = smtp
    answers = []
    for address in (ORGANIZER[0], "nobody@example.org", "gone@example.org"):
        client = mail_app.test_client()
        resp = ask(client, address)
        body = _without_token(resp.get_data(as_text=True))
        answers.append((resp.status_code, body, sorted(resp.headers.keys())))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 200 and 'id="reset-sent"' in answers[0][1]
    mails = messages(sink, 1)
    assert [m["To"] for m in mails] == [ORGANIZER[0]]  # only the active account gets a mail
    with mail_app.app_context():
        # Nothing is stored about addresses without an account.
        assert db.session.scalars(db.select(AccountLink.email)).all() == [ORGANIZER[0]]
        assert "nobody@example.org" not in db.session.scalars(db.select(AccountEvent.email)).all()


def test_the_link_resets_once_ends_sessions_and_is_audited(mail_app, smtp):
    _controller, sink = smtp
    victim = mail_app.test_client()  # a session open elsewhere (a copied cookie, a lost phone)
    assert log_in(victim).status_code == 302
    assert victim.get("/moderation/").status_code == 200
    client = mail_app.test_client()
    assert ask(client, ORGANIZER[0].upper()).status_code == 200
    [mail] = messages(sink, 1)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert 'dir="rtl"' in mail.get_body(preferencelist=("html",)).get_content()
    path = RESET_LINK.search(text)[1]
    raw = path.rsplit("/", 1)[1]
    with mail_app.app_context():
        link = db.session.scalar(db.select(AccountLink).where(AccountLink.purpose == "reset"))
        assert link.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert raw not in " ".join(str(v) for v in vars(link).values())
        assert dt.timedelta(minutes=59) < link.expires_at - link.created_at <= dt.timedelta(hours=1)
    assert client.get(path).status_code == 200
    assert choose(client, path, "short").status_code == 400  # the link stays valid
    assert choose(client, path, NEW_PASSWORD).status_code == 302
    assert choose(client, path, "yet another battery").status_code == 404  # once
    assert client.get(path).status_code == 404
    resp = victim.get("/moderation/")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]  # sessions ended
    assert log_in(mail_app.test_client()).status_code == 401  # the old password
    assert log_in(mail_app.test_client(), NEW_PASSWORD).status_code == 302
    with mail_app.app_context():
        actions = db.session.scalars(db.select(AccountEvent.action).where(
            AccountEvent.email == ORGANIZER[0]).order_by(AccountEvent.id)).all()
    assert actions == ["create", "reset_request", "reset"]


def test_an_expired_link_is_refused(mail_app, smtp):
    _controller, sink = smtp
    client = mail_app.test_client()
    ask(client, ORGANIZER[0])
    path = RESET_LINK.search(messages(sink, 1)[0].get_body(preferencelist=("plain",)).get_content())[1]
    with mail_app.app_context():
        link = db.session.scalar(db.select(AccountLink))
        link.expires_at = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)
        db.session.commit()
    assert client.get(path).status_code == 404
    assert choose(client, path).status_code == 404
    assert log_in(mail_app.test_client()).status_code == 302  # the password did not change


def test_a_deactivated_accounts_link_stops_working(mail_app, smtp):
    _controller, sink = smtp
    client = mail_app.test_client()
    ask(client, ORGANIZER[0])
    path = RESET_LINK.search(messages(sink, 1)[0].get_body(preferencelist=("plain",)).get_content())[1]
    with mail_app.app_context():
        from webapp.store.accounts import set_active
        set_active(ORGANIZER[0], False)
    assert choose(client, path).status_code == 404


def test_requests_are_limited_per_client(mail_app, smtp):
    client = mail_app.test_client()
    codes = [ask(client, f"nobody{i}@example.org").status_code for i in range(6)]
    assert codes == [200] * 5 + [429]


def test_bad_addresses_are_refused_and_store_nothing(mail_app, smtp):
    client = mail_app.test_client()
    for address in ("", "not an address", "a\x00b@example.org", "x" * 300 + "@example.org"):
        assert ask(client, address).status_code == 400, address
    with mail_app.app_context():
        assert db.session.scalar(db.select(db.func.count(AccountLink.id))) == 0


def test_without_a_mail_server_the_page_says_so(app, client, make_user):
    make_user()
    for resp in (client.get("/auth/reset"), ask(client, ORGANIZER[0])):
        assert resp.status_code == 200 and 'id="reset-no-mail"' in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AccountLink.id))) == 0


def test_the_login_page_links_to_the_reset(client, make_user):
    make_user()
    assert 'href="/auth/reset"' in client.get("/auth/login").get_data(as_text=True)


def test_a_link_used_meanwhile_by_another_request_is_refused(mail_app, smtp):
    """Two requests (two servers) found the same valid link: the second one's claim fails.

    Each app context has its own database session, as two requests do.
    """
    from webapp.store import account_links

    with mail_app.app_context():
        raw, _link = account_links.request_reset(ORGANIZER[0])
    with mail_app.test_request_context():
        stale = account_links.find("reset", raw)  # request A has checked the link...
        assert stale is not None
        with mail_app.app_context():  # ...request B uses it...
            account_links.complete_reset(raw, NEW_PASSWORD)
        with pytest.raises(account_links.LinkError):  # ...and A's claim finds it used
            account_links._claim(stale)


def test_the_request_does_the_same_database_work_for_every_address(mail_app, smtp):
    # Timing: a reset link written and committed before the answer (and only for an account)
    # would make the answer slower for addresses that have one. The answer's own SQL is the same.
    import threading

    import sqlalchemy as sa

    _controller, sink = smtp
    seen: list[str] = []

    def on_execute(_conn, _cursor, statement, _params, _context, _many):
        if threading.get_ident() == request_thread:
            seen.append(" ".join(statement.split()))

    request_thread = threading.get_ident()
    work = {}
    with mail_app.app_context():
        engine = db.engine
    for address in (ORGANIZER[0], "nobody@example.org", "gone@example.org"):
        client = mail_app.test_client()
        token = csrf_token(client, "/auth/login")
        seen.clear()
        sa.event.listen(engine, "before_cursor_execute", on_execute)
        try:
            assert client.post("/auth/reset", data={"email": address, "csrf_token": token}).status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", on_execute)
        work[address] = list(seen)
    assert work[ORGANIZER[0]] == work["nobody@example.org"] == work["gone@example.org"]
    assert not any(s.split()[0].upper() in ("INSERT", "UPDATE", "DELETE") for s in work[ORGANIZER[0]])
    assert [m["To"] for m in messages(sink, 1)] == [ORGANIZER[0]]  # the link still leaves


def test_link_pages_send_no_referrer(mail_app):
    # The secret is in the page's address: its stylesheets, scripts and any link followed from it
    # must not carry it in a Referer header (to a proxy's log, to our own or another site).
    from webapp.store import account_links

    with mail_app.app_context():
        raw, _link = account_links.request_reset(ORGANIZER[0])
    client = mail_app.test_client()
    for path in (f"/auth/reset/{raw}", "/auth/reset/" + "A" * 43, "/auth/invitation/" + "A" * 43,
                 "/auth/setup/" + "A" * 43):
        resp = client.get(path)
        assert resp.status_code in (200, 404), path
        assert resp.headers["Referrer-Policy"] == "no-referrer", path
    assert client.get("/auth/login").headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
