"""``flask layers import/list/remove`` through Flask's CLI runner, on real files."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pytest
import sqlalchemy as sa
from shapely.geometry import Point

GARDENS = {"name_ar": ["حديقة سلوان", "حديقة شعفاط"], "name_en": ["Silwan garden", "Shu'fat garden"]}
JERUSALEM_POINTS = [Point(35.2360, 31.7680), Point(35.2337, 31.8130)]


def write_gardens(path: Path, crs: str = "EPSG:4326") -> Path:
    gdf = gpd.GeoDataFrame(GARDENS, geometry=JERUSALEM_POINTS, crs="EPSG:4326").to_crs(crs)
    gdf.to_file(path, engine="pyogrio")
    return path


def page_text(resp) -> str:
    """The page with JSON's \\uXXXX escapes undone, as the browser reads it."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), resp.get_data(as_text=True))


def page_overlays(client, url: str = "/?lang=en") -> list[dict]:
    """The overlay list of a map page (``#ahya-overlays``: titles, styles, data URLs)."""
    html = client.get(url).get_data(as_text=True)
    found = re.search(r'<script[^>]*id="ahya-overlays">(.*?)</script>', html, re.S)
    assert found, "the map page lists no overlays"
    return json.loads(found.group(1))


def overlay_data(client, overlay: dict, tier: int = 0) -> dict:
    """The GeoJSON the page fetches for ``overlay`` at zoom tier ``tier``."""
    resp = client.get(overlay["urls"][tier])
    assert resp.status_code == 200, resp.status_code
    return resp.get_json(force=True)


class StoredOverlays:
    """The overlay files as stored in the database (``stored_files`` under ``overlays/``)."""

    def __init__(self, app):
        self.app = app

    def _rows(self) -> dict[str, bytes]:
        from webapp.extensions import db

        with self.app.app_context(), db.engine.connect() as conn:
            return {name.removeprefix("overlays/"): bytes(data) for name, data in conn.execute(
                sa.text("SELECT name, data FROM stored_files WHERE name LIKE 'overlays/%' ORDER BY name"))}

    def names(self) -> list[str]:
        return sorted(self._rows())

    def read(self, name: str) -> bytes:
        return self._rows()[name]


@pytest.fixture
def overlay_dir(app) -> StoredOverlays:
    return StoredOverlays(app)


def test_import_stores_overlay_and_map_shows_it(runner, client, overlay_dir, tmp_path):
    src = write_gardens(tmp_path / "gardens.geojson", crs="EPSG:2039")
    result = runner.invoke(args=["layers", "import", str(src), "--title", "Community gardens"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Imported 2 features from gardens.geojson as 'gardens'")
    assert overlay_dir.names() == ["gardens.geojson", "gardens.json"]

    meta = json.loads(overlay_dir.read("gardens.json"))
    assert meta["title"] == "Community gardens"
    assert meta["source_file"] == "gardens.geojson"
    assert meta["source_layer"] == "gardens"
    assert meta["features"] == 2
    assert meta["geometry_types"] == ["Point"]
    assert meta["name_field"] == "name_ar"
    assert datetime.fromisoformat(meta["imported_at"]).utcoffset().total_seconds() == 0

    stored = gpd.read_file(io.BytesIO(overlay_dir.read("gardens.geojson")), engine="pyogrio")
    assert list(stored["name_ar"]) == GARDENS["name_ar"]
    assert stored.geometry.iloc[0].distance(JERUSALEM_POINTS[0]) < 1e-6

    html = page_text(client.get("/?lang=en"))
    assert "Community gardens" in html
    assert "حديقة سلوان" not in html  # no feature is written into the page ...
    [listed] = page_overlays(client)
    assert listed["title"] == "Community gardens" and listed["label"] == "name_ar"
    names = [f["properties"]["name_ar"] for f in overlay_data(client, listed)["features"]]
    assert names == GARDENS["name_ar"]  # ... the label field feeds the tooltips from its URL


def test_defaults_from_the_file_name(runner, overlay_dir, tmp_path):
    src = write_gardens(tmp_path / "Jerusalem Gardens (2024).geojson")
    assert runner.invoke(args=["layers", "import", str(src)]).exit_code == 0
    meta = json.loads(overlay_dir.read("jerusalem-gardens-2024.json"))
    assert meta["title"] == "Jerusalem Gardens (2024)"


def test_arabic_file_name_gets_a_numbered_name(runner, client, overlay_dir, tmp_path):
    src = write_gardens(tmp_path / "حدائق.geojson")
    for expected in ("layer-1", "layer-2"):
        result = runner.invoke(args=["layers", "import", str(src)])
        assert result.exit_code == 0, result.output
        meta = json.loads(overlay_dir.read(f"{expected}.json"))
        assert meta["title"] == "حدائق" and meta["source_file"] == "حدائق.geojson"
    assert "حدائق" in page_text(client.get("/?lang=ar"))


def test_rejected_import_stores_nothing(runner, overlay_dir, tmp_path):
    src = tmp_path / "paris.geojson"
    gpd.GeoDataFrame({"name": ["Tour Eiffel"]}, geometry=[Point(2.2945, 48.8584)],
                     crs="EPSG:4326").to_file(src, engine="pyogrio")
    result = runner.invoke(args=["layers", "import", str(src)])
    assert result.exit_code != 0
    assert f"Error: {src}: lies outside Jerusalem" in result.output
    assert overlay_dir.names() == []


def test_force_and_encoding_options(runner, overlay_dir, tmp_path):
    """``--force`` keeps a layer mostly outside Jerusalem; ``--encoding`` reads a Shapefile without .cpg."""
    src = tmp_path / "coast.geojson"
    gpd.GeoDataFrame({"name": ["Old City", "Tel Aviv", "Haifa"]},
                     geometry=[Point(35.2345, 31.7767), Point(34.78, 32.08), Point(34.99, 32.79)],
                     crs="EPSG:4326").to_file(src, engine="pyogrio")
    refused = runner.invoke(args=["layers", "import", str(src)])
    assert refused.exit_code != 0 and "lies mostly outside Jerusalem" in refused.output
    assert overlay_dir.names() == []
    forced = runner.invoke(args=["layers", "import", str(src), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "(kept: forced)" in forced.output and overlay_dir.names() == ["coast.geojson", "coast.json"]
    shp = tmp_path / "shops.shp"
    gpd.GeoDataFrame({"name": ["سلوان"]}, geometry=[Point(35.2360, 31.7680)], crs="EPSG:4326").to_file(
        shp, engine="fiona", encoding="cp1256")
    shp.with_suffix(".cpg").unlink()
    result = runner.invoke(args=["layers", "import", str(shp), "--encoding", "cp1256"])
    assert result.exit_code == 0, result.output
    assert "سلوان" in overlay_dir.read("shops.geojson").decode("utf-8")
    bad = runner.invoke(args=["layers", "import", str(shp), "--encoding", "klingon", "--name", "x"])
    assert bad.exit_code != 0 and "unknown text encoding" in bad.output


def test_garbage_file_is_rejected(runner, overlay_dir, tmp_path):
    src = tmp_path / "garbage.geojson"
    src.write_bytes(b"\x00\xff not json at all")
    result = runner.invoke(args=["layers", "import", str(src)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {src}: is not a readable GeoJSON file"
    assert overlay_dir.names() == []


def test_geopackage_layer_option(runner, overlay_dir, tmp_path):
    src = tmp_path / "survey.gpkg"
    write_gardens(src)
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[JERUSALEM_POINTS[0]], crs=4326).to_file(
        src, layer="other", engine="pyogrio")
    result = runner.invoke(args=["layers", "import", str(src)])
    assert result.exit_code == 1 and "layers (survey, other)" in result.output
    result = runner.invoke(args=["layers", "import", str(src), "--layer", "other", "--name", "one"])
    assert result.exit_code == 0, result.output
    assert json.loads(overlay_dir.read("one.json"))["source_layer"] == "other"


def test_existing_name_needs_replace(runner, overlay_dir, tmp_path):
    src = write_gardens(tmp_path / "gardens.geojson")
    assert runner.invoke(args=["layers", "import", str(src)]).exit_code == 0
    again = runner.invoke(args=["layers", "import", str(src), "--title", "New"])
    assert again.exit_code == 1 and "already exists" in again.output
    assert json.loads(overlay_dir.read("gardens.json"))["title"] == "gardens"
    replaced = runner.invoke(args=["layers", "import", str(src), "--title", "New", "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert json.loads(overlay_dir.read("gardens.json"))["title"] == "New"


def test_invalid_name_is_refused(runner, overlay_dir, tmp_path):
    src = write_gardens(tmp_path / "gardens.geojson")
    result = runner.invoke(args=["layers", "import", str(src), "--name", "../etc"])
    assert result.exit_code == 1 and "Invalid name" in result.output
    assert overlay_dir.names() == []


def test_list_and_remove(runner, client, tmp_path):
    src = write_gardens(tmp_path / "gardens.geojson")
    runner.invoke(args=["layers", "import", str(src), "--title", "Community gardens"])
    listing = runner.invoke(args=["layers", "list"])
    assert listing.exit_code == 0
    assert re.search(r"^  areas\s+\d+ features$", listing.output, re.M)
    assert re.search(r"^  boundary\s+1 feature$", listing.output, re.M)
    assert re.search(r"^  gardens\s+2 features\s+imported \S+\s+Community gardens$", listing.output, re.M)

    assert runner.invoke(args=["layers", "remove", "gardens"]).exit_code == 0
    assert "(none)" in runner.invoke(args=["layers", "list"]).output
    assert "Community gardens" not in page_text(client.get("/?lang=en"))
    missing = runner.invoke(args=["layers", "remove", "gardens"])
    assert missing.exit_code == 1 and "no imported overlay named 'gardens'" in missing.output


def test_rendered_map_follows_imports_and_removals(runner, client, tmp_path):
    """The rendered base map is cached per process; a change of overlay files renders it again."""
    first = client.get("/?lang=en").get_data(as_text=True)
    assert client.get("/?lang=en").get_data(as_text=True).count("var map_") == 1
    assert "Community gardens" not in first
    src = write_gardens(tmp_path / "gardens.geojson")
    assert runner.invoke(args=["layers", "import", str(src), "--title", "Community gardens"]).exit_code == 0
    assert "Community gardens" in page_text(client.get("/?lang=en"))
    assert "Community gardens" in page_text(client.get("/?lang=ar"))
    assert runner.invoke(args=["layers", "remove", "gardens"]).exit_code == 0
    assert "Community gardens" not in page_text(client.get("/?lang=en"))
    # Same map variable names as before the import: the first rendering came back from the cache.
    assert re.search(r"var (map_[0-9a-f]+)", first).group(1) in client.get("/?lang=en").get_data(as_text=True)


def test_label_option(runner, client, overlay_dir, tmp_path):
    """``--label`` picks the tooltip attribute at import and with ``style``; checked, stored, served."""
    src = write_gardens(tmp_path / "gardens.geojson")
    bad = runner.invoke(args=["layers", "import", str(src), "--label", "nope"])
    assert bad.exit_code != 0 and "label: the layer has no attribute 'nope'" in bad.output
    assert overlay_dir.names() == []
    done = runner.invoke(args=["layers", "import", str(src), "--label", "name_en"])
    assert done.exit_code == 0, done.output
    assert json.loads(overlay_dir.read("gardens.json"))["name_field"] == "name_en"
    [o] = page_overlays(client)
    assert o["label"] == "name_en"
    assert overlay_data(client, o)["features"][0]["properties"]["name_en"] == "Silwan garden"
    before = overlay_dir.read("gardens.json")
    bad = runner.invoke(args=["layers", "style", "gardens", "--label", "nope"])
    assert bad.exit_code != 0 and "no attribute 'nope'" in bad.output
    assert overlay_dir.read("gardens.json") == before
    styled = runner.invoke(args=["layers", "style", "gardens", "--label", "name_ar"])
    assert styled.exit_code == 0 and "label=name_ar" in styled.output
    [o] = page_overlays(client)
    assert o["label"] == "name_ar"
    props = overlay_data(client, o)["features"][0]["properties"]
    assert props == {"name_ar": "حديقة سلوان"}  # only the label leaves the server
    # A replace keeps the chosen label while the new file has it (the reader would pick name_ar).
    assert runner.invoke(args=["layers", "style", "gardens", "--label", "name_en"]).exit_code == 0
    assert runner.invoke(args=["layers", "import", str(src), "--replace"]).exit_code == 0
    assert page_overlays(client)[0]["label"] == "name_en"
    assert runner.invoke(args=["layers", "style", "gardens", "--label", ""]).exit_code == 0
    assert page_overlays(client)[0]["label"] is None


def test_outside_jerusalem_names_the_force_option(runner, overlay_dir, tmp_path):
    src = tmp_path / "coast.geojson"
    gpd.GeoDataFrame({"name": ["Old City", "Tel Aviv", "Haifa"]},
                     geometry=[Point(35.2345, 31.7767), Point(34.78, 32.08), Point(34.99, 32.79)],
                     crs="EPSG:4326").to_file(src, engine="pyogrio")
    refused = runner.invoke(args=["layers", "import", str(src)])
    assert refused.exit_code != 0 and "(use --force)" in refused.output
    assert overlay_dir.names() == []
