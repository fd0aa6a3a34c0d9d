"""Shared fixtures: an app on a temporary instance folder (flaskr style)."""

from __future__ import annotations

from pathlib import Path

import pytest

from webapp import create_app

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def app(tmp_path):
    instance = tmp_path / "instance"
    app = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test",
        "TILE_URL": "https://tiles.example.test/{z}/{x}/{y}.png",
        "TILE_ATTRIBUTION": "test tiles",
    })
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
    from webapp.auth.accounts import create_user

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
    from webapp.reporting import create_report

    def make(publish=True, user_id=None, source="organizer", **fields):
        import datetime as dt

        from webapp.extensions import db
        from webapp.models import User

        data = {"kind": "challenge", "category": "housing", "title": "Demolition order",
                "description": "Three homes received orders.", "lon": SILWAN[0], "lat": SILWAN[1],
                "precision": "approximate", "observed_on": dt.date(2026, 10, 1),
                "organization": "", "link": "", "contact": ""}
        data.update(fields)
        with app.app_context():
            user = db.session.get(User, user_id) if user_id else None
            return create_report(data, user=user, source=source, publish=publish).id
    return make
