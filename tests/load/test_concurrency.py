"""The app under gunicorn: concurrent submissions all land once, and none is lost in a crash.

* 1,000 suggestions from 4 processes at once against 2 gunicorn workers: every answer is the
  thank-you page (no 5xx, no "database is locked"), and exactly 1,000 reports are stored, each
  once, each with its audit event.
* Crash: the whole gunicorn process group is SIGKILLed mid-load; after a restart every
  submission that had been answered with the thank-you page is in the database.

The server gets its settings from the environment (DATABASE_URL, SECRET_KEY, a rate limit the
load does not hit), as in production. A SQLite file in the test's temporary folder is used, or a
fresh PostgreSQL database when TEST_DATABASE_URL is set. The database is migrated before the
server starts: two workers migrating a fresh database at the same time can collide.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.load import client

pytestmark = pytest.mark.slow
pytest.importorskip("gunicorn", reason="gunicorn is not installed (pip install -e '.[prod]')")
ROOT = Path(__file__).resolve().parents[2]
SPAWN = multiprocessing.get_context("spawn")  # no fork of a process that holds DB connections


@pytest.fixture
def database_url(tmp_path):
    if not os.environ.get("TEST_DATABASE_URL"):
        yield f"sqlite:///{tmp_path / 'ahya.db'}"
        return
    from tests.conftest import _postgres_database

    url, drop = _postgres_database()
    yield url
    drop()


@pytest.fixture
def server(tmp_path, database_url):
    """Start/kill gunicorn servers on the test database; whatever is still running is killed at the end."""
    from webapp import create_app
    from webapp.extensions import db

    # Migrated here first: two workers upgrading a fresh database at once can collide (seen on PostgreSQL).
    app = create_app({"INSTANCE_PATH": str(tmp_path / "migrate"), "SECRET_KEY": "load",
                      "DATABASE_URL": database_url, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.engine.dispose()
    started = []
    yield lambda: Gunicorn(tmp_path, database_url, len(started)).start(started)
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


class Gunicorn:
    def __init__(self, tmp_path: Path, database_url: str, n: int):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"gunicorn-{n}.log"
        # Settings as production passes them. With SECRET_KEY and DATABASE_URL given, the app writes
        # nothing into its instance folder (it only creates the empty folder).
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "load-test-secret",
                    "SUGGEST_RATE_LIMIT": "100000 per hour", "RATELIMIT_STORAGE_URI": "memory://",
                    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self.cwd = tmp_path

    def start(self, started: list) -> Gunicorn:
        with self.log.open("wb") as log:
            # Its own session: one killpg() reaches the master and both workers.
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{self.port}",
                 "webapp:create_app()"], env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        started.append(self.proc)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"gunicorn exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                with opener.open(f"{self.base}/suggest", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"gunicorn did not answer within 60 s: {self.log.read_text(errors='replace')[-2000:]}")

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def server_errors(self) -> str:
        text = self.log.read_text(errors="replace")
        return "" if "Traceback" not in text else text[-3000:]


def stored(database_url: str) -> tuple[list[str], int]:
    """Titles of the stored reports, and the number of "create" audit events."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            titles = list(conn.scalars(sa.text("SELECT title FROM reports")))
            events = conn.scalar(sa.text("SELECT COUNT(*) FROM audit_events WHERE action = 'create'"))
    finally:
        engine.dispose()
    return titles, events


def test_1000_concurrent_submissions_are_all_stored_once(server, database_url):
    gunicorn = server()
    run = uuid.uuid4().hex[:8]
    titles = [f"حمل {run} #{i:04d}" for i in range(1000)]
    chunks = [titles[i::4] for i in range(4)]
    started = time.monotonic()
    with SPAWN.Pool(4) as pool:
        results = [r for part in pool.starmap(client.submit_all, [(gunicorn.base, c) for c in chunks])
                   for r in part]
    elapsed = time.monotonic() - started
    statuses = {}
    for _, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    assert statuses == {200: 1000}, f"{statuses}\n{gunicorn.server_errors()}"
    got, events = stored(database_url)
    assert len(got) == 1000 and sorted(got) == sorted(titles)  # each once: no duplicates, none lost
    assert events == 1000
    print(f"1000 submissions in {elapsed:.1f} s")


def test_answered_submissions_survive_sigkill(server, database_url):
    gunicorn = server()
    run = uuid.uuid4().hex[:8]
    results: queue_module.Queue = SPAWN.Queue()
    titles = [[f"crash {run} {p}-{i:03d}" for i in range(400)] for p in range(2)]
    procs = [SPAWN.Process(target=client.submit_all, args=(gunicorn.base, t, results, True)) for t in titles]
    for proc in procs:
        proc.start()
    answered, done, killed = [], 0, False
    try:
        deadline = time.monotonic() + 60
        while done < len(procs) and time.monotonic() < deadline:
            try:
                item = results.get(timeout=1)
            except queue_module.Empty:
                continue
            if item is None:
                done += 1
                continue
            answered.append(item)
            if not killed and sum(s == 200 for _, s in answered) >= 60:
                gunicorn.kill()  # mid-load: both clients have requests in flight
                killed = True
    finally:
        for proc in procs:
            proc.join(20)
            if proc.is_alive():
                proc.kill()
    assert killed and done == len(procs)
    successes = [t for t, s in answered if s == 200]
    assert all(s in (200, 0) for _, s in answered), answered  # before the kill: successes only

    restarted = server()
    got, events = stored(database_url)
    print(f"{len(successes)} acknowledged before SIGKILL, {len(got)} stored")
    assert len(got) >= len(successes)
    assert set(successes) <= set(got)  # nothing that was acknowledged is lost
    assert len(got) == len(set(got)) and events == len(got)
    # And the database still works after the crash.
    assert client.submit_all(restarted.base, [f"after {run}"]) == [(f"after {run}", 200)]
    if database_url.startswith("sqlite"):
        engine = sa.create_engine(database_url)
        with engine.connect() as conn:
            assert conn.scalar(sa.text("PRAGMA integrity_check")) == "ok"
        engine.dispose()
