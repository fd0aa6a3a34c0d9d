"""The in-memory point cache follows every change incrementally and always equals a full load.

A second app on the same database plays a second gunicorn worker: it never sees the writes
happen, only the data version moving, and must still serve exactly the committed data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import random
import threading

import numpy as np
import pytest
from sqlalchemy import delete, text, update

from tests.conftest import ROOT, SILWAN, make_app
from webapp.extensions import db
from webapp.store import pointcache
from webapp.store.models import DataVersion, Report, User
from webapp.store.reporting import change_status, create_report, get_area_index, update_report
from webapp.store.versioning import bump_data_version, read_state

CITY = "34.9,31.5,35.5,32.1"
ARRAYS = ("ids", "kind", "category", "area", "day", "lon", "lat")
NAMES = ("kind_names", "category_names", "area_names")
FIELDS = {"kind": "challenge", "category": "housing", "title": "Demolition order", "description": "",
          "precision": "approximate", "observed_on": dt.date(2026, 10, 1), "organization": "",
          "link": "", "contact": ""}


@pytest.fixture
def worker2(app, db_url):
    """A second app (another worker process) on the same database, with its own cache."""
    with make_app(app.instance_path, db_url) as other:
        yield other


@pytest.fixture
def full_loads(monkeypatch):
    """Counts the full loads (``pointcache._load``) made through ``get_points``."""
    calls = []
    real = pointcache._load

    def counting(generation):
        calls.append(generation)
        return real(generation)
    monkeypatch.setattr(pointcache, "_load", counting)
    return calls


_REAL_LOAD = pointcache._load  # before any monkeypatching


def cached_vs_full(app) -> pointcache.Points:
    """The app's cache, after asserting it equals a full load at the committed version."""
    with app.test_request_context("/api/v1/clusters"):
        points = pointcache.get_points()
        state = read_state()
        assert points.generation == (state.changed_at, state.version)
        full = _REAL_LOAD(points.generation)
    for name in ARRAYS:
        got, want = getattr(points, name), getattr(full, name)
        assert got.dtype == want.dtype, name
        assert np.array_equal(got, want), name
    for name in NAMES:
        assert getattr(points, name) == getattr(full, name), name
    for name in ("kind", "category", "area"):
        assert np.array_equal(points.name_counts[name], full.name_counts[name]), name
    assert np.all(np.diff(points.ids) > 0)
    return points


def clusters(client, query: str = "") -> dict:
    resp = client.get(f"/api/v1/clusters?zoom=12&bbox={CITY}{query}")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return resp.get_json()


def point_in(app, slug: str) -> tuple[float, float]:
    with app.app_context():
        return get_area_index().representative_point(slug)


def new_report(app, publish=True, **fields):
    with app.app_context():
        return create_report({**FIELDS, "lon": SILWAN[0], "lat": SILWAN[1], **fields}, user=None,
                             source="organizer", publish=publish).id


def act(app, rid: int, action: str, reason: str = "") -> None:
    with app.app_context():
        user = db.session.scalar(db.select(User).limit(1))
        change_status(db.session.get(Report, rid), action, user, reason)


def edit(app, rid: int, **fields) -> list[str]:
    with app.app_context():
        user = db.session.scalar(db.select(User).limit(1))
        return update_report(db.session.get(Report, rid), fields, user)


@pytest.fixture
def moderator(make_user):
    return make_user("mod@example.org", "long enough password", "admin")


def test_publish_updates_the_cache_without_a_full_load(app, client, moderator, full_loads):
    published = [new_report(app) for _ in range(3)]
    pending = new_report(app, publish=False, title="Waiting")
    assert clusters(client)["total"] == 3
    assert len(full_loads) == 1  # the first request loads everything once
    act(app, pending, "publish")
    data = clusters(client)
    assert data["total"] == 4
    assert len(full_loads) == 1, "one publication must not reload every point"
    points = cached_vs_full(app)
    assert list(points.ids) == sorted([*published, pending])


def test_edit_that_moves_a_point_moves_it_in_the_counts(app, client, moderator, full_loads):
    rid = new_report(app, precision="exact")
    new_report(app, precision="exact", title="Stays")
    assert clusters(client, "&area=silwan")["total"] == 2
    lon, lat = point_in(app, "shufat")
    assert edit(app, rid, lon=lon, lat=lat, category="water")
    assert clusters(client, "&area=silwan")["total"] == 1
    moved = clusters(client, "&area=shufat&category=water")
    assert moved["total"] == 1
    (feature,) = moved["features"]
    assert feature["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-6)
    assert len(full_loads) == 1
    points = cached_vs_full(app)
    assert "water" in points.category_names and "shufat" in points.area_names


@pytest.mark.parametrize("action", ["reject", "archive"])
def test_unpublished_reports_leave_the_counts(app, client, moderator, full_loads, action):
    rid = new_report(app)
    keep = new_report(app, kind="initiative", category="education")
    assert clusters(client)["total"] == 2
    act(app, rid, action, "duplicate")
    data = clusters(client)
    props = data["features"][0]["properties"]  # (issue 22 added the categories beside the counts)
    assert data["total"] == 1
    assert (props["count"], props.get("initiative"), props.get("challenge")) == (1, 1, None)
    points = cached_vs_full(app)
    # The last challenge is gone: so is its name, exactly as a full load would have it.
    assert list(points.ids) == [keep] and points.kind_names == ("initiative",)
    assert len(full_loads) == 1
    act(app, rid, "publish")
    assert clusters(client)["total"] == 2
    assert cached_vs_full(app).kind_names == ("challenge", "initiative")


def test_deleted_reports_leave_the_counts(app, client, runner, full_loads):
    real = new_report(app)
    assert runner.invoke(args=["demo", "load", "--count", "6", "--seed", "3"]).exit_code == 0
    assert clusters(client)["total"] == 7
    assert runner.invoke(args=["demo", "clear"]).exit_code == 0
    assert clusters(client)["total"] == 1
    assert list(cached_vs_full(app).ids) == [real]
    assert len(full_loads) == 2  # a delete cannot be replayed row by row: one full load
    new_report(app, title="After the clear")
    assert clusters(client)["total"] == 2
    assert len(full_loads) == 2, "after the reload, updates are incremental again"


def _bench():
    spec = importlib.util.spec_from_file_location("ahya_bench", ROOT / "scripts" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bulk_insert_is_read_by_version(app, client, full_loads):
    bench = _bench()
    new_report(app)
    assert clusters(client)["total"] == 1
    bench.insert_reports(app, 300, np.random.default_rng(5))  # stamped with its version
    assert clusters(client)["total"] == 301
    assert len(full_loads) == 1
    cached_vs_full(app)
    with app.app_context():  # a bulk statement that does not stamp: caches must reload in full
        db.session.execute(update(Report).where(Report.id <= 10).values(status="archived"))
        bump_data_version()
        db.session.commit()
    assert clusters(client)["total"] == 291
    assert len(full_loads) == 2
    cached_vs_full(app)


def test_two_workers_on_one_database(app, worker2, moderator, full_loads):
    one, two = app.test_client(), worker2.test_client()
    rid = new_report(app)
    assert clusters(one) == clusters(two)
    lon, lat = point_in(app, "beit-hanina")
    edit(app, rid, lon=lon, lat=lat)  # written through worker 1 only
    act(app, new_report(app, publish=False), "publish")
    first, second = clusters(one, "&kind=challenge"), clusters(two, "&kind=challenge")
    assert first == second and second["total"] == 2
    assert clusters(two, "&area=beit-hanina")["total"] == 1
    cached_vs_full(worker2)
    with worker2.app_context():  # and the other way round
        rid2 = create_report({**FIELDS, "lon": lon, "lat": lat}, user=None, source="organizer",
                             publish=True).id
    assert clusters(one, "&area=beit-hanina")["total"] == 2
    assert clusters(one) == clusters(two)
    assert len(full_loads) == 2  # one first load per worker, then only updates
    assert rid2 in cached_vs_full(app).ids


def test_request_that_started_earlier_uses_the_newer_cache(app, client, full_loads):
    new_report(app)
    clusters(client)
    with app.test_request_context("/api/v1/clusters"):
        from webapp.store.versioning import current_data_version

        old = current_data_version()  # remembered for this request
        new_report(app, title="Meanwhile")
        clusters(client)  # another request brings the cache to the new version
        points = pointcache.get_points()
        assert points.version == old.version + 1 and len(points) == 2  # newer, never older
    assert len(full_loads) == 1


def test_version_going_backwards_reloads_in_full(app, client, full_loads):
    for _ in range(3):
        new_report(app)
    assert clusters(client)["total"] == 3
    with app.app_context():
        db.session.execute(delete(DataVersion))  # emptied by hand: versions restart at 1
        db.session.commit()
    new_report(app, title="After")
    assert clusters(client)["total"] == 4
    assert len(full_loads) == 2
    assert cached_vs_full(app).version == 1


def test_changes_are_stamped_whatever_the_order_of_flush_and_bump(app, client, full_loads):
    ids = [new_report(app) for _ in range(3)]
    clusters(client)
    with app.app_context():
        first = db.session.get(Report, ids[0])
        first.status = "archived"
        db.session.flush()  # written before the bump: stamped at the bump
        version = bump_data_version()
        db.session.get(Report, ids[1]).category = "water"  # after the bump: stamped at flush
        db.session.commit()
        stamps = dict(db.session.execute(db.select(Report.id, Report.changed_version)).all())
        assert stamps[ids[0]] == stamps[ids[1]] == version
        assert read_state().reload_version < version
    assert clusters(client)["total"] == 2
    assert clusters(client, "&category=water")["total"] == 1
    assert len(full_loads) == 1
    with app.app_context():  # a change with no bump: the next version makes caches reload
        db.session.get(Report, ids[2]).status = "rejected"
        db.session.commit()
        assert read_state().reload_version == read_state().version
        db.session.execute(text("UPDATE reports SET status = 'published'"))  # raw SQL, then a bump
        bump_data_version()
        db.session.commit()
    assert clusters(client)["total"] == 3
    assert len(full_loads) == 2
    cached_vs_full(app)


def test_random_changes_keep_the_cache_equal_to_a_full_load(app, worker2, runner, moderator, full_loads,
                                                           monkeypatch):
    merges = []
    real_merge = pointcache._merge
    monkeypatch.setattr(pointcache, "_merge", lambda *a: merges.append(len(a[1])) or real_merge(*a))
    rng = random.Random(7)
    bench = _bench()
    slugs = ("silwan", "shufat", "beit-hanina", "at-tur", "abu-tor", "sur-bahir")
    places = {slug: point_in(app, slug) for slug in slugs}
    ids: list[int] = []
    two = worker2.test_client()
    clusters(two)
    for step in range(60):  # bounded loop
        op = rng.choice(["create", "create", "pending", "publish", "reject", "archive", "move",
                         "recategorize", "rekind", "demo", "bulk"])
        live = list(ids)
        if op in ("create", "pending") or not live:
            lon, lat = places[rng.choice(slugs)]
            kind = rng.choice(["challenge", "initiative"])
            ids.append(new_report(app, publish=op != "pending", kind=kind,
                                  category="housing" if kind == "challenge" else "education",
                                  precision=rng.choice(["exact", "approximate", "area"]), lon=lon, lat=lat,
                                  observed_on=rng.choice([None, dt.date(2025, 1 + step % 12, 1)])))
        elif op in ("publish", "reject", "archive"):
            rid = rng.choice(live)
            with contextlib.suppress(ValueError):  # not allowed from its status: nothing changed
                act(app, rid, op, "reason")
        elif op == "move":
            lon, lat = places[rng.choice(slugs)]
            edit(app, rng.choice(live), lon=lon + 1e-4 * step, lat=lat)
        elif op == "recategorize":
            rid = rng.choice(live)
            with app.app_context():
                kind = db.session.get(Report, rid).kind
            edit(app, rid, category=rng.choice(["water", "land", "other"]
                                               if kind == "challenge" else ["other"]))
        elif op == "rekind":
            edit(app, rng.choice(live), kind="initiative", category="other")
        elif op == "demo":
            args = (["demo", "clear"] if rng.random() < 0.5
                    else ["demo", "load", "--count", "3", "--seed", str(step)])
            assert runner.invoke(args=args).exit_code == 0
        else:
            bench.insert_reports(app, rng.randint(1, 20), np.random.default_rng(step))
        if rng.random() < 0.6:  # worker 2 is not asked after every change: it catches up several at once
            cached_vs_full(worker2)
            assert clusters(two) == clusters(app.test_client())
    cached_vs_full(worker2)
    cached_vs_full(app)
    # Full loads: the first per worker, plus one per demo clear at most; everything else was replayed.
    assert len(full_loads) < 20 and len(merges) > 40, (len(full_loads), len(merges))


def test_concurrent_readers_never_see_older_counts(app, worker2, full_loads):
    """Threads of two workers read while a writer publishes: counts only grow, and end exact."""
    new_report(app)
    errors: list[BaseException] = []
    seen: dict[str, list[int]] = {}

    def reader(name, target):
        try:
            client = target.test_client()
            for _ in range(25):  # bounded loop
                seen.setdefault(name, []).append(clusters(client)["total"])
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    def writer():
        try:
            for i in range(12):  # bounded loop
                new_report(app, title=f"Concurrent {i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer)] + [
        threading.Thread(target=reader, args=(f"{n}-{i}", target))
        for i in range(2) for n, target in (("one", app), ("two", worker2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for name, totals in seen.items():
        assert totals == sorted(totals), f"{name} saw a count go down: {totals}"
    assert clusters(app.test_client())["total"] == clusters(worker2.test_client())["total"] == 13
    cached_vs_full(app)
    cached_vs_full(worker2)


def _snapshot_version(app) -> tuple[int | None, int]:
    """(version of the snapshot a new worker would start from, committed version)."""
    from webapp.store import pointsnapshot
    with app.app_context():
        state = read_state()
        found = pointsnapshot.usable(state)
        return (found[0] if found else None), state.version


def test_warm_up_loads_the_points_before_the_first_request(app, db_url, monkeypatch):
    from webapp.state import app_state
    first = new_report(app)
    new_report(app, title="Another one")
    with make_app(app.instance_path, db_url, WARM_UP=True) as worker:  # as gunicorn creates it
        points = app_state(worker).points
        assert points is not None and sorted(points.ids)[0] == first and len(points) == 2
        loads = []
        monkeypatch.setattr(pointcache, "_refresh", lambda p: loads.append(p) or p)
        assert clusters(worker.test_client())["total"] == 2
        assert loads == [], "the first map request loaded nothing"
        assert app_state(worker).points is points  # the very arrays the warm-up loaded
    with make_app(app.instance_path, db_url) as cold:  # tests: no warm-up unless asked
        assert app_state(cold).points is None


@pytest.mark.parametrize("args", [["demo", "load", "--count", "5", "--seed", "2"], ["demo", "clear"]])
def test_bulk_commands_store_a_snapshot(app, runner, args):
    new_report(app)
    assert runner.invoke(args=["demo", "load", "--count", "4", "--seed", "1"]).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    snapshot, committed = _snapshot_version(app)
    assert snapshot == committed  # a worker started now reads it: no full load
    cached_vs_full(app)


def test_reports_import_and_restore_store_a_snapshot(app, runner, tmp_path):
    new_report(app)
    csv = tmp_path / "rows.csv"
    csv.write_text("kind,category,title,lon,lat\nchallenge,housing,Roof leaks,"
                   f"{SILWAN[0]},{SILWAN[1]}\n", encoding="utf-8")
    result = runner.invoke(args=["reports", "import", str(csv), "--publish"])
    assert result.exit_code == 0, result.output
    assert _snapshot_version(app)[0] == _snapshot_version(app)[1]
    assert runner.invoke(args=["backup", str(tmp_path / "b.gpkg")]).exit_code == 0
    with make_app(tmp_path / "other", None) as empty:
        with empty.app_context():
            db.session.execute(delete(Report))
            db.session.commit()
        result = empty.test_cli_runner().invoke(args=["restore", str(tmp_path / "b.gpkg")])
        assert result.exit_code == 0, result.output
        snapshot, committed = _snapshot_version(empty)
        assert snapshot == committed
        assert len(cached_vs_full(empty)) == 2
