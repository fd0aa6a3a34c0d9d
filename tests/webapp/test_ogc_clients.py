"""Real GIS clients read /ogc/ from a live server: GDAL's OAPIF driver (``ogrinfo``, ``ogr2ogr``
from gdal-bin) and geopandas (pyogrio and fiona), each reading every published report.

Issue 19: ``ogrinfo`` and ``geopandas.read_file`` on /api/v1/reports got 500 of 1,220 features
with no warning. Here 1,230 reports are published (and one kept pending) and each client must
get all 1,230, at their public points, over several pages, and nothing else.

The app is served by werkzeug in a thread; the Python clients run in a subprocess (pyogrio
holds the interpreter lock while GDAL downloads, which would stall a server in the same process).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import make_app
from webapp.extensions import db
from webapp.store.models import Report

N = 1230
pytestmark = pytest.mark.skipif(shutil.which("ogrinfo") is None,
                                reason="GDAL command-line tools not installed")


class _Quiet(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A served app with N published demo reports and a pending one; (base URL, app, requested paths)."""
    from webapp.cli.demo import load_demo
    from webapp.store.reporting import create_report

    with make_app(tmp_path_factory.mktemp("ogc") / "instance") as app:
        with app.app_context():
            load_demo(N, 19)
            create_report({"kind": "challenge", "category": "water", "title": "PENDING-REPORT",
                           "description": "", "lon": 35.2389, "lat": 31.7698, "precision": "exact",
                           "contact": "PRIVATE-CONTACT"}, user=None, source="public", publish=False)
        seen: list[str] = []

        def wsgi(environ, start_response):
            seen.append(environ["PATH_INFO"] + "?" + environ.get("QUERY_STRING", ""))
            return app(environ, start_response)

        server = make_server("127.0.0.1", 0, wsgi, threaded=True, request_handler=_Quiet)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", app, seen
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()


def expected(app) -> dict[int, tuple[float, float]]:
    """Published report id → public point, from the database."""
    with app.app_context():
        rows = db.session.execute(select(Report.id, Report.public_lon, Report.public_lat)
                                  .where(Report.status == "published")).all()
    return {r.id: (r.public_lon, r.public_lat) for r in rows}


def run(*args: str) -> subprocess.CompletedProcess:
    out = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    return out


def test_ogrinfo_lists_the_collections_and_counts_every_report(live):
    url, _app, _seen = live
    listing = run("ogrinfo", "-ro", "-q", f"OAPIF:{url}/ogc/").stdout
    for name in ("reports", "areas", "places", "organizations"):
        assert f": {name} " in listing, listing
    summary = run("ogrinfo", "-ro", "-so", f"OAPIF:{url}/ogc/", "reports").stdout
    assert f"Feature Count: {N}" in summary and "Geometry: Point" in summary


def test_ogr2ogr_copies_every_published_report_at_its_public_point(live, tmp_path):
    url, app, seen = live
    seen.clear()
    target = tmp_path / "reports.geojson"
    run("ogr2ogr", "-f", "GeoJSON", "-preserve_fid", str(target), f"OAPIF:{url}/ogc/", "reports")
    features = json.loads(target.read_text("utf-8"))["features"]
    truth = expected(app)
    got = {f["id"]: tuple(f["geometry"]["coordinates"]) for f in features}
    assert len(features) == N and got.keys() == truth.keys()
    assert all(got[i] == pytest.approx(truth[i], abs=1e-9) for i in truth)
    text = target.read_text("utf-8")
    assert "PENDING-REPORT" not in text and "PRIVATE-CONTACT" not in text
    pages = [p for p in seen if p.startswith("/ogc/collections/reports/items")]
    assert len(pages) >= 2, pages  # it followed next links
    # A smaller page size: many more pages, the same features.
    seen.clear()
    small = tmp_path / "small.geojson"
    run("ogr2ogr", "-oo", "PAGE_SIZE=100", "-f", "GeoJSON", "-preserve_fid", str(small), f"OAPIF:{url}/ogc/",
        "reports")
    assert sorted(f["id"] for f in json.loads(small.read_text("utf-8"))["features"]) == sorted(truth)
    assert len([p for p in seen if p.startswith("/ogc/collections/reports/items")]) >= 13


def test_ogr2ogr_spatial_filter_goes_to_the_server(live, tmp_path):
    url, app, _seen = live
    box = (35.20, 31.76, 35.25, 31.80)
    target = tmp_path / "box.geojson"
    run("ogr2ogr", "-f", "GeoJSON", "-preserve_fid", "-spat", *map(str, box), str(target),
        f"OAPIF:{url}/ogc/", "reports")
    ids = sorted(f["id"] for f in json.loads(target.read_text("utf-8"))["features"])
    inside = sorted(i for i, (x, y) in expected(app).items()
                    if box[0] <= x <= box[2] and box[1] <= y <= box[3])
    assert ids == inside and 0 < len(ids) < N


READER = """
import sys, fiona, geopandas as gpd
url, engine = sys.argv[1], sys.argv[2]
fiona.supported_drivers["OAPIF"] = "r"  # in fiona's GDAL, not in its default list
frame = gpd.read_file("OAPIF:" + url + "/ogc/", layer="reports", engine=engine)
one = gpd.read_file(url + "/ogc/collections/areas/items?limit=1000", engine=engine)
print(len(frame), frame.crs.to_epsg(), ",".join(sorted(frame.columns)), len(one))
print(round(float(frame.geometry.x.sum()), 6), round(float(frame.geometry.y.sum()), 6))
"""


@pytest.mark.parametrize("engine", ["pyogrio", "fiona"])
def test_geopandas_reads_every_report(live, engine):
    url, app, _seen = live
    out = run(sys.executable, "-c", READER, url, engine).stdout.splitlines()
    count, epsg, columns, areas = out[0].split()
    assert int(count) == N and epsg == "4326" and int(areas) == 102
    assert {"kind", "category", "title", "area", "observed_on", "url"} <= set(columns.split(","))
    assert "contact" not in columns and "privacy_seed" not in columns
    truth = expected(app).values()
    sums = [float(v) for v in out[1].split()]
    assert sums == pytest.approx([sum(p[0] for p in truth), sum(p[1] for p in truth)], abs=1e-3)


def test_api_v1_reports_says_how_many_match(live):
    """What GIS clients read from the GeoJSON API: numberMatched/numberReturned on a partial page."""
    import http.client

    url, _app, _seen = live
    con = http.client.HTTPConnection(url.removeprefix("http://"), timeout=60)
    with contextlib.closing(con):
        con.request("GET", "/api/v1/reports")
        data = json.load(con.getresponse())
    assert data["numberMatched"] == N and data["numberReturned"] == len(data["features"]) == 500
