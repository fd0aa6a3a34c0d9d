"""Ahya at scale: page, API, browser, area assignment and ingest side by side for N reports.

``python scripts/bench.py [--sizes 1k,10k,100k,1M] [--quick] [--json PATH] [--import-only]
[--api-only]`` (only the API latencies, OGC items included: the 1M size in minutes). Runs on a
TEMPORARY SQLite instance; reports are bulk-inserted with SQLAlchemy Core executemany (50k-row chunks), the
database growing from one size to the next. Areas: ``AreaIndex.assign`` (vectorised). Public points:
a vectorised approximation of ``geo.spatial.privacy`` (random 150-300 m offset, no stay-in-area check).
Import: a KoboToolbox-style CSV of ``IMPORT_ROWS`` rows through ``flask reports import``'s own
functions (read, map, the form's rules per row, one bulk store), then the same file again.
Worker: a gunicorn worker's memory before and after its first map request, and that request's
time, without and then with the point snapshot (``bench_worker.py``). Trends: ``/api/v1/trends``
citywide by month, for one area, and summing a housing field, each request a new query.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import http.client
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The import measure lives beside this file (which tests also load as a module).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import IMPORT_ROWS, IMPORT_ROWS_QUICK, import_line, import_throughput, run_import  # noqa: E402
from bench_worker import worker_line, worker_measures  # noqa: E402

from webapp import create_app  # noqa: E402

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1M": 1_000_000}
QUICK = ("1k", "10k")
CITY = (35.10, 31.70, 35.30, 31.88)  # lon/lat box around the municipal boundary
STREET = (35.2285, 31.7765, 35.2317, 31.7792)  # ~300 m box in the centre
NAIVE_MAX = 100_000  # the inlined folium page is built only up to this many points
TILE_HOST = "tiles.example.test"
REQUESTS = 100  # per latency measure: p95 is then the 95th of 100, not an outlier of 30
CHUNK = 50_000


def make_app(instance: Path):
    # Rate limits off: the ingest measure is about the form's own cost, not the limiter's.
    return create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                       "TILE_URL": f"https://{TILE_HOST}/{{z}}/{{x}}/{{y}}.png", "TILE_ATTRIBUTION": "bench"})


def _bench_fields(kind: str, cats: dict, i: int) -> dict:
    """Housing challenges carry the numbers the trends sum (0-11 people displaced, 1-3 structures)."""
    category = cats[kind][i % len(cats[kind])]
    return {"people_displaced": i % 12, "structures": 1 + i % 3} if category == "housing" else {}


def insert_reports(app, n: int, rng: np.random.Generator) -> float:
    """Add ``n`` published synthetic reports; returns seconds."""
    from geo.spatial.demo import random_points_in_polygons
    from webapp.extensions import db
    from webapp.store.layers import get_layers
    from webapp.store.models import Report, utcnow
    from webapp.store.reporting import get_area_index, get_taxonomy
    from webapp.store.versioning import bump_data_version

    start = time.perf_counter()
    with app.app_context():
        index, tax = get_area_index(), get_taxonomy().as_dict()
        lons, lats, _ = random_points_in_polygons(get_layers().areas.geometry.values, n, rng)
        areas = index.assign(lons, lats)
        x, y = index.to_metric(lons, lats)
        angle, dist = rng.uniform(0, 2 * np.pi, n), rng.uniform(150, 300, n)
        plon, plat = index.to_wgs(x + dist * np.cos(angle), y + dist * np.sin(angle))
        kinds = np.where(rng.random(n) < 0.6, "challenge", "initiative")
        cats = {k: [c["id"] for c in tax[k]] for k in tax}
        days = rng.integers(0, 3 * 365, n)
        now, today = utcnow(), dt.date.today()
        seeds = rng.bytes(16 * n).hex()
        table = Report.__table__
        # The version first: every row carries it, so the point caches read only these rows.
        version = bump_data_version()
        for lo in range(0, n, CHUNK):
            rows = [{"kind": str(kinds[i]), "category": cats[kinds[i]][i % len(cats[kinds[i]])],
                     "title": f"Bench report {i}", "description": "Synthetic benchmark report.",
                     "area": areas[i], "lon": float(lons[i]), "lat": float(lats[i]),
                     "privacy_seed": seeds[32 * i:32 * i + 32], "precision": "approximate",
                     "public_lon": round(float(plon[i]), 6), "public_lat": round(float(plat[i]), 6),
                     "observed_on": today - dt.timedelta(days=int(days[i])), "status": "published",
                     "organization": "", "link": "", "contact": "", "is_demo": True, "source": "organizer",
                     "reject_reason": "", "created_at": now, "updated_at": now, "published_at": now,
                     "changed_version": version, "fields": _bench_fields(kinds[i], cats, i)}
                    for i in range(lo, min(n, lo + CHUNK))]
            db.session.execute(table.insert(), rows)
        db.session.commit()
    return time.perf_counter() - start


class Server:
    """The app (plus the naive page at /naive.html) on a werkzeug server in a thread."""

    def __init__(self, app, static: Path):
        from werkzeug.serving import WSGIRequestHandler, make_server

        class Quiet(WSGIRequestHandler):
            log_request = lambda self, *a: None  # noqa: E731

        def wsgi(environ, start_response):
            if environ["PATH_INFO"] == "/naive.html":
                body = (static / "naive.html").read_bytes()
                start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))])
                return [body]
            return app(environ, start_response)

        self.httpd = make_server("127.0.0.1", 0, wsgi, threaded=True, request_handler=Quiet)
        self.port = self.httpd.server_port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def get(self, path: str) -> tuple[int, float]:
        con = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        start = time.perf_counter()
        con.request("GET", path)
        resp = con.getresponse()
        body = resp.read()
        elapsed = time.perf_counter() - start
        assert resp.status == 200, (path, resp.status, body[:200])
        return len(body), elapsed

    def latency(self, path_for) -> dict:
        """Bytes and p50/p95 (ms) of REQUESTS requests; ``path_for(i)`` gives each URL."""
        times, size = [], 0
        for i in range(REQUESTS):  # bounded loop
            size, t = self.get(path_for(i))
            times.append(t * 1000)
        return {"bytes": size, "p50_ms": round(statistics.median(times), 2),
                "p95_ms": round(float(np.percentile(times, 95)), 2),
                "times_ms": [round(t, 1) for t in times]}


def bbox_arg(b, jitter: float = 0.0) -> str:
    return ",".join(f"{v + jitter:.6f}" for v in b)


def publish_one(app) -> None:
    """One new published report through the domain layer (what the organizer form calls)."""
    from webapp.store.reporting import create_report

    with app.app_context():
        create_report({"kind": "challenge", "category": "water", "title": "One more", "description": "Bench.",
                       "lon": 35.2389, "lat": 31.7698, "precision": "approximate"},
                      user=None, source="organizer", publish=True)


def api_measures(app, server: Server, n: int) -> dict:
    city = lambda j: f"/api/v1/clusters?zoom=12&bbox={bbox_arg(CITY, j)}"  # noqa: E731
    street = lambda j: f"/api/v1/reports?bbox={bbox_arg(STREET, j)}"  # noqa: E731 (default limit)
    # OGC API - Features items (default page of 100): the street's box, and pages of the whole
    # collection at different cursors (numberMatched counts every report; the page is keyset).
    ogc_street = lambda j: f"/ogc/collections/reports/items?bbox={bbox_arg(STREET, j)}"  # noqa: E731
    ogc_page = lambda i: f"/ogc/collections/reports/items?cursor={1 + (n - 200) * i // REQUESTS}"  # noqa: E731
    # The harness' own objects (the naive pages, Playwright's records of earlier page loads:
    # ~100k) would be scanned by every full collection of the app's requests: every ~10th
    # street request took +25 ms. A deployed worker has no such objects; freeze them (the app
    # froze its libraries' objects at start the same way).
    gc.collect()
    gc.freeze()
    start = time.perf_counter()
    server.get(city(0))  # first request after the bulk insert: reads the new rows into memory
    load_s = time.perf_counter() - start
    publish_one(app)
    start = time.perf_counter()
    server.get(city(0))  # first request after one change: merges one row into the arrays
    one_change_s = time.perf_counter() - start
    # Trends: a distinct start date each time (a cache miss: counted). The first request with a
    # field reads its values (once per data version); the timed ones use them.
    day = lambda i: (dt.date.today() - dt.timedelta(days=3 * 365 + i)).isoformat()  # noqa: E731
    field = lambda i: f"/api/v1/trends?category=housing&field=people_displaced&since={day(i)}"  # noqa: E731
    start = time.perf_counter()
    server.get(field(0))
    field_first_s = time.perf_counter() - start
    by_month = lambda i: f"/api/v1/trends?by=month&since={day(i)}"  # noqa: E731
    trends = {"trends_city_by_month_cold": server.latency(by_month),
              "trends_area_cold": server.latency(lambda i: f"/api/v1/trends?area=silwan&since={day(i)}"),
              "trends_field_cold": server.latency(lambda i: field(i + 1)),
              "trends_field_first_ms": round(field_first_s * 1000, 1)}
    # "cold": a distinct bbox each time (a cache miss: computed); "warm": the same URL (LRU hit).
    return {**trends, "pointcache_load_s": round(load_s, 3),
            "after_one_change_ms": round(one_change_s * 1000, 1),
            "city_clusters_cold": server.latency(lambda i: city(1e-6 * (i + 1))),
            "city_clusters_warm": server.latency(lambda i: city(0)),
            "street_points_cold": server.latency(lambda i: street(1e-6 * (i + 1))),
            "street_points_warm": server.latency(lambda i: street(0)),
            "ogc_street_items": server.latency(lambda i: ogc_street(1e-6 * (i + 1))),
            "ogc_collection_pages": server.latency(lambda i: ogc_page(i))}


def build_naive(app, static: Path, n: int) -> dict:
    """A folium page with every public point inlined in a MarkerCluster (the naive approach)."""
    import folium
    from folium.plugins import MarkerCluster

    from geo.drawing.maps import local_assets
    from webapp.extensions import db
    from webapp.store.models import Report

    start = time.perf_counter()
    with app.app_context():
        pts = db.session.execute(db.select(Report.public_lat, Report.public_lon).limit(n)).all()
    m = folium.Map(location=[31.78, 35.22], zoom_start=12, tiles=None)
    folium.TileLayer(f"https://{TILE_HOST}/{{z}}/{{x}}/{{y}}.png", attr="bench", max_zoom=19).add_to(m)
    local_assets(m, "/vendor")
    cluster = MarkerCluster()
    cluster.default_js = [("markercluster", "/vendor/markercluster/leaflet.markercluster.js")]
    cluster.default_css = [("mc", "/vendor/markercluster/MarkerCluster.css"),
                           ("mcd", "/vendor/markercluster/MarkerCluster.Default.css")]
    cluster.add_to(m)
    for lat, lon in pts:  # one folium object per point: what "inline everything" means
        folium.Marker([lat, lon]).add_to(cluster)
    html = m.get_root().render().replace(
        "</body>", "<script>window.addEventListener('load', function () {"
        " requestAnimationFrame(function () { window.AHYA_READY_AT = performance.now();"
        " window.AHYA_READY = true; }); });</script></body>")
    (static / "naive.html").write_text(html, encoding="utf-8")
    return {"build_s": round(time.perf_counter() - start, 2), "bytes": len(html.encode())}


def browser_ready(browser, base: str, path: str, runs: int = 3, foreign: list | None = None) -> float:
    """Median seconds from navigation to ``window.AHYA_READY`` in a fresh context (cold cache).

    No request interception: Playwright's routing sends every request through this process
    and would add its own latency to each. The tile host resolves nowhere (launch flag), so
    tiles fail at once; requests to any other host are recorded in ``foreign``.
    """
    times = []
    for _ in range(runs):
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        if foreign is not None:
            ctx.on("request", lambda r: None if r.url.startswith((base, f"https://{TILE_HOST}/"))
                   else foreign.append(r.url))
        page = ctx.new_page()
        start = time.perf_counter()
        page.goto(base + path, timeout=300_000)
        page.wait_for_function("() => window.AHYA_READY === true", timeout=300_000, polling=20)
        # The page's own clock (ms since navigation start) when it set the flag; wall clock if absent.
        at = page.evaluate("window.AHYA_READY_AT || null")
        times.append(at / 1000 if at else time.perf_counter() - start)
        ctx.close()
    return round(statistics.median(times), 3)


def page_measure(app) -> dict:
    client, times = app.test_client(), []
    for _ in range(5):
        start = time.perf_counter()
        size = len(client.get("/").data)
        times.append(time.perf_counter() - start)
    return {"bytes": size, "server_ms": round(statistics.median(times) * 1000, 1)}


def assign_throughput(app, n: int = 1_000_000) -> dict:
    from webapp.store.reporting import get_area_index

    rng = np.random.default_rng(1)
    lons, lats = rng.uniform(CITY[0], CITY[2], n), rng.uniform(CITY[1], CITY[3], n)
    with app.app_context():
        index = get_area_index()
        index.assign(lons[:1000], lats[:1000])  # warm-up
        start = time.perf_counter()
        out = index.assign(lons, lats)
        elapsed = time.perf_counter() - start
    return {"points": n, "seconds": round(elapsed, 3), "points_per_s": round(n / elapsed),
            "assigned": int((out != None).sum())}  # noqa: E711


def ingest_throughput(app, n: int = 300, rounds: int = 3) -> dict:
    """Form posts per second: ``rounds`` rounds of ``n`` sequential posts, the median round.

    Each post is a housing report with its structured fields filled in (issue 20: the fields
    must not slow the form).
    """
    import re

    from webapp.extensions import db
    from webapp.store.accounts import create_user
    from webapp.store.models import Report

    with app.app_context():
        create_user("bench@example.org", "bench password long", role="organizer")
        before = db.session.scalar(db.select(db.func.count()).select_from(Report))
    client = app.test_client()
    token = lambda url: re.search(r'name="csrf_token"[^>]*value="([^"]+)"',  # noqa: E731
                                  client.get(url).get_data(as_text=True)).group(1)
    client.post("/auth/login", data={"email": "bench@example.org", "password": "bench password long",
                                     "csrf_token": token("/auth/login")})
    csrf, rng = token("/reports/new"), np.random.default_rng(2)
    rates = []
    for _round in range(rounds):  # bounded loop
        start = time.perf_counter()
        for i in range(n):  # bounded loop
            data = {"kind": "challenge", "category": "housing", "precision": "approximate",
                    "lon": f"{35.2389 + rng.uniform(-0.003, 0.003):.6f}",
                    "lat": f"{31.7698 + rng.uniform(-0.003, 0.003):.6f}", "area_name": "",
                    "title": f"Ingest benchmark {i}", "description": "Bench.", "observed_on": "2026-01-01",
                    "organization": "", "link": "", "contact": "", "csrf_token": csrf,
                    # The housing category's structured fields, as an organizer fills them in.
                    "field_structures": "2", "field_housing_units": "3", "field_people_displaced": "14",
                    "field_children_displaced": "6", "field_demolished_by": "self_demolition",
                    "field_order_date": "2025-06-01", "field_stage": "demolished"}
            resp = client.post("/reports/new", data=data, content_type="multipart/form-data")
            assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
        rates.append(n / (time.perf_counter() - start))
    with app.app_context():
        after = db.session.scalar(db.select(db.func.count()).select_from(Report))
        last = db.session.scalars(db.select(Report).order_by(Report.id.desc()).limit(1)).first()
        fields_stored = last is not None and last.fields.get("people_displaced") == 14
    return {"submissions": n * rounds, "rounds": [round(r, 1) for r in rates],
            "reports_per_s": round(statistics.median(rates), 1),
            "stored": after - before, "count_matches": after - before == n * rounds,
            "fields_stored": fields_stored}


def run_api_only(labels: list[str]) -> dict:
    """Only the API latencies (clusters, street points, OGC items) per size: no browser, worker,
    naive page, ingest or import. What ``--api-only`` runs: the 1M size in minutes, not an hour."""
    results = {"machine": {"nproc": os.cpu_count(), "python": platform.python_version(),
                           "platform": platform.platform()}, "sizes": {}}
    rng, total = np.random.default_rng(0), 0
    with tempfile.TemporaryDirectory(prefix="ahya-bench-") as tmp:
        app, static = make_app(Path(tmp) / "instance"), Path(tmp)
        server = Server(app, static)
        for label in sorted(labels, key=SIZES.get):
            n = SIZES[label]
            res = {"n": n, "insert_s": round(insert_reports(app, n - total, rng), 2)}
            total = n
            res["api"] = api_measures(app, server, n)
            results["sizes"][label] = res
            print(f"# {label}: done", file=sys.stderr, flush=True)
        server.httpd.shutdown()
    return results


def api_table(r: dict) -> str:
    """The API latencies of a run as a Markdown table (p50/p95 in ms, cold; street points warm)."""
    rows = ["| N | city clusters p50/p95 | street points p50/p95 cold (warm) | OGC items, street bbox "
            "p50/p95 | OGC items, collection pages p50/p95 |", "|---|---|---|---|---|"]
    for label, s in r["sizes"].items():
        a = s["api"]
        c, st, sw = a["city_clusters_cold"], a["street_points_cold"], a["street_points_warm"]
        o, op = a["ogc_street_items"], a["ogc_collection_pages"]
        rows.append(f'| {label} | {c["p50_ms"]}/{c["p95_ms"]} ms | {st["p50_ms"]}/{st["p95_ms"]} ms '
                    f'({sw["p50_ms"]}/{sw["p95_ms"]}) | {o["p50_ms"]}/{o["p95_ms"]} ms '
                    f'| {op["p50_ms"]}/{op["p95_ms"]} ms |')
    m = r["machine"]
    return "\n".join([*rows, f'Machine: {m["nproc"]} cores, Python {m["python"]}, {m["platform"]}.'])


def run(labels: list[str], import_rows: int = IMPORT_ROWS) -> dict:
    from playwright.sync_api import sync_playwright

    results = {"machine": {"nproc": os.cpu_count(), "python": platform.python_version(),
                           "platform": platform.platform()}, "sizes": {}}
    rng, total = np.random.default_rng(0), 0
    with tempfile.TemporaryDirectory(prefix="ahya-bench-") as tmp, sync_playwright() as pw:
        app, static = make_app(Path(tmp) / "instance"), Path(tmp)
        results["assign"] = assign_throughput(app)  # first: a fresh process, no big heap yet
        server = Server(app, static)
        base = f"http://127.0.0.1:{server.port}"
        for label in sorted(labels, key=SIZES.get):
            n = SIZES[label]
            res = {"n": n, "insert_s": round(insert_reports(app, n - total, rng), 2)}
            total = n
            res["page"] = page_measure(app)
            # Before Chromium starts: a live browser (even idle) competes for the two cores and
            # doubled the API's p95.
            res["api"] = api_measures(app, server, n)
            # A fresh gunicorn worker on the same database: its memory and first map request.
            res["worker"] = worker_measures(app.config["SQLALCHEMY_DATABASE_URI"])
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
                f"--host-resolver-rules=MAP {TILE_HOST} ~NOTFOUND",
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
            foreign: list[str] = []
            res["map_ready_s"] = browser_ready(browser, base, "/", foreign=foreign)
            res["foreign_requests"] = foreign
            if n <= NAIVE_MAX:
                res["naive"] = build_naive(app, static, n)
                res["naive"]["ready_s"] = browser_ready(browser, base, "/naive.html", runs=1)
                res["naive_ratio"] = round(res["naive"]["ready_s"] / res["map_ready_s"], 1)
            else:  # extrapolate the largest naive build linearly: the page grows per point
                last = max((r for r in results["sizes"].values() if "naive" in r), key=lambda r: r["n"],
                           default=None)
                k = n / last["n"] if last else 0
                res["naive"] = {"not_run": "would take > {:.0f} s to build and ~{:.0f} MB".format(
                    last["naive"]["build_s"] * k, last["naive"]["bytes"] * k / 1e6) if last else "no data"}
            browser.close()
            results["sizes"][label] = res
            print(f"# {label}: done", file=sys.stderr, flush=True)
        results["ingest"] = ingest_throughput(app)
        server.httpd.shutdown()
        results["import"] = import_throughput(app, import_rows)
    return results


def table(r: dict) -> str:
    rows = ["| N | page HTML | page server | map ready | naive folium ready (build, size) | ratio "
            "| city clusters p50/p95 cold (warm) | bytes | street points p50/p95 cold (warm) | bytes "
            "| clusters after one change | OGC items street / collection pages p50/p95 |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for label, s in r["sizes"].items():
        a, nv = s["api"], s["naive"]
        naive = nv.get("not_run") or f'{nv["ready_s"]} s ({nv["build_s"]} s, {nv["bytes"] / 1e6:.1f} MB)'
        c, cw, st, sw = (a["city_clusters_cold"], a["city_clusters_warm"],
                         a["street_points_cold"], a["street_points_warm"])
        ratio = f'{s["naive_ratio"]}×' if "naive_ratio" in s else "—"
        rows.append(f'| {label} | {s["page"]["bytes"] / 1000:.0f} KB | {s["page"]["server_ms"]} ms '
                    f'| {s["map_ready_s"]} s | {naive} | {ratio} '
                    f'| {c["p50_ms"]}/{c["p95_ms"]} ms ({cw["p50_ms"]}/{cw["p95_ms"]}) | {c["bytes"]} '
                    f'| {st["p50_ms"]}/{st["p95_ms"]} ms ({sw["p50_ms"]}/{sw["p95_ms"]}) | {st["bytes"]} '
                    f'| {a["after_one_change_ms"]} ms '
                    f'| {a["ogc_street_items"]["p50_ms"]}/{a["ogc_street_items"]["p95_ms"]} ms, '
                    f'{a["ogc_collection_pages"]["p50_ms"]}/{a["ogc_collection_pages"]["p95_ms"]} ms |')
    rows.extend("\n" + worker_line(label, s["worker"]) for label, s in r["sizes"].items() if "worker" in s)
    rows.extend("\n" + trends_line(label, s["api"]) for label, s in r["sizes"].items())
    a, g = r["assign"], r["ingest"]
    rows.append(f'\nArea assignment: {a["points_per_s"]:,} points/s ({a["points"]:,} points in '
                f'{a["seconds"]} s). Ingest: {g["reports_per_s"]} reports/s, median of rounds '
                f'{g["rounds"]} ({g["submissions"]} form submissions, {g["stored"]} stored, '
                f'count matches: {g["count_matches"]}, structured fields stored: '
                f'{g.get("fields_stored")}).')
    rows.append(import_line(r["import"]))
    foreign = sorted({u for s in r["sizes"].values() for u in s.get("foreign_requests", [])})
    rows.append(f"Requests to hosts other than the app and the tile server: {len(foreign)}"
                + (f" ({', '.join(foreign[:5])})" if foreign else "") + ".")
    m = r["machine"]
    return "\n".join([*rows, f'Machine: {m["nproc"]} cores, Python {m["python"]}, {m["platform"]}.'])


def trends_line(label: str, api: dict) -> str:
    """One line of /api/v1/trends timings (cold: every request a different query; target p95 ≤ 50 ms)."""
    parts = [f'{name}: {api[key]["p50_ms"]}/{api[key]["p95_ms"]} ms' for name, key in (
        ("citywide by month", "trends_city_by_month_cold"), ("one area by year", "trends_area_cold"),
        ("housing people_displaced sums", "trends_field_cold"))]
    return (f"Trends at {label}, p50/p95 cold: " + "; ".join(parts)
            + f'; first request with the field (reads its values): {api["trends_field_first_ms"]} ms.')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated of " + ",".join(SIZES))
    parser.add_argument("--quick", action="store_true", help="small sizes only (" + ",".join(QUICK) + ")")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--api-only", action="store_true",
                        help="only the API latencies (clusters, street points, OGC items) per size")
    parser.add_argument("--import-only", action="store_true",
                        help=f"only the import measure ({IMPORT_ROWS:,} rows; "
                             f"{IMPORT_ROWS_QUICK:,} with --quick)")
    args = parser.parse_args(argv)
    import_rows = IMPORT_ROWS_QUICK if args.quick else IMPORT_ROWS
    if args.import_only:
        results = run_import(import_rows, make_app)
        print(import_line(results["import"]))
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
        return 0
    labels = list(QUICK) if args.quick else [s.strip() for s in args.sizes.split(",") if s.strip()]
    if unknown := [s for s in labels if s not in SIZES]:
        parser.error(f"unknown sizes: {unknown}")
    if args.api_only:
        results = run_api_only(labels)
        print(api_table(results))
    else:
        results = run(labels, import_rows)
        print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
