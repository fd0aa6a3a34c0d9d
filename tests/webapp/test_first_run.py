"""Issue 18, first run: "Set up Ahya" while there is no account, a one-time setup link in the log.

The link's secret is never stored (only its SHA-256), works on any app sharing the database,
once, and only while no account exists; the CLI keeps working beside it.
"""

from __future__ import annotations

import hashlib
import logging
import re

import pytest

from tests.conftest import csrf_token, make_app
from webapp.extensions import db
from webapp.store.models import AccountEvent, AccountLink, User

LINK = re.compile(r"(/auth/setup/[A-Za-z0-9_-]{43})\b")
PASSWORD = "first admin battery"


class Log(logging.Handler):
    """The app's log lines (its logger does not propagate to pytest's caplog)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())

    def setup_links(self) -> list[str]:
        return [LINK.search(line)[1] for line in self.lines if "no account yet" in line]


@pytest.fixture
def log():
    handler = Log()
    logger = logging.getLogger("webapp")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
def first_run(tmp_path, db_url, log):
    """An app started with the setup link on (as outside tests), and the link it logged."""
    with make_app(tmp_path / "instance", db_url, SETUP_LINK=True) as app:
        assert len(log.setup_links()) == 1, log.lines
        yield app, log.setup_links()[0]


def setup(client, path, email="first@example.org", password=PASSWORD, confirm=None):
    return client.post(path, data={"email": email, "password": password,
                                   "confirm": password if confirm is None else confirm,
                                   "csrf_token": csrf_token(client, "/auth/login")})


def test_pages_offer_set_up_until_an_account_exists(first_run):
    app, path = first_run
    client = app.test_client()
    for url in ("/", "/about", "/auth/login"):
        page = client.get(url).get_data(as_text=True)
        assert 'id="menu-setup"' in page and "/auth/setup" in page, url
    page = client.get("/auth/setup").get_data(as_text=True)
    assert "لا حساب" in page or "حساب" in page  # Arabic first
    assert path not in page  # the page tells where the link is, never the link
    resp = setup(client, path)
    assert resp.status_code == 302
    assert 'id="menu-setup"' not in client.get("/").get_data(as_text=True)
    assert client.get("/auth/setup").status_code == 302  # closed: to the login page


def test_the_link_is_logged_hashed_and_makes_the_first_admin_once(first_run):
    app, path = first_run
    raw = path.rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.scalars(db.select(AccountLink)).all()
        digest = hashlib.sha256(raw.encode()).hexdigest()
        assert [(s.purpose, s.token_hash) for s in stored] == [("setup", digest)]
        assert all(raw not in str(value) for s in stored for value in vars(s).values())
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and 'id="setup-form"' in page.get_data(as_text=True)
    # Two passwords that differ, a short one, a bad address: refused, nothing stored, link still valid.
    assert setup(client, path, confirm="something else entirely").status_code == 400
    assert setup(client, path, password="short", confirm="short").status_code == 400
    assert setup(client, path, email="not an address").status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0
    resp = setup(client, path)
    assert resp.status_code == 302
    # Logged in as the new admin at once.
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert (user.email, user.role, user.active) == ("first@example.org", "admin", True)
        events = [(e.action, e.subject_id) for e in db.session.scalars(db.select(AccountEvent))]
        assert events == [("setup", user.id)]
    # Single use: the same link again, from another browser, is gone.
    other = app.test_client()
    assert other.get(path).status_code == 404
    assert setup(other, path, email="second@example.org").status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_without_the_link_nobody_claims_the_instance(first_run):
    app, path = first_run
    client = app.test_client()
    forged = "/auth/setup/" + "A" * 43
    for url in (forged, "/auth/setup/short", path[:-1] + ("B" if path[-1] != "B" else "C")):
        assert client.get(url).status_code == 404, url
        assert setup(client, url).status_code == 404, url
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_a_second_server_on_the_same_database_accepts_the_link(tmp_path, db_url, log):
    """Several app servers share one database: the link one logged works on another."""
    if db_url is None:
        db_url = f"sqlite:///{tmp_path / 'shared.db'}"
    with make_app(tmp_path / "one", db_url, SETUP_LINK=True), \
            make_app(tmp_path / "two", db_url, SETUP_LINK=True) as two:
        links = log.setup_links()
        assert len(links) == 2 and links[0] != links[1]
        assert setup(two.test_client(), links[0]).status_code == 302  # made by server one
        # Any setup link stops working once an account exists.
        assert two.test_client().get(links[1]).status_code == 404


def test_no_link_is_logged_once_an_account_exists(tmp_path, db_url, log):
    with make_app(tmp_path / "instance", db_url) as app, app.app_context():
        from webapp.store.accounts import create_user
        create_user("admin@example.org", "admin staple battery", role="admin")
    with make_app(tmp_path / "instance", db_url, SETUP_LINK=True):
        assert log.setup_links() == []


def test_an_expired_setup_link_is_refused(first_run):
    import datetime as dt

    app, path = first_run
    with app.app_context():
        link = db.session.scalar(db.select(AccountLink))
        link.expires_at = dt.datetime(2020, 1, 1)
        db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_the_cli_keeps_working_and_prints_a_link_on_demand(first_run):
    app, _path = first_run
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "setup-link"])
    assert result.exit_code == 0, result.output
    fresh = LINK.search(result.output)[1]
    assert app.test_client().get(fresh).status_code == 200
    result = runner.invoke(args=["users", "create", "cli@example.org", "--role", "admin", "--password-stdin"],
                           input="cli admin battery\n")
    assert result.exit_code == 0, result.output
    # The CLI made the first account: setup is closed, every link with it.
    assert app.test_client().get(fresh).status_code == 404
    result = runner.invoke(args=["users", "setup-link"])
    assert result.exit_code != 0 and "setup is closed" in result.output


def test_the_link_pages_are_never_stored(first_run):
    app, path = first_run
    client = app.test_client()
    for url in (path, "/auth/reset", "/auth/invitation/" + "A" * 43):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url


def test_a_backup_restores_into_a_fresh_instance_that_logged_its_setup_link(tmp_path, db_url, log):
    """A fresh instance has a setup link in the database and no account: still empty for a restore."""
    from tests.conftest import postgres_database
    from webapp.store.accounts import create_user

    with make_app(tmp_path / "source", db_url) as source:
        with source.app_context():
            create_user("admin@example.org", "admin staple battery", role="admin")
        path = tmp_path / "ahya.gpkg"
        assert source.test_cli_runner().invoke(args=["backup", str(path), "--with-users"]).exit_code == 0
    with postgres_database() as url, make_app(tmp_path / "fresh", url, SETUP_LINK=True) as fresh:
        [link] = log.setup_links()
        result = fresh.test_cli_runner().invoke(args=["restore", str(path)])
        assert result.exit_code == 0, result.output
        assert fresh.test_client().get(link).status_code == 404  # accounts exist now
        with fresh.app_context():
            assert [u.email for u in db.session.scalars(db.select(User))] == ["admin@example.org"]
