"""Accounts: CLI creation, hashed passwords, throttled login, session renewal."""

from __future__ import annotations

import re

from tests.conftest import ORGANIZER, csrf_token
from webapp.extensions import db
from webapp.store.models import User


def post_login(client, email, password):
    token = csrf_token(client, "/auth/login")
    return client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token})


def test_users_create_cli_reads_password_from_stdin(app, runner):
    result = runner.invoke(args=["users", "create", "Org@Example.org", "--role", "organizer"],
                           input="a long enough password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert user.email == "org@example.org"
        assert user.role == "organizer"
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
        assert "a long enough password" not in user.password_hash
    listing = runner.invoke(args=["users", "list"])
    assert "org@example.org\torganizer" in listing.output


def test_users_create_refuses_bad_input(app, runner):
    assert runner.invoke(args=["users", "create", "not-an-email"], input="long password 123\n").exit_code
    assert runner.invoke(args=["users", "create", "a@b.org", "--role", "king"], input="x" * 12).exit_code
    short = runner.invoke(args=["users", "create", "a@b.org"], input="short\n")
    assert short.exit_code != 0 and "at least" in short.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_login_and_logout(client, make_user):
    make_user()
    resp = post_login(client, *ORGANIZER)
    assert resp.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "تسجيل الخروج" in page  # the header now offers log out
    token = csrf_token(client, "/")
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert "تسجيل الخروج" not in client.get("/").get_data(as_text=True)


WRONG = "البريد الإلكتروني أو كلمة المرور غير صحيحة"


def client_at(app, address: str):
    """A test client whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_wrong_password_is_refused_with_message(client, make_user):
    make_user()
    resp = post_login(client, ORGANIZER[0], "wrong password!")
    assert resp.status_code == 401
    assert WRONG in resp.get_data(as_text=True)


def _answer(resp) -> tuple[int, str]:
    """Status and the form's alert: what a stranger learns from an answer."""
    match = re.search(r'<div class="alert error" role="alert">(.*?)</div>', resp.get_data(as_text=True), re.S)
    assert match, resp.get_data(as_text=True)[:300]
    return resp.status_code, match.group(1).strip()


def test_unknown_wrong_and_throttled_accounts_answer_alike(app, make_user):
    make_user()
    known, unknown = client_at(app, "10.0.0.1"), client_at(app, "10.0.0.2")
    answers = set()
    for _ in range(7):  # past the 5 failures of one (account, client) pair
        answers.add(_answer(post_login(known, ORGANIZER[0], "wrong password!")))
        answers.add(_answer(post_login(unknown, "nobody@example.org", "wrong password!")))
    assert len(answers) == 1, answers
    status, message = answers.pop()
    assert status == 401 and WRONG in message and "5" in message and "15" in message
    # The throttled pair refuses even the right password, with the same answer.
    assert _answer(post_login(known, *ORGANIZER)) == (status, message)
    with app.app_context():
        assert db.session.scalar(db.select(User)).locked_until is None  # no lock on the account


def test_a_stranger_cannot_lock_the_owner_out(app, make_user):
    make_user()
    stranger, owner = client_at(app, "203.0.113.9"), client_at(app, "198.51.100.7")
    for _ in range(8):
        post_login(stranger, ORGANIZER[0], "guessing!")
    assert post_login(stranger, *ORGANIZER).status_code in (401, 429)  # his own pair or client waits
    resp = post_login(owner, *ORGANIZER)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    assert "تسجيل الخروج" in owner.get("/").get_data(as_text=True)


def test_one_client_trying_many_accounts_is_refused_after_a_few(app):
    client = client_at(app, "192.0.2.40")
    codes = [post_login(client, f"user{i}@example.org", "a guessed password").status_code for i in range(40)]
    assert codes[:10] == [401] * 10
    assert set(codes[10:]) == {429}, codes
    # Another client is not affected.
    assert post_login(client_at(app, "192.0.2.41"), "user0@example.org", "x" * 12).status_code == 401


def test_the_throttle_stores_no_address_nor_e_mail(app, make_user):
    from webapp.extensions import limiter

    make_user()
    client = client_at(app, "192.0.2.77")
    post_login(client, ORGANIZER[0], "wrong password!")
    with app.app_context():
        keys = " ".join(map(str, getattr(limiter.storage, "storage", {}).keys()))
    assert keys and "192.0.2.77" not in keys and "example.org" not in keys


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(app, cookie: str):
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/moderation/")


def test_a_copied_cookie_stops_working_after_logout(app, client, login):
    login()
    copied = _session_cookie(client)
    assert _replay(app, copied).status_code == 200  # the copy works while the session lives
    token = csrf_token(client, "/")
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    resp = _replay(app, copied)
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def test_deactivation_ends_sessions_and_refuses_login(app, client, runner, login):
    login()
    copied = _session_cookie(client)
    result = runner.invoke(args=["users", "deactivate", ORGANIZER[0]])
    assert result.exit_code == 0, result.output
    assert "/auth/login" in client.get("/moderation/").headers.get("Location", "")
    assert "/auth/login" in _replay(app, copied).headers.get("Location", "")
    resp = post_login(client, *ORGANIZER)
    assert resp.status_code == 401 and WRONG in resp.get_data(as_text=True)
    assert runner.invoke(args=["users", "activate", ORGANIZER[0]]).exit_code == 0
    assert post_login(client, *ORGANIZER).status_code == 302


def test_login_without_csrf_is_refused(client, make_user):
    make_user()
    resp = client.post("/auth/login", data={"email": ORGANIZER[0], "password": ORGANIZER[1]})
    assert resp.status_code == 400
    assert "تسجيل الخروج" not in client.get("/").get_data(as_text=True)


def test_session_is_renewed_on_login(client, make_user):
    make_user()
    client.get("/?lang=en")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    post_login(client, *ORGANIZER)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess.get("lang") == "en"  # the language choice survives


def test_open_redirect_is_refused(client, make_user):
    make_user()
    token = csrf_token(client, "/auth/login")
    resp = client.post("/auth/login?next=https://evil.example/", data={
        "email": ORGANIZER[0], "password": ORGANIZER[1], "csrf_token": token})
    assert resp.headers["Location"] == "/"


def test_set_password_cli(app, client, runner, make_user):
    make_user()
    result = runner.invoke(args=["users", "set-password", ORGANIZER[0]], input="a brand new password\n")
    assert result.exit_code == 0, result.output
    assert post_login(client, *ORGANIZER).status_code == 401
    assert post_login(client, ORGANIZER[0], "a brand new password").status_code == 302
    missing = runner.invoke(args=["users", "set-password", "nobody@example.org"], input="x" * 12 + "\n")
    assert missing.exit_code != 0 and "no user" in missing.output
