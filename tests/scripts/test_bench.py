"""scripts/bench.py --quick: every measurement is present and the ingest count was checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")

# ~30-60 s: inserts 10k reports, starts a server and Chromium, builds a folium page.
pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"needs Debian's Chromium at {CHROMIUM}")
def test_quick_benchmark_writes_every_measurement(tmp_path):
    pytest.importorskip("playwright")
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench.py"), "--quick", "--json", str(out)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| N | page HTML" in proc.stdout
    data = json.loads(out.read_text())
    assert set(data["sizes"]) == {"1k", "10k"}
    for label, size in data["sizes"].items():
        assert size["page"]["bytes"] > 0 and size["page"]["server_ms"] > 0, label
        assert size["map_ready_s"] > 0
        assert size["naive"]["ready_s"] > 0 and size["naive"]["bytes"] > 0 and size["naive_ratio"] > 0
        api = size["api"]
        for name in ("city_clusters_cold", "city_clusters_warm", "street_points_cold", "street_points_warm",
                     "trends_city_by_month_cold", "trends_area_cold", "trends_field_cold",
                     "ogc_street_items", "ogc_collection_pages"):
            assert api[name]["bytes"] > 0 and 0 < api[name]["p50_ms"] <= api[name]["p95_ms"], name
        assert api["after_one_change_ms"] > 0 and api["trends_field_first_ms"] > 0
        for case in ("full_load", "restarted"):  # a gunicorn worker's memory and first map request
            worker = size["worker"][case]
            assert worker["rss_before_mb"] > 0 and worker["first_request_s"] > 0, (label, case)
            assert worker["start_s"] > 0, (label, case)  # to ready, warm-up included
            assert abs(worker["rss_after_mb"] - worker["rss_before_mb"] - worker["rss_added_mb"]) <= 0.2
    assert data["assign"]["points"] == 1_000_000 and data["assign"]["points_per_s"] > 0
    ingest = data["ingest"]
    assert ingest["submissions"] == ingest["stored"] == 900 and ingest["count_matches"] is True
    assert ingest["fields_stored"] is True  # every post carries housing fields (issue 20)
    assert len(ingest["rounds"]) == 3 and ingest["reports_per_s"] > 0
    # Sizes, not speeds: the page is the same whatever the number of reports, and only the app
    # and the tile server were asked for anything.
    assert len({size["page"]["bytes"] for size in data["sizes"].values()}) == 1
    assert all(size["foreign_requests"] == [] for size in data["sizes"].values())
    assert data["machine"]["nproc"] >= 1
