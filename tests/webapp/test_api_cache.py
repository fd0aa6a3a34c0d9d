"""ETag / Last-Modified / 304, the response cache and CORS on /api/v1."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, text

from webapp.api.cache import Entry, ResponseCache
from webapp.extensions import db
from webapp.state import app_state
from webapp.store.models import Report, User
from webapp.store.reporting import change_status

ENDPOINTS = ["/api/v1/reports", "/api/v1/categories", "/api/v1/openapi.json"]
PUBLIC = "public, max-age=0, must-revalidate"


@pytest.mark.parametrize("url", ENDPOINTS)
def test_validators_and_304(client, make_report, url):
    make_report()
    first = client.get(url)
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    assert first.headers["Cache-Control"] == PUBLIC
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == PUBLIC
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    for variant in (f"W/{etag}", f'"other", {etag}', "*"):
        assert client.get(url, headers={"If-None-Match": variant}).status_code == 304, variant
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_gzipped_etag_revalidates(client, make_report):
    for i in range(5):
        make_report(title=f"Report {i}")
    first = client.get("/api/v1/reports", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip" and first.headers["ETag"].endswith(':gzip"')
    again = client.get("/api/v1/reports", headers={"Accept-Encoding": "gzip",
                                                    "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]


def test_etag_changes_after_publish_so_nothing_stale_is_served(app, client, make_report, make_user):
    visible = make_report(title="Visible")
    pending = make_report(publish=False, title="Waiting")
    first = client.get("/api/v1/reports")
    assert [f["id"] for f in first.get_json()["features"]] == [visible]
    with app.app_context():
        user = db.session.get(User, make_user("mod@example.org", "long enough password", "admin"))
        change_status(db.session.get(Report, pending), "publish", user)
    after = client.get("/api/v1/reports", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    assert sorted(f["id"] for f in after.get_json()["features"]) == sorted([visible, pending])
    with app.app_context():
        user = db.session.get(User, make_user("mod2@example.org", "long enough password", "admin"))
        change_status(db.session.get(Report, pending), "archive", user)
    gone = client.get("/api/v1/reports", headers={"If-None-Match": after.headers["ETag"]})
    assert gone.status_code == 200 and [f["id"] for f in gone.get_json()["features"]] == [visible]


def test_if_modified_since(app, client, make_report):
    make_report()
    client.get("/api/v1/reports")  # the process start is recorded on the first API request
    with app.app_context():  # a change well in the past: the clock is past it
        db.session.execute(text("UPDATE data_version SET changed_at = :t"),
                           {"t": dt.datetime(2020, 5, 1, 12, 0, 0)})
        db.session.commit()
    app_state(app).api_started = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # ...pretend in 2020
    first = client.get("/api/v1/reports")
    assert first.headers["Last-Modified"] == "Fri, 01 May 2020 12:00:00 GMT"
    same = client.get("/api/v1/reports", headers={"If-Modified-Since": "Fri, 01 May 2020 12:00:00 GMT"})
    assert same.status_code == 304
    older = client.get("/api/v1/reports", headers={"If-Modified-Since": "Fri, 01 May 2020 11:59:59 GMT"})
    assert older.status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    both = client.get("/api/v1/reports", headers={"If-Modified-Since": "Fri, 01 May 2020 12:00:00 GMT",
                                                   "If-None-Match": '"stale"'})
    assert both.status_code == 200


def test_changes_within_one_second_get_distinct_last_modified(app, client, make_report, monkeypatch):
    # Both changes made in the same second, always: the data changed at 12:00:00 (set below)
    # and the second change's clock reads 12:00:00.4. Without the strictly increasing
    # changed_at both would share a Last-Modified, and a client revalidating by date would be
    # told "not modified" after the second change.
    changed = dt.datetime(2020, 5, 1, 12, 0, 0)
    make_report()
    client.get("/api/v1/reports")  # the process start is recorded on the first API request
    with app.app_context():
        db.session.execute(text("UPDATE data_version SET changed_at = :t"), {"t": changed})
        db.session.commit()
    app_state(app).api_started = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    one = client.get("/api/v1/reports").headers
    assert one["Last-Modified"] == "Fri, 01 May 2020 12:00:00 GMT"
    monkeypatch.setattr("webapp.store.versioning.utcnow", lambda: changed + dt.timedelta(milliseconds=400))
    make_report(title="Second")
    with app.app_context():
        stored = db.session.execute(text("SELECT changed_at FROM data_version")).scalar()
    assert stored is not None
    stored = dt.datetime.fromisoformat(str(stored)).replace(microsecond=0)
    assert stored == changed + dt.timedelta(seconds=1)
    two = client.get("/api/v1/reports", headers={"If-Modified-Since": one["Last-Modified"]})
    assert two.status_code == 200, f"changed_at {stored} must be later than {one['Last-Modified']}"
    assert two.headers["Last-Modified"] == "Fri, 01 May 2020 12:00:01 GMT"
    assert len(two.get_json()["features"]) == 2


def test_normalised_request_and_language(client):
    a = client.get("/api/v1/reports?kind=challenge&limit=10").headers["ETag"]
    b = client.get("/api/v1/reports?limit=10&kind=challenge").headers["ETag"]
    c = client.get("/api/v1/reports?limit=11&kind=challenge").headers["ETag"]
    assert a == b != c
    ar = client.get("/api/v1/categories")
    assert ar.get_json()["lang"] == "ar"
    en = client.get("/api/v1/categories?lang=en")
    assert en.headers["ETag"] != ar.headers["ETag"]
    # The same URL, now in the language remembered in the session: the old ETag must not match.
    again = client.get("/api/v1/categories", headers={"If-None-Match": ar.headers["ETag"]})
    assert again.status_code == 200 and again.get_json()["lang"] == "en"
    # A response that sets a cookie must not be stored by shared caches.
    assert "Set-Cookie" in en.headers and en.headers["Cache-Control"].startswith("private")


def _count_queries(app):
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def listener(_conn, _cursor, statement, *_args):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", listener)
    return statements, lambda: event.remove(engine, "before_cursor_execute", listener)


def test_repeated_request_skips_the_database(app, client, make_report):
    for i in range(3):
        make_report(title=f"Report {i}")
    first = client.get("/api/v1/reports?kind=challenge")
    statements, stop = _count_queries(app)
    try:
        second = client.get("/api/v1/reports?kind=challenge")
    finally:
        stop()
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    assert len(statements) == 1 and "data_version" in statements[0], statements
    make_report(title="New")
    third = client.get("/api/v1/reports?kind=challenge")
    assert third.get_json()["count"] == 4, "a bump must bypass the cached body"


def test_errors_have_no_validators_and_are_not_cached(client):
    for url in ("/api/v1/reports?kind=nope", "/api/v1/nope"):
        resp = client.get(url)
        assert resp.status_code in (400, 404)
        assert "ETag" not in resp.headers and resp.headers["Cache-Control"] == "no-cache"
        assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_response_cache_is_bounded():
    cache = ResponseCache(max_entries=2, max_bytes=100)
    entry = Entry(b"x" * 10, "application/json", ())
    for key in "abc":
        cache.put(1, key, entry)
    assert len(cache) == 2 and cache.get(1, "a") is None and cache.get(1, "c") == entry
    cache.get(1, "b")  # b is now the most recent: c goes next
    cache.put(1, "d", entry)
    assert cache.get(1, "c") is None and cache.get(1, "b") == entry
    cache.put(1, "big", Entry(b"x" * 30, "application/json", ()))  # over a quarter of the budget
    assert cache.get(1, "big") is None
    cache.put(2, "e", entry)  # a newer version drops every older entry
    assert len(cache) == 1 and cache.get(1, "b") is None and cache.get(2, "e") == entry
    cache.put(1, "late", entry)  # built from an outdated version: never stored
    assert cache.get(1, "late") is None and cache.get(2, "late") is None
    by_bytes = ResponseCache(max_entries=100, max_bytes=100)
    for key in range(20):
        by_bytes.put(1, str(key), Entry(b"x" * 20, "application/json", ()))
    assert by_bytes.size <= 100 and len(by_bytes) == 5


def test_cors_preflight_for_get(client):
    resp = client.options("/api/v1/reports", headers={
        "Origin": "https://campaign.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match, Accept-Language"})
    assert resp.status_code == 200 and resp.data == b""
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in resp.headers["Access-Control-Allow-Methods"]
    assert "POST" not in resp.headers["Access-Control-Allow-Methods"]
    assert resp.headers["Access-Control-Allow-Headers"] == "If-None-Match, Accept-Language"
    assert int(resp.headers["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in resp.headers
    odd = client.options("/api/v1/reports", headers={"Access-Control-Request-Headers": "x;y=<z>"})
    assert "Access-Control-Allow-Headers" not in odd.headers


def test_cors_on_get(client):
    resp = client.get("/api/v1/reports", headers={"Origin": "https://campaign.example"})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert {"ETag", "Link"} <= {h.strip() for h in resp.headers["Access-Control-Expose-Headers"].split(",")}
    assert "Access-Control-Allow-Credentials" not in resp.headers
    # Only the API is open to other origins.
    assert "Access-Control-Allow-Origin" not in client.get("/about").headers


@pytest.mark.parametrize("headers", [{"If-None-Match": "*"},
                                     {"If-Modified-Since": "Fri, 01 Jan 9999 00:00:00 GMT"}])
def test_conditions_never_hide_a_bad_parameter(client, make_report, headers):
    """RFC 9110 13.2.1: conditions apply only to what would be a 200; a bad parameter stays a 400."""
    make_report()
    client.get("/api/v1/reports")  # the process start is recorded on the first API request
    assert client.get("/api/v1/reports?kind=nope", headers=headers).status_code == 400
    assert client.get("/api/v1/areas?geometry=", headers=headers).status_code == 400
    if "If-None-Match" in headers:  # "*" matches any current representation
        assert client.get("/api/v1/reports?kind=challenge", headers=headers).status_code == 304
