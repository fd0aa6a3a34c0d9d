"""geo.reference.build: the shipped layers are reproducible from the committed gazetteer and census areas."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo.reference import build

ROOT = Path(__file__).resolve().parents[3]
GAZETTEER = ROOT / "data" / "gazetteer"
STATAREAS = ROOT / "data" / "sources" / "cbs2008_jerusalem_statareas.geojson"
COMMITTED = ROOT / "data" / "layers"
LAYER_FILES = ("areas.geojson", "places.geojson", "boundary.geojson")


def _csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _features(path: Path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    return data["features"]


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Two independent builds, each into its own temporary directory."""
    out = []
    for i in range(2):
        out_dir = tmp_path_factory.mktemp(f"build{i}") / "layers"
        counts = build.build_all(GAZETTEER, STATAREAS, out_dir)
        out.append((out_dir, counts))
    return out


def test_build_is_deterministic(builds):
    (first, counts1), (second, counts2) = builds
    assert counts1 == counts2
    for name in LAYER_FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.parametrize("name", LAYER_FILES)
def test_committed_layers_are_reproducible(builds, name):
    built = (builds[0][0] / name).read_bytes()
    committed = (COMMITTED / name).read_bytes()
    assert built == committed, f"data/layers/{name} differs from a fresh build: rerun scripts/build_layers.py"


def test_build_counts(builds):
    out_dir, counts = builds[0]
    assert counts == {
        "areas": len(_features(out_dir / "areas.geojson")),
        "places": len(_features(out_dir / "places.geojson")),
        "boundary": 1,
    }
    assert counts["places"] == len(_csv(GAZETTEER / "jerusalem_places.csv"))


def test_built_properties(builds):
    out_dir = builds[0][0]
    fields = list(build.PLACE_FIELDS)
    assert fields == ["slug", "name_ar", "name_en", "name_he", "alt_names", "kind", "sector",
                      "pcbs_code", "source"]
    for feature in _features(out_dir / "areas.geojson"):
        props = feature["properties"]
        assert list(props) == [*fields, "stat_areas"]
        assert all(isinstance(props[f], str) for f in fields)
        assert props["source"].endswith(build.POLYGON_SOURCE)
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    for feature in _features(out_dir / "places.geojson"):
        props = feature["properties"]
        assert list(props) == [*fields, "has_area"]
        assert isinstance(props["has_area"], bool)
        assert feature["geometry"]["type"] == "Point"


def test_built_places_match_gazetteer(builds):
    out_dir = builds[0][0]
    gazetteer = {row["slug"]: row for row in _csv(GAZETTEER / "jerusalem_places.csv")}
    places = {f["properties"]["slug"]: f for f in _features(out_dir / "places.geojson")}
    assert set(places) == set(gazetteer)
    assert list(places) == sorted(places)  # written in slug order
    for slug, feature in places.items():
        row = gazetteer[slug]
        for field in ("name_ar", "name_en", "name_he"):
            assert feature["properties"][field] == row[field]
        lon, lat = feature["geometry"]["coordinates"]
        assert (lon, lat) == pytest.approx((float(row["lon"]), float(row["lat"])), abs=1e-6)


def test_every_assigned_place_has_an_area(builds):
    out_dir = builds[0][0]
    assignment = _csv(GAZETTEER / "statarea_to_place.csv")
    areas = {f["properties"]["slug"]: f["properties"] for f in _features(out_dir / "areas.geojson")}
    places = {f["properties"]["slug"]: f["properties"] for f in _features(out_dir / "places.geojson")}
    assert {row["slug"] for row in assignment} == set(areas)
    for row in assignment:
        assert row["stat_area"] in areas[row["slug"]]["stat_areas"].split(";"), row
    for slug, props in places.items():
        assert props["has_area"] is (slug in areas), slug


def test_every_statistical_area_is_assigned_once(builds):
    out_dir = builds[0][0]
    source_areas = {str(f["properties"]["stat_area"]) for f in _features(STATAREAS)}
    areas = _features(out_dir / "areas.geojson")
    used = [sa for f in areas for sa in f["properties"]["stat_areas"].split(";")]
    assert len(used) == len(set(used))
    assert set(used) == source_areas


def _square(x: float, y: float, size: float = 100.0):
    return shapely.box(x, y, x + size, y + size)


def _statareas(numbers: list[str]) -> gpd.GeoDataFrame:
    # Adjacent 100 m squares in the Israeli grid, near the Old City.
    geoms = [_square(221000 + 100 * i, 631500) for i in range(len(numbers))]
    return gpd.GeoDataFrame({"stat_area": numbers}, geometry=geoms, crs=build.SOURCE_CRS)


PLACES = [{"slug": "a", "name_ar": "أ", "name_en": "A", "name_he": "א", "alt_names": "",
           "kind": "neighborhood", "sector": "east", "pcbs_code": "", "source": "test"}]


def test_dissolve_areas_rejects_unassigned_statistical_area():
    with pytest.raises(ValueError, match=r"statistical areas without a place: 2, 3"):
        build.dissolve_areas(_statareas(["1", "2", "3"]), {"1": "a"}, PLACES)


def test_dissolve_areas_rejects_unknown_place():
    with pytest.raises(ValueError, match=r"missing from the gazetteer: \['zzz'\]"):
        build.dissolve_areas(_statareas(["1", "2"]), {"1": "a", "2": "zzz"}, PLACES)


def test_dissolve_areas_merges_by_place():
    gdf = build.dissolve_areas(_statareas(["2", "10"]), {"2": "a", "10": "a"}, PLACES)
    assert len(gdf) == 1
    assert gdf.crs.to_epsg() == 4326
    row = gdf.iloc[0]
    assert row["slug"] == "a"
    assert row["stat_areas"] == "2;10"  # numeric order, not text order
    assert row["source"] == f"test; {build.POLYGON_SOURCE}"
    merged = gdf.to_crs(build.SOURCE_CRS).geometry.iloc[0]
    assert merged.geom_type == "Polygon"  # the shared edge is gone
    assert merged.area == pytest.approx(2 * 100 * 100, rel=1e-3)


def test_write_geojson_requires_wgs84(tmp_path):
    with pytest.raises(ValueError, match="EPSG:4326"):
        build.write_geojson(_statareas(["1"]), tmp_path / "x.geojson", "x")


def test_build_script(tmp_path):
    out_dir = tmp_path / "layers"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_layers.py"), "--out", str(out_dir)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "places: 137 features" in result.stdout
    for name in LAYER_FILES:
        assert (out_dir / name).read_bytes() == (COMMITTED / name).read_bytes(), name


@pytest.mark.parametrize("source", ["geo/reference/build.py", "scripts/build_layers.py"])
def test_build_does_not_read_shared(source):
    text = (ROOT / source).read_text(encoding="utf-8")
    assert "shared" not in text.lower()
    assert "parents[2]" not in text and "../" not in text
