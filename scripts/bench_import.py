"""The import measure of scripts/bench.py: a KoboToolbox-style CSV through the import's own functions.

``python scripts/bench.py --import-only`` runs it alone; the full benchmark runs it last.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

IMPORT_ROWS, IMPORT_ROWS_QUICK = 50_000, 2_000


def kobo_csv(app, n: int, rng: np.random.Generator) -> bytes:
    """A KoboToolbox CSV export (";", Arabic headers, _geolocation, _uuid) of ``n`` rows in the areas."""
    import uuid

    from geo.spatial.demo import random_points_in_polygons
    from webapp.store.layers import get_layers

    with app.app_context():
        lons, lats, _ = random_points_in_polygons(get_layers().areas.geometry.values, n, rng)
    cats = ["السكن والهدم", "التعليم", "water", "roads", "الصحة"]
    lines = ["العنوان;الوصف;النوع;الفئة;التاريخ;_geolocation;_uuid;_submission_time"]
    for i in range(n):  # bounded loop
        lines.append(f"تقرير {i};وصف التقرير رقم {i}.;تحدي;{cats[i % len(cats)]};2026-0{1 + i % 9}-1{i % 10};"
                     f"[{lats[i]:.6f}, {lons[i]:.6f}];{uuid.UUID(int=int(rng.integers(1 << 62)) << 64 | i)};"
                     "2026-10-01T06:05:10")
    return ("\n".join(lines) + "\n").encode("utf-8")


def import_throughput(app, n: int) -> dict:
    """Seconds to import ``n`` rows (read + check, then store), and to find them all again."""
    from webapp.extensions import db
    from webapp.store.models import Report
    from webapp.store.report_import import prepare, store
    from webapp.store.versioning import read_state

    data = kobo_csv(app, n, np.random.default_rng(3))
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count()).select_from(Report))
        version = read_state().version
        start = time.perf_counter()
        plan = prepare(data, "bench_kobo.csv")
        checked = time.perf_counter()
        stored = store(plan, user=None, publish=False, skip_invalid=False)
        done = time.perf_counter()
        again = prepare(data, "bench_kobo.csv")
        second = time.perf_counter() - done
        after = db.session.scalar(db.select(db.func.count()).select_from(Report))
        versions = read_state().version - version
    return {"rows": n, "check_s": round(checked - start, 2), "store_s": round(done - checked, 2),
            "total_s": round(done - start, 2), "rows_per_s": round(n / (done - start)),
            "stored": stored, "count_matches": after - before == n, "invalid": len(plan.invalid),
            "versions_bumped": versions, "second_import_s": round(second, 2),
            "second_import_new": again.count("new"), "second_import_already": again.count("duplicate")}


def run_import(n: int, make_app) -> dict:
    """The import measure alone, on a temporary instance made by ``make_app(path)``."""
    with tempfile.TemporaryDirectory(prefix="ahya-bench-") as tmp:
        return {"import": import_throughput(make_app(Path(tmp) / "instance"), n)}


def import_line(i: dict) -> str:
    return (f'Import: {i["rows"]:,} Kobo CSV rows in {i["total_s"]} s ({i["rows_per_s"]:,} rows/s: read and '
            f'check {i["check_s"]} s, store {i["store_s"]} s; {i["stored"]:,} stored, '
            f'{i["invalid"]} invalid, '
            f'data version +{i["versions_bumped"]}); the same file again: {i["second_import_new"]} new, '
            f'{i["second_import_already"]:,} already imported, in {i["second_import_s"]} s.')
