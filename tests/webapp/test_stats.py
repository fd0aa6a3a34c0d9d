"""Counts from SQL equal counts computed from the rows themselves."""

from __future__ import annotations

import collections

from webapp.extensions import db
from webapp.models import Report
from webapp.queries import ReportFilters
from webapp.stats import area_totals, grouped_counts, public_count


def test_grouped_counts_match_rows(app, runner):
    assert runner.invoke(args=["demo", "load", "--count", "120", "--seed", "5"]).exit_code == 0
    with app.app_context():
        rows = db.session.scalars(db.select(Report).where(Report.status == "published")).all()
        expected = collections.Counter((r.area, r.kind, r.category) for r in rows)
        frame = grouped_counts()
        got = {(r.area, r.kind, r.category): r.count for r in frame.itertuples()}
        assert got == dict(expected)
        totals = area_totals(frame)
        for area, entry in totals.items():
            assert entry["challenge"] == sum(1 for r in rows if r.area == area and r.kind == "challenge")
        only = grouped_counts(ReportFilters(kind="initiative"))
        assert set(only["kind"]) <= {"initiative"}
        assert only["count"].sum() == sum(1 for r in rows if r.kind == "initiative")


def test_pending_reports_are_not_counted(app, make_report):
    make_report(publish=False)
    make_report(publish=True)
    with app.app_context():
        assert grouped_counts()["count"].sum() == 1


def test_suppression_setting(app):
    with app.app_context():
        assert public_count(2) == 2
        app.config["MIN_PUBLIC_COUNT"] = 3
        assert public_count(2) == "<3"
        assert public_count(0) == 0
        assert public_count(3) == 3
