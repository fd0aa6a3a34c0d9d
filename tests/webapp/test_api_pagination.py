"""Cursor pagination of GET /api/v1/reports: every report exactly once; a cursor is an id, strictly parsed."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.store.models import Report


def published_ids(app, *where) -> list[int]:
    with app.app_context():
        return sorted(db.session.scalars(select(Report.id).where(Report.status == "published", *where)),
                      reverse=True)


def walk(client, url: str) -> tuple[list[int], int]:
    """Follow ``next`` from ``url``; return every id seen (in order) and the number of pages."""
    ids: list[int] = []
    pages = 0
    matched = set()
    while url:
        resp = client.get(url)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        data = resp.get_json()
        pages += 1
        ids.extend(f["id"] for f in data["features"])
        url = data.get("next")
        assert data["truncated"] is bool(url) and data["count"] == len(data["features"])
        assert data["numberReturned"] == len(data["features"])
        matched.add(data["numberMatched"])
        if url:
            assert resp.headers["Link"] == f'<{url}>; rel="next"'
            assert url.startswith("http://localhost/api/v1/reports?")
        else:
            assert "Link" not in resp.headers
        assert pages < 1000, "next links must end"
    # Every page states the whole number of matches (pages before ``url`` included): what GDAL
    # and QGIS read to page on.
    assert len(matched) == 1 and matched.pop() >= len(ids)
    return ids, pages


def load_demo(app, count: int, make_report) -> None:
    from webapp.cli.demo import load_demo as load

    with app.app_context():
        load(count, 11)
    make_report(publish=False, title="Pending")  # must never appear


def test_pages_cover_every_report_exactly_once(app, client, make_report):
    load_demo(app, 1234, make_report)
    ids, pages = walk(client, "/api/v1/reports?limit=100")
    expected = published_ids(app)
    assert len(expected) == 1234 and pages == 13
    assert ids == expected  # each once, newest first, nothing else
    assert len(set(ids)) == len(ids)
    # The default page and the largest one.
    first = client.get("/api/v1/reports").get_json()
    assert first["limit"] == 500 and first["count"] == 500 and first["truncated"] is True
    assert first["numberMatched"] == 1234 and first["numberReturned"] == 500
    assert "limit=" not in first["next"]
    assert walk(client, "/api/v1/reports")[0] == expected
    whole = client.get("/api/v1/reports?limit=5000").get_json()
    assert whole["count"] == 1234 and whole["truncated"] is False and "next" not in whole


def test_next_keeps_the_filters(app, client, make_report):
    load_demo(app, 150, make_report)
    ids, _ = walk(client, "/api/v1/reports?kind=initiative&limit=7")
    assert ids == published_ids(app, Report.kind == "initiative")
    first = client.get("/api/v1/reports?kind=challenge&category=housing,water&limit=2").get_json()
    query = parse_qs(urlsplit(first["next"]).query)
    assert query["kind"] == ["challenge"] and query["category"] == ["housing,water"]
    assert query["limit"] == ["2"] and len(query["cursor"]) == 1
    ids, _ = walk(client, "/api/v1/reports?kind=challenge&category=housing,water&limit=2")
    assert ids == published_ids(app, Report.kind == "challenge", Report.category.in_(["housing", "water"]))


def test_report_published_between_pages_shifts_nothing(client, make_report):
    older = [make_report(title=f"Report {i}") for i in range(5)]
    page1 = client.get("/api/v1/reports?limit=2").get_json()
    newer = make_report(title="Published meanwhile")
    ids, _ = walk(client, page1["next"])
    seen = [f["id"] for f in page1["features"]] + ids
    assert seen == sorted(older, reverse=True) and newer not in seen


@pytest.mark.parametrize("cursor", [
    "", "0", "-1", "+3", "03", "1.0", "0.0", "3 ", "1 OR 1=1", "MTIz", "MTIz.abc", "١٢٣", "True",
    str(2**31), "9" * 300,
])
def test_malformed_cursor_is_400(client, make_report, cursor):
    for i in range(3):
        make_report(title=f"Report {i}")
    resp = client.get("/api/v1/reports", query_string={"cursor": cursor})
    assert resp.status_code == 400 and resp.get_json()["parameter"] == "cursor"


def test_any_id_is_a_cursor(client, make_report):
    """The document's cursor (an integer 1..2^31-1) is exactly what the server accepts."""
    ids = [make_report(title=f"Report {i}") for i in range(3)]
    page = client.get("/api/v1/reports?limit=1").get_json()
    assert parse_qs(urlsplit(page["next"]).query)["cursor"] == [str(ids[-1])]
    below = client.get(f"/api/v1/reports?cursor={ids[1]}").get_json()
    assert [f["id"] for f in below["features"]] == [ids[0]]
    for cursor in ("1", str(2**31 - 1)):
        assert client.get(f"/api/v1/reports?cursor={cursor}").status_code == 200
        assert client.get(f"/api/v1/organizations?cursor={cursor}").status_code == 200


def test_repeated_cursor_is_400(client):
    resp = client.get("/api/v1/reports?cursor=a&cursor=b")
    assert resp.status_code == 400 and resp.get_json()["parameter"] == "cursor"
