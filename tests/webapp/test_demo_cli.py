"""``flask demo load`` / ``flask demo clear``: labelled synthetic reports, removable without a trace."""

from __future__ import annotations

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.store.models import AddressedCategory, AuditEvent, Report, report_addresses


def count(app, *where, model=Report):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_is_not_loaded_by_default(app):
    assert count(app, Report.is_demo.is_(True)) == 0


def test_load_and_clear(app, runner, make_report):
    real = make_report(title="A real report")
    real_initiative = make_report(kind="initiative", category="legal-aid", title="Real initiative")

    result = runner.invoke(args=["demo", "load", "--count", "50", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "50 demo reports" in result.output
    assert count(app, Report.is_demo.is_(True)) == 50
    assert count(app, Report.is_demo.is_(True), Report.status == "published") == 50
    assert count(app, Report.is_demo.is_(True), Report.area.is_(None)) == 0
    assert count(app, Report.is_demo.is_(True), Report.published_at.is_(None)) == 0
    # Some are settled or under way, so the demo map shows faded markers and the state filter works.
    assert count(app, Report.is_demo.is_(True), Report.lifecycle == "resolved") > 0
    assert count(app, Report.is_demo.is_(True), Report.kind == "initiative",
                 Report.lifecycle.in_(("paused", "ended"))) > 0
    assert count(app, Report.kind == "initiative", Report.lifecycle.in_(("reported", "resolved"))) == 0
    with app.app_context():
        demo = db.session.scalars(select(Report).where(Report.is_demo.is_(True))).all()
        assert {r.kind for r in demo} == {"challenge", "initiative"}
        assert all(r.title.startswith(("[DEMO]", "[تجريبي]")) for r in demo)
        assert len({r.precision for r in demo}) > 1
        assert any(r.addresses for r in demo)
        # A real initiative may name a demo challenge: clearing must drop that link too.
        ini = db.session.get(Report, real_initiative)
        ini.addresses = [next(r for r in demo if r.kind == "challenge")]
        db.session.commit()

    result = runner.invoke(args=["demo", "clear"])
    assert result.exit_code == 0, result.output
    assert "removed 50" in result.output
    assert count(app, Report.is_demo.is_(True)) == 0
    assert count(app) == 2
    assert count(app, Report.id == real) == 1
    with app.app_context():
        demo_events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.report_id.not_in([real, real_initiative])))
        assert demo_events == 0
        assert db.session.scalar(select(func.count()).select_from(report_addresses)) == 0
        assert db.session.scalar(select(func.count()).select_from(AddressedCategory)) == 0
        assert db.session.get(Report, real_initiative).addresses == []


def test_load_without_seed_and_clear_when_empty(app, runner):
    result = runner.invoke(args=["demo", "load", "--count", "3"])
    assert result.exit_code == 0, result.output
    assert count(app, Report.is_demo.is_(True)) == 3
    assert runner.invoke(args=["demo", "clear"]).exit_code == 0
    assert "removed 0" in runner.invoke(args=["demo", "clear"]).output


def test_bad_count_is_refused(runner):
    result = runner.invoke(args=["demo", "load", "--count", "0"])
    assert result.exit_code != 0


def test_demo_reports_carry_structured_fields_shown_on_their_pages(app, runner, client):
    assert runner.invoke(args=["demo", "load", "--count", "60", "--seed", "4"]).exit_code == 0
    with app.app_context():
        housing = db.session.scalars(db.select(Report).where(
            Report.category == "housing", Report.kind == "challenge")).all()
        filled = [r for r in housing if r.fields.get("people_displaced")]
        assert filled and all(r.is_demo for r in housing)
        report = filled[0]
        rid, people = report.id, report.fields["people_displaced"]
    page = client.get(f"/reports/{rid}?lang=en").get_data(as_text=True)
    assert f"{people:,} people" in page and "Demo" in page
