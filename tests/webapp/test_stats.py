"""Grouped counts (numpy over the point cache) equal SQL over the rows themselves."""

from __future__ import annotations

import collections
import datetime as dt

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.store.models import Report
from webapp.store.queries import ReportFilters, apply_filters
from webapp.store.stats import area_totals, grouped_counts, public_count
from webapp.store.versioning import bump_data_version


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


def _sql_counts(filters: ReportFilters) -> dict:
    """The reference: a SQL GROUP BY under the API's own SQL filters."""
    stmt = apply_filters(select(Report.area, Report.kind, Report.category, func.count(Report.id))
                         .where(Report.status == "published"), filters)
    stmt = stmt.group_by(Report.area, Report.kind, Report.category)
    return {(a, k, c): n for a, k, c, n in db.session.execute(stmt)}


@pytest.mark.parametrize("filters", [
    ReportFilters(),
    ReportFilters(kind="challenge"),
    ReportFilters(categories=("housing", "water", "legal-aid")),
    ReportFilters(area="silwan"),
    ReportFilters(since=dt.date(2025, 6, 1)),
    ReportFilters(until=dt.date(2025, 6, 1)),
    ReportFilters(since=dt.date(2025, 1, 1), until=dt.date(2025, 12, 31), kind="initiative"),
    ReportFilters(bbox=(35.22, 31.76, 35.25, 31.79)),
    ReportFilters(q="demo"),
    ReportFilters(area="no-such-area"),
], ids=lambda f: ",".join(k for k, _v in f.to_args()) or "none")
def test_grouped_counts_equal_sql_under_every_filter(app, runner, filters):
    assert runner.invoke(args=["demo", "load", "--count", "150", "--seed", "9"]).exit_code == 0
    with app.app_context():
        # An unpublished report and one without a date: neither may change the counts wrongly.
        report = db.session.scalars(select(Report).where(Report.status == "published")).first()
        report.observed_on = None
        db.session.scalars(select(Report).where(Report.status == "published")).all()[1].status = "rejected"
        bump_data_version()
        db.session.commit()
        frame = grouped_counts(filters)
        got = {(r.area, r.kind, r.category): r.count for r in frame.itertuples()}
        assert got == _sql_counts(filters)
        if filters.area != "no-such-area":
            assert got, "a filter the demo data never matches tests nothing"
        assert list(frame.columns) == ["area", "kind", "category", "count"]
