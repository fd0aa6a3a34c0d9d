"""The embedded database: created by migrations on start, WAL mode, no IP addresses."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from sqlalchemy import inspect

from tests.conftest import SILWAN
from webapp.extensions import db
from webapp.store.models import AuditEvent, Report
from webapp.web.logs import NoAddressFilter, scrub


@pytest.mark.sqlite_only
def test_start_creates_database_in_wal_mode(app):
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        version = con.execute("SELECT version_num FROM alembic_version").fetchone()
    assert version


def test_no_column_can_hold_an_ip_address(app):
    with app.app_context():
        names = {c["name"].lower() for t in inspect(db.engine).get_table_names()
                 for c in inspect(db.engine).get_columns(t)}
    assert not {n for n in names if "ip" in n.split("_") or "addr" in n or "remote" in n}


def test_report_gets_area_and_offset_public_point(app, make_report):
    rid = make_report(precision="approximate")
    with app.app_context():
        report = db.session.get(Report, rid)
        assert report.area == "silwan"
        assert (report.public_lon, report.public_lat) != SILWAN
        assert [e.action for e in report.events] == ["create", "publish"]
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == 2


def test_access_log_has_no_ip_address(caplog):
    logger = logging.getLogger("werkzeug")
    logger.addFilter(NoAddressFilter())
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logger.info('203.0.113.9 - - [25/Nov/2026 10:00:00] "GET / HTTP/1.1" 200 -')
        logger.info('%s - - "GET /x"', "2001:db8::1")
    assert "203.0.113.9" not in caplog.text and "2001:db8::1" not in caplog.text
    assert scrub("::1 and 127.0.0.1") == "- and -"


def test_scrub_keeps_log_times():
    assert scrub('203.0.113.9 - - [25/Nov/2026 10:00:00] "GET /"') == '- - - [25/Nov/2026 10:00:00] "GET /"'
    assert scrub("fe80:0:0:0:0:0:0:1 and ::ffff:10.0.0.1") == "- and -"
