"""Atom feeds /feed.atom and /areas/<slug>/feed.atom: valid, published only, escaped, public fields only."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import SILWAN
from tests.webapp.coordinates import exact_coordinates_in

A = "{http://www.w3.org/2005/Atom}"
GEORSS = "{http://www.georss.org/georss}"
XSS = "<script>alert(1)</script>"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def fetch(client, path):
    resp = client.get(path)
    assert resp.status_code == 200, resp.status_code
    assert resp.content_type == "application/atom+xml; charset=utf-8"
    assert resp.data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return resp.data, ET.fromstring(resp.data)  # noqa: S314 - our own output, parsed to check it


def entries(root) -> list[dict]:
    out = []
    for e in root.findall(f"{A}entry"):
        out.append({
            "id": e.findtext(f"{A}id"), "title": e.findtext(f"{A}title"),
            "updated": e.findtext(f"{A}updated"),
            "link": e.find(f"{A}link").get("href"), "summary": e.findtext(f"{A}summary"),
            "author": e.findtext(f"{A}author/{A}name"),
            "categories": [(c.get("term"), c.get("label")) for c in e.findall(f"{A}category")],
            "point": e.findtext(f"{GEORSS}point"),
        })
    return out


def check_atom(root):
    """The parts of RFC 4287 a feed reader relies on."""
    assert root.tag == f"{A}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") in ("ar", "en")
    for name in ("id", "title", "updated"):
        assert root.findtext(f"{A}{name}"), name
    assert RFC3339.match(root.findtext(f"{A}updated"))
    assert root.find(f"{A}link[@rel='self']").get("type") == "application/atom+xml"
    assert root.findtext(f"{A}author/{A}name") == "Ahya"
    for e in root.findall(f"{A}entry"):
        for name in ("id", "title", "updated", "summary"):
            assert e.find(f"{A}{name}") is not None, name
        assert RFC3339.match(e.findtext(f"{A}updated"))
        assert e.find(f"{A}link[@rel='alternate']").get("href").startswith("http://localhost/reports/")
        assert e.findtext(f"{A}author/{A}name")


def test_city_feed_has_only_published_reports_newest_first(app, client, make_report, make_user):
    from webapp.extensions import db
    from webapp.store.models import Report, User
    from webapp.store.reporting import change_status

    first = make_report(title="First", organization="Silwan committee")
    second = make_report(kind="initiative", category="legal-aid", title="Second", lon=35.2137, lat=31.7683)
    make_report(title="Pending", publish=False)
    rejected = make_report(title="Rejected")
    with app.app_context():
        user = db.session.get(User, make_user(role="admin"))
        change_status(db.session.get(Report, rejected), "reject", user, "no")
        # Publication times decide the order; make them distinct whatever the clock's resolution.
        db.session.get(Report, first).published_at = dt.datetime(2026, 1, 1, 10, 0, 0)
        db.session.get(Report, second).published_at = dt.datetime(2026, 1, 2, 9, 30, 15)
        db.session.commit()
    raw, root = fetch(client, "/feed.atom?lang=en")
    check_atom(root)
    got = entries(root)
    assert [e["title"] for e in got] == ["Second", "First"]
    assert b"Pending" not in raw and b"Rejected" not in raw
    assert root.findtext(f"{A}updated") == "2026-01-02T09:30:15Z" == got[0]["updated"]
    assert got[0]["id"] == got[0]["link"] == f"http://localhost/reports/{second}"
    assert got[1]["author"] == "Silwan committee" and got[0]["author"] == "Ahya"
    assert got[1]["categories"] == [("challenge", "Challenge"), ("housing", "Housing & demolitions")]
    assert got[1]["summary"] == "Silwan — Three homes received orders."
    assert root.find(f"{A}link[@rel='alternate']").get("href") == "http://localhost/"


def test_feed_size_is_capped(client, runner):
    assert runner.invoke(args=["demo", "load", "--count", "70", "--seed", "3"]).exit_code == 0
    _raw, root = fetch(client, "/feed.atom")
    check_atom(root)
    assert len(root.findall(f"{A}entry")) == 50


def test_area_feed_has_only_the_area(app, client, make_report):
    here = make_report(title="In Silwan")
    make_report(title="Elsewhere", lon=35.2137, lat=31.7683)
    _raw, root = fetch(client, "/areas/silwan/feed.atom")
    check_atom(root)
    assert [e["title"] for e in entries(root)] == ["In Silwan"]
    assert entries(root)[0]["link"].endswith(f"/reports/{here}")
    assert "سلوان" in root.findtext(f"{A}title")  # Arabic by default
    assert root.find(f"{A}link[@rel='alternate']").get("href") == "http://localhost/areas/silwan"
    # A place without reports (or without a polygon) still has a valid, empty feed.
    _raw, empty = fetch(client, "/areas/abu-dis/feed.atom")
    check_atom(empty)
    assert empty.findall(f"{A}entry") == []
    assert client.get("/areas/nowhere/feed.atom").status_code == 404


def test_text_is_escaped_and_control_characters_dropped(client, make_report):
    make_report(title=f"{XSS} & \x07bell", description=f"<b>bold</b> {XSS}\x1b", organization="<i>Org</i>")
    raw, root = fetch(client, "/feed.atom")
    assert b"<script>" not in raw and b"<b>" not in raw and b"<i>" not in raw
    assert b"&lt;script&gt;" in raw
    entry = entries(root)[0]
    assert entry["title"] == f"{XSS} & bell"
    assert entry["summary"].endswith(f"<b>bold</b> {XSS}")
    assert entry["author"] == "<i>Org</i>"


def test_demo_reports_are_flagged_once(client, make_report, runner):
    make_report(title="Synthetic without prefix", is_demo=True)
    make_report(title="[DEMO] Already flagged", is_demo=True)
    make_report(title="Real report")
    titles = [e["title"] for e in entries(fetch(client, "/feed.atom?lang=en")[1])]
    assert titles == ["Real report", "[DEMO] Already flagged", "[Demo] Synthetic without prefix"]
    ar = [e["title"] for e in entries(fetch(client, "/feed.atom?lang=ar")[1])]
    assert ar[2] == "[تجريبي] Synthetic without prefix"


def test_private_fields_never_appear(app, client, make_report):
    from webapp.extensions import db
    from webapp.store.models import Report

    rid = make_report(contact="secret-phone-0501234567", precision="approximate")
    raw, root = fetch(client, "/feed.atom")
    assert b"secret-phone" not in raw
    with app.app_context():
        report = db.session.get(Report, rid)
        assert report.privacy_seed.encode() not in raw
        lat, lon = (float(v) for v in entries(root)[0]["point"].split())
        assert (lat, lon) == pytest.approx((report.public_lat, report.public_lon), abs=1e-6)
        public = (report.public_lon, report.public_lat)
    assert exact_coordinates_in(raw.decode(), SILWAN, public) == []  # the exact point, as numbers


def test_summary_is_the_shared_excerpt(client, make_report):
    """The feed cuts a long description with geo.drawing.excerpt.excerpt, the map popups' rule."""
    from geo.drawing.excerpt import excerpt

    long = "كلمة " * 30 + "\n\n" + "word " * 100
    make_report(description=long, area="silwan")
    _, root = fetch(client, "/feed.atom")
    summary = entries(root)[0]["summary"]
    assert summary.endswith(excerpt(long)) and summary.endswith("…")
    assert "\n" not in summary and len(excerpt(long)) <= 201
