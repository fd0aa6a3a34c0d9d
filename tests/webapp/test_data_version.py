"""The data version: one row, bumped in the same transaction as every change to reports."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import text

from webapp.extensions import db
from webapp.store.models import Report, User
from webapp.store.reporting import change_status, update_report
from webapp.store.versioning import bump_data_version, current_data_version


def row(app) -> tuple[int, dt.datetime]:
    """The stored row itself, read with plain SQL (not through the module under test)."""
    with app.app_context():
        rows = db.session.execute(text("SELECT id, version, changed_at FROM data_version")).all()
        assert len(rows) == 1 and rows[0][0] == 1
        changed_at = rows[0][2]
        if isinstance(changed_at, str):  # SQLite returns text to a raw query
            changed_at = dt.datetime.fromisoformat(changed_at)
        return int(rows[0][1]), changed_at


@pytest.fixture
def moderator(app, make_user):
    return make_user("mod@example.org", "long enough password", "admin")


def test_migration_creates_the_row(app):
    version, changed_at = row(app)
    assert version == 1 and changed_at.microsecond == 0
    with app.app_context():
        assert current_data_version() == (1, changed_at)


def test_every_change_kind_bumps(app, make_report, moderator, runner):
    seen = [row(app)]

    def bumped(by=1):
        now = row(app)
        assert now[0] == seen[-1][0] + by, f"expected +{by}: {seen[-1]} -> {now}"
        assert now[1] > seen[-1][1]  # strictly later, whole seconds
        seen.append(now)

    rid = make_report(publish=False)  # create (pending)
    bumped()
    make_report(publish=True)  # create + publish in one transaction: one bump
    bumped()
    with app.app_context():
        user = db.session.get(User, moderator)
        report = db.session.get(Report, rid)
        change_status(report, "publish", user)
    bumped()
    with app.app_context():
        user, report = db.session.get(User, moderator), db.session.get(Report, rid)
        assert update_report(report, {"title": "A new title"}, user) == ["title"]
    bumped()
    with app.app_context():
        user, report = db.session.get(User, moderator), db.session.get(Report, rid)
        assert update_report(report, {"title": "A new title"}, user) == []
    assert row(app) == seen[-1], "an edit that changes nothing must not invalidate caches"
    for action in ("reject", "archive"):
        with app.app_context():
            user, report = db.session.get(User, moderator), db.session.get(Report, rid)
            change_status(report, action, user, "reason")
        bumped()
    assert runner.invoke(args=["demo", "load", "--count", "3", "--seed", "1"]).exit_code == 0
    bumped(3)  # each demo report is created through create_report
    assert runner.invoke(args=["demo", "clear"]).exit_code == 0
    bumped()  # the delete


def test_failed_change_does_not_bump(app, make_report, moderator):
    rid = make_report(publish=True)
    before = row(app)
    with app.app_context(), pytest.raises(ValueError):
        change_status(db.session.get(Report, rid), "publish", db.session.get(User, moderator))
    assert row(app) == before


def test_bump_is_part_of_the_callers_transaction(app):
    before = row(app)
    with app.app_context():
        assert bump_data_version() == before[0] + 1
        db.session.rollback()
    assert row(app) == before
    with app.app_context():
        bump_data_version()
        db.session.commit()
    assert row(app)[0] == before[0] + 1


def test_missing_row_is_recreated(app):
    with app.app_context():
        db.session.execute(text("DELETE FROM data_version"))
        db.session.commit()
        assert current_data_version().version == 0
        assert bump_data_version() == 1
        db.session.commit()
    assert row(app)[0] == 1


def test_concurrent_bumps_get_distinct_versions(app):
    """Two writers at once: the UPDATE's row lock serialises them, no version is handed out twice."""
    start = row(app)[0]
    got: list[int] = []
    errors: list[BaseException] = []

    def writer():
        try:
            with app.app_context():
                for _ in range(10):
                    got.append(bump_data_version())
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(got) == list(range(start + 1, start + 31))
    assert row(app)[0] == start + 30


def test_version_is_read_once_per_request(app, client):
    """Several reads in one request cost one query; a bump in the request forgets the old value."""
    with app.test_request_context("/api/v1/reports"):
        first = current_data_version()
        db.session.execute(text("UPDATE data_version SET version = version + 5"))
        assert current_data_version() == first  # remembered for this request
        bump_data_version()
        assert current_data_version().version == first.version + 6
        db.session.rollback()
