"""Structured fields in the store: stored as typed JSON, cleaned once with messages in Arabic and
English, summed in SQL, and only public ones in ``public_dict``."""

from __future__ import annotations

from sqlalchemy import func, select, text

from webapp.extensions import db
from webapp.store.models import Report
from webapp.store.report_fields import clean_fields, display_fields, field_number, public_fields
from webapp.store.reporting import public_dict, update_report

MARKER = "PRIVATE-CASE-7731"


def test_values_are_stored_typed_and_only_public_ones_are_published(app, make_report):
    with app.test_request_context("/?lang=en"):
        values, errors = clean_fields("challenge", "housing", {
            "structures": "2", "people_displaced": "9", "children_displaced": "4",
            "demolished_by": "authorities", "order_date": "2024-03-01", "case_number": MARKER})
    assert errors == {}
    rid = make_report(fields=values)
    with app.app_context():
        db.session.expire_all()
        report = db.session.get(Report, rid)
        assert report.fields == {"structures": 2, "people_displaced": 9, "children_displaced": 4,
                                 "demolished_by": "authorities", "order_date": "2024-03-01",
                                 "case_number": MARKER}
        data = public_dict(report)
        assert data["fields"] == public_fields(report)
        assert data["fields"]["people_displaced"] == 9 and "case_number" not in data["fields"]
        assert MARKER not in repr(data)
    with app.test_request_context("/?lang=ar"):
        shown = display_fields("challenge", "housing", report.fields, "ar")
    assert {"id": "people_displaced", "label": "الأشخاص المهجّرون", "value": "9 أشخاص"} in shown
    assert all(item["id"] != "case_number" for item in shown)


def test_a_report_without_fields_has_an_empty_object(app, make_report):
    rid = make_report()
    with app.app_context():
        assert db.session.get(Report, rid).fields == {}
        # Rows written before the column existed (or by raw SQL) get the server default.
        db.session.execute(text("UPDATE reports SET fields = DEFAULT WHERE id = :id")
                           if db.engine.dialect.name == "postgresql" else
                           text("SELECT 1"), {"id": rid})
        assert public_dict(db.session.get(Report, rid))["fields"] == {}


def test_messages_are_in_the_readers_language(app):
    raw = {"people_displaced": "3", "children_displaced": "5", "structures": "-2", "stage": "gone",
           "order_date": "31/02/2024", "nonsense": "1"}
    with app.test_request_context("/?lang=en"):
        values, en = clean_fields("challenge", "housing", raw)
    with app.test_request_context("/?lang=ar"):
        _values, ar = clean_fields("challenge", "housing", raw)
    assert values == {"people_displaced": 3}
    assert en == {"children_displaced": "This cannot be more than “People displaced”.",
                  "structures": "Enter a number from 0 to 1,000,000.",
                  "stage": "Choose from the list.",
                  "order_date": "Enter a date as YYYY-MM-DD or DD/MM/YYYY.",
                  "nonsense": "This category has no such field."}
    assert set(ar) == set(en)
    assert "الأشخاص المهجّرون" in ar["children_displaced"]
    assert all(ar[k] != en[k] for k in en), "every message has an Arabic translation"
    with app.test_request_context("/?lang=en"):
        assert clean_fields("challenge", "housing", {"nonsense": "1"}, unknown="ignore") == ({}, {})
        assert clean_fields("challenge", "other", {}) == ({}, {})


def test_numeric_fields_sum_in_sql(app, make_report):
    make_report(fields={"people_displaced": 7, "structures": 1})
    make_report(fields={"people_displaced": 5})
    make_report(fields={})
    make_report(category="water", fields={"households_affected": 30})
    with app.app_context():
        total = db.session.scalar(select(func.sum(field_number("people_displaced")))
                                  .where(Report.category == "housing"))
        counted = db.session.scalar(select(func.count(Report.id))
                                    .where(field_number("people_displaced") > 6))
    assert total == 12 and counted == 1


def test_moving_to_another_category_drops_the_old_fields(app, make_report):
    rid = make_report(fields={"people_displaced": 7, "case_number": MARKER})
    with app.app_context():
        report = db.session.get(Report, rid)
        changed = update_report(report, {"category": "water"}, user=None)
        assert changed == ["category", "fields"]
        assert db.session.get(Report, rid).fields == {}
        changed = update_report(report, {"fields": {"households_affected": 3}}, user=None)
        assert changed == ["fields"]
        db.session.expire_all()
        assert db.session.get(Report, rid).fields == {"households_affected": 3}
