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


def test_wrong_password_is_refused_with_message(client, make_user):
    make_user()
    resp = post_login(client, ORGANIZER[0], "wrong password!")
    assert resp.status_code == 401
    assert "البريد الإلكتروني أو كلمة المرور غير صحيحة" in resp.get_data(as_text=True)


def test_five_failures_lock_the_account(app, client, make_user):
    make_user()
    for _ in range(5):
        resp = post_login(client, ORGANIZER[0], "wrong password!")
    assert resp.status_code == 429
    # Even the right password is refused while locked, with a clear message.
    resp = post_login(client, *ORGANIZER)
    assert resp.status_code == 429
    # The message itself, naming the 15 minutes (LOCK_MINUTES), in the form's alert.
    message = "محاولات فاشلة كثيرة. هذا الحساب مقفل لمدة 15 دقيقة."
    assert re.search(r'<div class="alert error" role="alert">\s*<p>' + re.escape(message) + "</p>",
                     resp.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(db.select(User)).locked_until is not None


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
