"""webapp.store.whocanhelp: other areas facing the same challenge, and the initiatives that answer it.

Expected values are computed independently, from the report rows themselves in Python.
"""

from __future__ import annotations

import collections

import pytest
from sqlalchemy import event

from webapp.extensions import db
from webapp.store import whocanhelp as networking
from webapp.store.models import Report


def point_in(app, slug: str) -> tuple[float, float]:
    """A point well inside the area's polygon."""
    from webapp.store.layers import get_layers

    with app.app_context():
        areas = get_layers().areas
        geom = areas.loc[areas["slug"] == slug].geometry.iloc[0].representative_point()
        return round(geom.x, 6), round(geom.y, 6)


@pytest.fixture
def at(app, make_report):
    """``at("at-tur", kind=..., ...)``: a report in the named area (published unless told)."""

    def make(slug, **fields):
        lon, lat = point_in(app, slug)
        rid = make_report(lon=lon, lat=lat, **fields)
        with app.app_context():
            assert db.session.get(Report, rid).area == slug
        return rid
    return make


def _reject(app, make_user, rid):
    from webapp.store.models import User
    from webapp.store.reporting import change_status

    user_id = make_user("mod@example.org", "moderator staple battery", "admin")
    with app.app_context():
        change_status(db.session.get(Report, rid), "reject", db.session.get(User, user_id), "test")


def test_areas_facing_counts_published_challenges_elsewhere(app, at):
    at("silwan")
    at("at-tur")
    at("at-tur")
    at("ras-al-amud")
    at("beit-hanina", publish=False)  # pending: not public
    at("jabal-al-mukabbir", kind="initiative", category="legal-aid")  # an initiative is no challenge
    at("jabal-al-mukabbir", category="education")  # another category
    with app.app_context():
        got = networking.areas_facing(["housing"], exclude="silwan")
        expected = [networking.AreaCount("at-tur", 2), networking.AreaCount("ras-al-amud", 1)]
        assert got == {"housing": (expected, 2)}
        capped = networking.areas_facing(["housing", "health"], exclude="silwan", limit=1)
        assert capped["housing"] == ([networking.AreaCount("at-tur", 2)], 2)
        assert capped["health"] == ([], 0)
        assert networking.areas_facing([]) == {}


def test_initiatives_addressing_named_and_whole_category(app, at, make_user):
    silwan = at("silwan", title="Silwan demolitions")
    at("at-tur")  # at-Tur faces housing too
    whole = at("at-tur", kind="initiative", category="legal-aid", title="At-Tur legal clinic",
               addressed_categories=["housing"])
    named = at("beit-hanina", kind="initiative", category="advocacy", title="Names Silwan",
               addresses=[silwan])
    both = at("ras-al-amud", kind="initiative", category="legal-aid", title="Both ways",
              addresses=[silwan], addressed_categories=["housing"])
    # Not returned: located in Silwan itself, pending, addressing another category, or naming
    # a challenge that is no longer published.
    at("silwan", kind="initiative", category="legal-aid", addressed_categories=["housing"])
    at("at-tur", kind="initiative", category="legal-aid", addressed_categories=["housing"], publish=False)
    at("at-tur", kind="initiative", category="education", addressed_categories=["education"])
    hidden = at("jabal-al-mukabbir", title="Rejected housing challenge")
    at("jabal-al-mukabbir", kind="initiative", category="advocacy", addresses=[hidden])
    _reject(app, make_user, hidden)
    with app.app_context():
        shown, total = networking.initiatives_addressing(["housing"], exclude_area="silwan")["housing"]
        got = [(i.report.id, i.named, i.whole_category, i.in_facing_area) for i in shown]
        # at-Tur (which faces housing itself) first, then the newest.
        assert got == [(whole, False, True, True), (both, True, True, False), (named, True, False, False)]
        assert total == 3
        shown, total = networking.initiatives_addressing(["housing"], exclude_area="silwan",
                                                         limit=1)["housing"]
        assert [i.report.id for i in shown] == [whole] and total == 3
        assert networking.initiatives_addressing(["health"])["health"] == ([], 0)


def test_same_challenge_elsewhere_joins_both(app, at):
    at("silwan")
    at("silwan", category="water")
    at("silwan", category="water")
    at("at-tur")
    initiative = at("at-tur", kind="initiative", category="legal-aid", addressed_categories=["housing"])
    with app.app_context():
        assert networking.challenge_categories("silwan") == ["water", "housing"]
        nets = networking.same_challenge_elsewhere("silwan")
        assert [n.category for n in nets] == ["water", "housing"]
        water, housing = nets
        assert (water.areas, water.areas_total, water.initiatives, water.initiatives_total) == ([], 0, [], 0)
        assert housing.areas == [networking.AreaCount("at-tur", 1)]
        assert [i.report.id for i in housing.initiatives] == [initiative]
        assert networking.same_challenge_elsewhere("abu-dis") == []


def test_matches_a_python_computation_on_demo_data(app, runner):
    assert runner.invoke(args=["demo", "load", "--count", "400", "--seed", "12"]).exit_code == 0
    with app.app_context():
        rows = db.session.scalars(db.select(Report).where(Report.status == "published")).all()
        challenges = [r for r in rows if r.kind == "challenge"]
        by_area = collections.Counter((r.area, r.category) for r in challenges)
        busiest = collections.Counter(r.area for r in challenges).most_common(3)
        for area, _n in busiest:
            cats = sorted({c for (a, c) in by_area if a == area})
            nets = networking.same_challenge_elsewhere(area, cats, area_limit=1000, initiative_limit=1000)
            for net in nets:
                expected_areas = {a: n for (a, c), n in by_area.items() if c == net.category and a != area}
                assert {a.slug: a.count for a in net.areas} == expected_areas
                assert net.areas_total == len(expected_areas)
                expected = {
                    r.id for r in rows if r.kind == "initiative" and r.area != area and (
                        net.category in {a.category for a in r.addressed_categories}
                        or any(c.status == "published" and c.category == net.category for c in r.addresses))}
                assert {i.report.id for i in net.initiatives} == expected
                assert net.initiatives_total == len(expected)
                facing_areas = set(expected_areas)
                flags = [i.in_facing_area for i in net.initiatives]
                assert flags == sorted(flags, reverse=True)  # those in facing areas first
                assert all(i.in_facing_area == (i.report.area in facing_areas) for i in net.initiatives)


def test_query_count_does_not_grow_with_the_data(app, runner):
    """A fixed number of statements, whatever the number of reports."""
    def statements(area):
        from webapp.store.stats import grouped_counts

        grouped_counts()  # the point cache loads (or refreshes) once per data version: not counted
        seen = []
        engine = db.engine
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            networking.same_challenge_elsewhere(area)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    assert runner.invoke(args=["demo", "load", "--count", "60", "--seed", "1"]).exit_code == 0
    with app.app_context():
        area = collections.Counter(db.session.scalars(
            db.select(Report.area).where(Report.kind == "challenge")).all()).most_common(1)[0][0]
        # the data version, initiatives, and the two relations public_dict reads (the counts
        # come from the in-memory point cache).
        assert statements(area) <= 5
    assert runner.invoke(args=["demo", "load", "--count", "600", "--seed", "2"]).exit_code == 0
    with app.app_context():
        assert statements(area) <= 5
