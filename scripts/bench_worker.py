"""A worker's memory and first map request, as gunicorn runs it (part of scripts/bench.py).

A gunicorn server with one worker is started on the benchmark's database, in its own instance
folder (as another machine would be), with ``WARM_UP`` on as deployed: the worker loads the
layers and the points when it is created, before it accepts a connection. The time from its
start to its first answer (a request that loads no points) is its start-up; its resident memory
(``VmRSS``) is read then, the first map request (city clusters) is timed and the memory read
again. Twice:

* ``full_load``: with no point snapshot in the database (as after a bulk change made outside the
  ``flask`` commands, which store one): the warm-up reads every published row, in chunks, and
  stores the snapshot;
* ``restarted``: the worker is killed (``SIGKILL``) and gunicorn starts a new one, which reads
  that snapshot and the rows changed since; every later worker, on any server, does the same.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITY = "/api/v1/clusters?zoom=12&bbox=35.100000,31.700000,35.300000,31.880000"
READY = "/api/v1/categories"  # answered without loading the points


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _get(url: str, timeout: float = 120) -> tuple[int, float]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    start = time.perf_counter()
    with opener.open(url, timeout=timeout) as resp:
        resp.read()
        return resp.status, time.perf_counter() - start


def _wait_worker(master: subprocess.Popen, base: str, old: int | None, log: Path) -> int:
    """The pid of a (new) worker that answers ``READY`` (polled every 50 ms)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:  # bounded loop
        if master.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log.read_text(errors='replace')[-2000:]}")
        kids = [k for k in _children(master.pid) if k != old]
        if kids:
            try:
                if _get(base + READY, timeout=5)[0] == 200:
                    return kids[0]
            except OSError:
                pass
        time.sleep(0.05)
    raise RuntimeError(f"no worker answered: {log.read_text(errors='replace')[-2000:]}")


def _first_request(pid: int, base: str, start_s: float) -> dict:
    before = _rss_mb(pid)
    status, seconds = _get(base + CITY)
    assert status == 200
    after = _rss_mb(pid)
    return {"start_s": round(start_s, 2), "rss_before_mb": round(before, 1), "rss_after_mb": round(after, 1),
            "rss_added_mb": round(after - before, 1), "first_request_s": round(seconds, 3)}


def worker_measures(database_url: str) -> dict:
    """Memory and first-request time of a fresh worker without, then with, a point snapshot."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.begin() as conn:  # as after a bulk change: no snapshot to start from
        conn.execute(text("DELETE FROM stored_files WHERE name LIKE 'cache/points-%'"))
    engine.dispose()
    with tempfile.TemporaryDirectory(prefix="ahya-bench-worker-") as home:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        base, log = f"http://127.0.0.1:{port}", Path(home) / "gunicorn.log"
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        factory = f"webapp:create_app({{'INSTANCE_PATH': {str(Path(home) / 'instance')!r}}})"
        started = time.perf_counter()
        with log.open("wb") as out:
            master = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-t", "300", "-b",
                                       f"127.0.0.1:{port}", factory], env=env, cwd=home, stdout=out,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        try:
            pid = _wait_worker(master, base, None, log)
            results = {"full_load": _first_request(pid, base, time.perf_counter() - started)}
            started = time.perf_counter()
            os.kill(pid, signal.SIGKILL)  # gunicorn starts a new worker in its place
            pid = _wait_worker(master, base, pid, log)
            results["restarted"] = _first_request(pid, base, time.perf_counter() - started)
            results["load_average"] = [round(x, 2) for x in os.getloadavg()]
        finally:
            os.killpg(master.pid, signal.SIGTERM)
            try:
                master.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(master.pid, signal.SIGKILL)
                master.wait(10)
    return results


def worker_line(label: str, w: dict) -> str:
    f, r = w["full_load"], w["restarted"]
    load = w.get("load_average")
    return (f"{label}: with no snapshot (full load in the warm-up) a worker is ready in {f['start_s']} s "
            f"at {f['rss_before_mb']:.0f} MB, first map request {f['first_request_s']} s, then "
            f"{f['rss_after_mb']:.0f} MB; a restarted worker (from the snapshot) is ready in "
            f"{r['start_s']} s at {r['rss_before_mb']:.0f} MB, first map request {r['first_request_s']} s, "
            f"then {r['rss_after_mb']:.0f} MB" + (f" (load average {load[0]})." if load else "."))
