"""Shared fixtures: an app on a temporary instance folder (flaskr style)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from webapp import create_app

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


def _admin_engine():
    import sqlalchemy as sa

    return sa.create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")


def _database_url(name: str) -> str:
    import sqlalchemy as sa

    base = os.environ["TEST_DATABASE_URL"]
    return sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template(tmp_path_factory):
    """One database migrated by the app at the start of a PostgreSQL run, copied for every test.

    Migrating a fresh database for each of ~1,500 tests cost about a second each; ``CREATE
    DATABASE … TEMPLATE`` copies the migrated one in a fraction of that. The migrations still
    run, from an empty database, once per run.
    """
    if not os.environ.get("TEST_DATABASE_URL"):
        yield None
        return
    import uuid

    import sqlalchemy as sa

    name = f"ahya_template_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as con:
        con.execute(sa.text(f'CREATE DATABASE "{name}"'))
    with make_app(tmp_path_factory.mktemp("template") / "instance", _database_url(name)):
        pass  # creating the app migrates the database
    yield name
    with admin.connect() as con:
        con.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _postgres_database(template: str | None = None):
    """A fresh PostgreSQL database per test when ``TEST_DATABASE_URL`` names a server.

    ``.ci/run`` starts a throwaway server and runs the whole suite a second time this way,
    so every test proves the same code works on PostgreSQL as on SQLite. With ``template``
    the database is a copy of the migrated template (:func:`pg_template`), else empty.
    """
    import uuid

    import sqlalchemy as sa

    name = f"ahya_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as con:
        copy = f' TEMPLATE "{template}"' if template else ""
        con.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))

    def drop():
        with admin.connect() as con:
            con.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return _database_url(name), drop


@contextlib.contextmanager
def postgres_database(template: str | None = None):
    """The URL of a fresh PostgreSQL database, dropped afterwards, when ``TEST_DATABASE_URL``
    names a server; else None (the app then keeps SQLite in its instance folder)."""
    if not os.environ.get("TEST_DATABASE_URL"):
        yield None
        return
    url, drop = _postgres_database(template)
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def db_url(tmp_path, pg_template):
    """The test's database URL: SQLite in the temporary instance, or a fresh PostgreSQL database."""
    if not pg_template:
        yield None
        return
    with postgres_database(pg_template) as url:
        yield url


def app_config(instance, db_url: str | None) -> dict:
    """The test app's settings: a temporary instance, and PostgreSQL when the run asks for it."""
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test",
        "TILE_URL": "https://tiles.example.test/{z}/{x}/{y}.png",
        "TILE_ATTRIBUTION": "test tiles",
    }
    if db_url:
        config["DATABASE_URL"] = db_url
        config["SQLALCHEMY_DATABASE_URI"] = db_url
    return config


_SQLITE_TEMPLATE: list[Path] = []  # this process's migrated SQLite database, made once


def _copy_sqlite_template(instance: Path) -> None:
    """Start a test's SQLite database as a copy of one migrated in this process.

    Migrating an empty database costs each test a few hundred milliseconds; the migrations still
    run from empty once per process (and ``test_migrations`` checks what they build).
    """
    import shutil
    import tempfile

    target = instance / "ahya.db"
    if target.exists():
        return
    if not _SQLITE_TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="ahya-template-")) / "instance"
        app = create_app(app_config(folder, None))
        with app.app_context():
            from webapp.extensions import db

            db.session.remove()
            db.engine.dispose()  # the last connection closed: the WAL is folded into the file
        _SQLITE_TEMPLATE.append(folder / "ahya.db")
    instance.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_SQLITE_TEMPLATE[0], target)


@contextlib.contextmanager
def make_app(instance, db_url: str | None = None, **config):
    """The test app (:func:`app_config` plus ``config``) on ``db_url``; its connections closed after.

    Every app the tests make goes through here: the ``app`` fixture, and fixtures that need
    other settings (mail, rate limits), a second app, or one app for a whole module.
    """
    settings = {**app_config(instance, db_url), **config}
    if not settings.get("DATABASE_URL"):
        _copy_sqlite_template(Path(instance))
    app = create_app(settings)
    try:
        yield app
    finally:
        with app.app_context():
            from webapp.extensions import db

            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(tmp_path, db_url):
    with make_app(tmp_path / "instance", db_url) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


# --- accounts and reports -------------------------------------------------------------

ORGANIZER = ("organizer@example.org", "correct horse battery")
ADMIN = ("admin@example.org", "admin staple battery")
SILWAN = (35.2389, 31.7698)  # a point inside Silwan's polygon


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on ``url`` (tests keep CSRF on, like production)."""
    import re

    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no csrf_token on {url}"
    return match.group(1)


@pytest.fixture
def make_user(app):
    from webapp.store.accounts import create_user

    def make(email=ORGANIZER[0], password=ORGANIZER[1], role="organizer"):
        with app.app_context():
            return create_user(email, password, role=role).id
    return make


@pytest.fixture
def login(client, make_user):
    """``login()`` creates the organizer (or ``role="admin"``) and logs the client in."""

    def do(role="organizer"):
        email, password = ADMIN if role == "admin" else ORGANIZER
        make_user(email, password, role)
        token = csrf_token(client, "/auth/login")
        resp = client.post("/auth/login", data={"email": email, "password": password,
                                                "csrf_token": token})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return email
    return do


@pytest.fixture
def make_report(app):
    """Create a report through the domain layer; returns its id."""
    from webapp.store.reporting import create_report

    def make(publish=True, user_id=None, source="organizer", **fields):
        import datetime as dt

        from webapp.extensions import db
        from webapp.store.models import User

        data = {"kind": "challenge", "category": "housing", "title": "Demolition order",
                "description": "Three homes received orders.", "lon": SILWAN[0], "lat": SILWAN[1],
                "precision": "approximate", "observed_on": dt.date(2026, 10, 1),
                "organization": "", "link": "", "contact": ""}
        data.update(fields)
        with app.app_context():
            user = db.session.get(User, user_id) if user_id else None
            return create_report(data, user=user, source=source, publish=publish).id
    return make


@pytest.fixture
def make_org(app):
    """``make_org(name, areas, categories, status="published", **fields)``: an organization, made
    through the models (the organization forms are their own feature); returns its id."""

    def make(name, areas, categories, status="published", **fields):
        from webapp.extensions import db
        from webapp.store.models import Organization, OrganizationArea, OrganizationCategory

        with app.app_context():
            org = Organization(name_ar=f"{name} بالعربية", name_en=name, status=status, **fields)
            org.areas = [OrganizationArea(area=a) for a in areas]
            org.categories = [OrganizationCategory(category=c) for c in categories]
            db.session.add(org)
            db.session.commit()
            return org.id
    return make


def pytest_collection_modifyitems(config, items):
    if not os.environ.get("TEST_DATABASE_URL"):
        return
    skip = pytest.mark.skip(reason="SQLite-specific (TEST_DATABASE_URL points at PostgreSQL)")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, absent without it
def pytest_xdist_make_scheduler(config, log):
    """``-n 2`` (the README's test command): the browser tests together on one worker, one Chromium
    at a time as in a serial run, the other test files spread over both workers, a file at a time.

    Two Chromiums on two cores, each beside its live server, made the map's 10 s waits time out.
    A file at a time builds each module-scoped fixture (the schemathesis app, the layer builds)
    once, not once per worker. (``--dist loadgroup`` with ``xdist_group`` marks would do the same
    but renames pytest's private ``_nodeid``, which pytest 9.2 no longer reads: it silently does
    not group.) Other ``--dist`` modes are left as they are.
    """
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith("tests/browser/"):
                return "tests/browser"
            return nodeid.split("::", 1)[0]

    if config.getvalue("dist") == "load":
        return BrowserTestsTogether(config, log)
    return None


from tests.mail import smtp  # noqa: E402,F401 - the SMTP server fixture, for every test that mails
