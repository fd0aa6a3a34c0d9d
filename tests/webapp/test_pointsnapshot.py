"""The point snapshot in the database: a new worker starts from it instead of a full load.

Apps on the same database play workers (on this machine or another: they share only the
database). ``POINT_SNAPSHOT_MIN_ROWS=1`` makes every full load store a snapshot.
"""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import delete, select

from tests.conftest import app_config
from tests.webapp.test_pointcache import ARRAYS, NAMES, cached_vs_full
from webapp import create_app
from webapp.extensions import db
from webapp.store import pointcache, pointsnapshot
from webapp.store.files import StoredFile
from webapp.store.models import Report


def worker(app, db_url, tmp_path, name):
    """A new worker: its own app and instance folder, the same database."""
    config = {**app_config(tmp_path / name, db_url), "POINT_SNAPSHOT_MIN_ROWS": 1}
    if not db_url:  # SQLite: the first app's database file, not one in the new instance folder
        config["DATABASE_URL"] = config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"]
    return create_app(config)


@pytest.fixture
def workers(app, db_url, tmp_path):
    made = []

    def make(name):
        made.append(worker(app, db_url, tmp_path, name))
        return made[-1]
    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def full_loads(monkeypatch):
    calls = []
    real = pointcache._load

    def counting(generation):
        calls.append(generation)
        return real(generation)
    monkeypatch.setattr(pointcache, "_load", counting)
    return calls


def snapshots(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(StoredFile.name).where(StoredFile.name.like("cache/points-%"))))


def points_of(app):
    with app.test_request_context("/api/v1/clusters"):
        return pointcache.get_points()


def test_a_new_worker_starts_from_the_snapshot(app, workers, make_report, full_loads):
    for i in range(30):
        make_report(title=f"r{i}", category="housing" if i % 2 else "water", publish=i % 5 != 0)
    first = workers("first")
    loaded = points_of(first)
    assert len(full_loads) == 1 and len(loaded) == 24
    assert snapshots(app) == [f"cache/points-{loaded.version:012d}"]

    second = workers("second")
    got = cached_vs_full(second)  # equal to a full load, and made without one
    assert len(full_loads) == 1
    assert not got.ids.flags.writeable  # views into the stored bytes, not copies

    # Changes since the snapshot are read row by row on top of it.
    make_report(title="new one", category="education")
    with app.app_context():
        report = db.session.get(Report, 2)
        report.title = "moved"
        report.public_lon += 0.001
        from webapp.store.versioning import bump_data_version
        bump_data_version()
        db.session.commit()
    third = workers("third")
    got = cached_vs_full(third)
    assert len(full_loads) == 1 and len(got) == 25
    assert cached_vs_full(second).version == got.version  # the older worker follows as before


def test_a_snapshot_is_not_used_across_a_delete_or_a_restore(app, workers, make_report, full_loads):
    for i in range(5):
        make_report(title=f"r{i}")
    points_of(workers("first"))
    assert len(full_loads) == 1 and len(snapshots(app)) == 1
    with app.app_context():  # a delete cannot be replayed row by row: reload_version moves past it
        db.session.execute(delete(Report).where(Report.id == 3))
        from webapp.store.versioning import bump_data_version
        bump_data_version()
        db.session.commit()
    got = cached_vs_full(workers("second"))
    assert len(full_loads) == 2 and len(got) == 4 and 3 not in got.ids
    assert len(snapshots(app)) == 1  # the new full load replaced the old snapshot


def test_encode_decode_round_trip(app, make_report):
    for i in range(7):
        make_report(title=f"r{i}", category=("housing", "water", "education")[i % 3])
    with app.test_request_context("/"):
        points = pointcache.get_points()
    back = pointsnapshot.decode(bytes(pointsnapshot.encode(points)), pointcache.Points)
    assert back.generation == points.generation
    for name in ARRAYS:
        assert getattr(back, name).dtype == getattr(points, name).dtype
        assert np.array_equal(getattr(back, name), getattr(points, name)), name
    for name in NAMES:
        assert getattr(back, name) == getattr(points, name)
    with pytest.raises(ValueError):
        pointsnapshot.decode(b"not a snapshot at all", pointcache.Points)


def test_chunked_load_equals_one_chunk(app, make_report, monkeypatch):
    for i in range(23):
        make_report(title=f"r{i}", category=("housing", "water", "education")[i % 3], publish=i % 4 != 0,
                    observed_on=None if i % 5 == 0 else __import__("datetime").date(2026, 1, 1 + i))
    with app.test_request_context("/"):
        from webapp.store.versioning import read_state
        state = read_state()
        whole = pointcache._load((state.changed_at, state.version))
        monkeypatch.setattr(pointcache, "CHUNK_ROWS", 4)  # 17 rows in 5 chunks, names differing per chunk
        chunked = pointcache._load((state.changed_at, state.version))
    for name in ARRAYS:
        assert getattr(chunked, name).dtype == getattr(whole, name).dtype
        assert np.array_equal(getattr(chunked, name), getattr(whole, name)), name
    for name in NAMES:
        assert getattr(chunked, name) == getattr(whole, name)
    for name in ("kind", "category", "area"):
        assert np.array_equal(chunked.name_counts[name], whole.name_counts[name])


def test_snapshots_stay_out_of_backups_and_restore_clears_them(app, workers, make_report, runner, tmp_path):
    import sqlite3

    for i in range(5):
        make_report(title=f"r{i}")
    points_of(workers("first"))
    assert len(snapshots(app)) == 1
    path = tmp_path / "b.gpkg"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    with sqlite3.connect(path) as con:
        assert not [n for (n,) in con.execute("SELECT name FROM stored_files") if n.startswith("cache/")]


def test_a_recreated_version_counter_clears_the_snapshots(app, workers, make_report):
    from webapp.store.models import DataVersion
    from webapp.store.versioning import bump_data_version

    for i in range(3):
        make_report(title=f"r{i}")
    points_of(workers("first"))
    assert len(snapshots(app)) == 1
    with app.app_context():
        db.session.execute(delete(DataVersion))  # emptied by hand: versions restart at 1
        assert bump_data_version() == 1
        db.session.commit()
    assert snapshots(app) == []  # version numbers start again: no old snapshot may match one
