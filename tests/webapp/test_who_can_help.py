""""Who can help" on challenge and area pages: published organizations and initiatives on the same
category, nearest first, with their public contact and a request-to-connect link.

Organizations are created directly through the models (their forms belong to another feature).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from tests.webapp.test_networking import point_in
from webapp.extensions import db
from webapp.store import whocanhelp as networking
from webapp.store.models import Report


@pytest.fixture
def world(app, make_report, make_org):
    """A housing challenge in at-tur; who works on housing here, in Silwan, in Shuafat; who does not."""
    def at(slug, **fields):
        lon, lat = point_in(app, slug)
        return make_report(lon=lon, lat=lat, **fields)

    ids = {
        "challenge": at("at-tur", title="Demolition orders in at-Tur"),
        "here": make_org("Tur Housing Committee", ["at-tur"], ["housing"], website="https://tur.example.org/",
                         public_phone="+970 2 000 0000"),
        "silwan": make_org("Silwan Legal Aid", ["silwan"], ["housing", "water"],
                           public_email="contact@silwan.example.org"),
        "far": make_org("Shuafat Housing", ["shuafat"], ["housing"]),
        "pending": make_org("Pending Housing Org", ["at-tur"], ["housing"], status="pending"),
        "other_topic": make_org("Water Only Org", ["at-tur"], ["water"]),
        "initiative": at("beit-hanina", kind="initiative", category="legal-aid",
                         title="Beit Hanina housing desk", addressed_categories=["housing"],
                         link="https://desk.example.org/"),
        "hidden_initiative": at("silwan", kind="initiative", category="legal-aid", publish=False,
                                title="Unpublished housing desk", addressed_categories=["housing"]),
        "javascript_link": make_org("Bad Link Org", ["jabal-al-mukabbir"], ["housing"],
                                    website="javascript:alert(1)"),
    }
    return ids


def _helpers(html: str) -> list[tuple[str, int]]:
    section = html.split('id="who-can-help"', 1)[1].split("</section>", 1)[0]
    pairs = re.findall(r'data-kind="(organization|initiative)" data-id="(\d+)"', section)
    return [(k, int(i)) for k, i in pairs]


def test_challenge_page_lists_who_can_help_nearest_first(client, world):
    html = client.get(f"/reports/{world['challenge']}?lang=en").get_data(as_text=True)
    found = _helpers(html)
    orgs = [i for k, i in found if k == "organization"]
    assert orgs[0] == world["here"]  # serves the challenge's own area
    assert set(orgs) == {world["here"], world["silwan"], world["far"], world["javascript_link"]}
    assert ("initiative", world["initiative"]) in found
    for hidden in ("pending", "other_topic"):
        assert world[hidden] not in orgs
    assert ("initiative", world["hidden_initiative"]) not in found
    # Silwan and Jabal al-Mukabbir are nearer to at-Tur than Shuafat.
    assert orgs.index(world["silwan"]) < orgs.index(world["far"])
    assert 'data-organizations="4"' in html and 'data-initiatives="1"' in html
    # How to reach them: only their public channels, and a request-to-connect link.
    assert 'href="https://tur.example.org/"' in html and "+970 2 000 0000" in html
    assert "mailto:contact@silwan.example.org" in html and 'href="https://desk.example.org/"' in html
    assert "javascript:alert" not in html
    assert f'href="/connect/organization/{world["silwan"]}"' in html
    assert f'href="/connect/initiative/{world["initiative"]}"' in html
    assert "Works in this area" in html and " km away" in html


def test_area_page_lists_who_can_help_for_its_challenges(client, world):
    html = client.get("/areas/at-tur?lang=en").get_data(as_text=True)
    found = _helpers(html)
    assert found[0] == ("organization", world["here"])
    assert ("organization", world["silwan"]) in found and ("initiative", world["initiative"]) in found
    assert ("organization", world["pending"]) not in found
    # An area whose challenges nobody works on says so.
    empty = client.get("/areas/sur-bahir?lang=en").get_data(as_text=True)
    assert _helpers(empty) == [] and "No organization or initiative works on this challenge yet." in empty


def test_arabic_page_shows_arabic_names(client, world):
    html = client.get(f"/reports/{world['challenge']}?lang=ar").get_data(as_text=True)
    assert "Tur Housing Committee بالعربية" in html and "من يستطيع المساعدة" in html


def test_limit_and_counts(app, make_org):
    with app.app_context():
        for i in range(14):
            make_org(f"Org {i}", ["silwan"], ["housing"])
        found = networking.who_can_help(["housing"], (35.2389, 31.7698), area="silwan", limit=10)
        assert len(found.helpers) == 10 and found.organizations_total == 14 and found.more == 4
        assert all(h.here and h.distance_m == 0 for h in found.helpers)
        assert networking.who_can_help([], (35.2, 31.7)).helpers == []


def test_query_count_does_not_grow_with_the_data(app, runner, make_org):
    make_org("Some org", ["silwan", "at-tur"], ["housing", "water", "education"])

    def statements():
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            found = networking.who_can_help(["housing", "water", "education"], (35.2389, 31.7698),
                                            area="silwan")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen), found

    assert runner.invoke(args=["demo", "load", "--count", "60", "--seed", "1"]).exit_code == 0
    with app.app_context():
        small, found = statements()
        assert found.helpers
    assert runner.invoke(args=["demo", "load", "--count", "600", "--seed", "2"]).exit_code == 0
    with app.app_context():
        large, found = statements()
        assert large == small <= 9
        initiatives = [h for h in found.helpers if h.report is not None]
        assert initiatives and all(isinstance(h.report, Report) and h.report.status == "published"
                                   for h in initiatives)
