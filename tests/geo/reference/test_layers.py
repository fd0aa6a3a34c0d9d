"""geo.reference.layers: validation rules on edge-case fixture files, and the shipped layers."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import shapely

from geo.reference.layers import (
    METRIC_CRS,
    NAME_FIELDS,
    OVERLAP_TOLERANCE_M2,
    LayerError,
    load_layers,
    read_layer,
    validate_layer,
)

ROOT = Path(__file__).resolve().parents[3]
LAYERS = Path(__file__).resolve().parents[2] / "fixtures" / "layers"
SHIPPED = ROOT / "data" / "layers"

REQUIRED_PLACES = (
    "silwan", "sheikh-jarrah", "beit-hanina", "shufat", "kafr-aqab", "sur-bahir",
    "jabal-al-mukabbir", "al-isawiya", "ras-al-amud", "at-tur",
    "old-city-muslim-quarter", "old-city-christian-quarter",
    "old-city-armenian-quarter", "old-city-jewish-quarter",
)


def fixture(name: str) -> Path:
    path = LAYERS / name
    assert path.is_file(), f"missing fixture {path}"
    return path


def validate(name: str, **kwargs):
    path = fixture(name)
    return validate_layer(read_layer(path), path, **kwargs)


def assert_layer_error(exc: LayerError, file_name: str, rule: str, feature: str | None) -> str:
    """The message names the file, the feature (when there is one) and the rule."""
    message = str(exc)
    assert exc.path.name == file_name
    assert exc.rule == rule
    assert exc.feature == feature
    assert message.startswith(file_name)
    assert f": {rule}: " in message
    if feature is None:
        assert "feature" not in message.split(f": {rule}: ")[0]
    else:
        assert message.startswith(f"{file_name}, feature {feature}: {rule}: ")
    return message


# --- fixtures that validate ---------------------------------------------------------------------


def test_valid_areas_pass_every_rule():
    raw = read_layer(fixture("valid_areas.geojson"))
    gdf = validate("valid_areas.geojson", polygons=True, check_overlaps=True)
    assert list(gdf["slug"]) == ["silwan", "ras-al-amud", "at-tur"]
    assert gdf.crs.to_epsg() == 4326
    assert shapely.is_valid(gdf.geometry.values).all()
    assert shapely.equals(gdf.geometry.values, raw.geometry.values).all()
    assert gdf.loc[0, "name_ar"] == "سلوان"
    assert gdf.loc[0, "name_he"] == "סילואן"
    # #0 and #1 share an edge: touching is not overlapping.
    assert gdf.geometry.iloc[0].touches(gdf.geometry.iloc[1])


def test_invalid_ring_is_repaired_into_a_valid_polygon():
    path = fixture("invalid_ring.geojson")
    raw = read_layer(path)
    assert list(shapely.is_valid(raw.geometry.values)) == [True, False]

    gdf = validate_layer(raw, path, polygons=True, check_overlaps=True)

    assert shapely.is_valid(gdf.geometry.values).all()
    assert gdf.geometry.iloc[0].equals(raw.geometry.iloc[0])  # valid features are left alone
    bow_tie = gdf.geometry.iloc[1]
    assert bow_tie.geom_type == "MultiPolygon"
    assert len(bow_tie.geoms) == 2  # the two triangles of the bow tie
    # Two triangles = half of the 0.004° x 0.004° square the bow tie spans.
    assert bow_tie.area == pytest.approx(0.004 * 0.004 / 2, rel=1e-6)
    assert bow_tie.bounds == pytest.approx(raw.geometry.iloc[1].bounds)
    # The caller's frame is not modified.
    assert not raw.geometry.iloc[1].is_valid


# --- fixtures that raise LayerError -------------------------------------------------------------


def test_nonclosed_ring_is_closed_on_read():
    """GDAL accepts the open ring (with a warning); read_layer closes it so the layer validates."""
    path = fixture("nonclosed_ring.geojson")
    raw = read_layer(path)
    layer = validate_layer(raw, path, polygons=True)
    ring = layer.geometry.iloc[0].exterior.coords
    assert ring[0] == ring[-1]
    assert layer.geometry.is_valid.all()


def test_empty_and_null_geometries():
    path = fixture("empty_geometry.geojson")
    raw = read_layer(path)
    assert raw.geometry.iloc[1] is None
    assert raw.geometry.iloc[2].is_empty

    with pytest.raises(LayerError) as info:
        validate_layer(raw, path, polygons=True)
    message = assert_layer_error(info.value, "empty_geometry.geojson", "geometry-present",
                                 "#1 (slug=null-geometry)")
    assert "empty or missing geometry" in message

    # Without the null feature, the empty polygon (now #1) is reported.
    with pytest.raises(LayerError) as info:
        validate_layer(raw.iloc[[0, 2]], path, polygons=True)
    assert_layer_error(info.value, "empty_geometry.geojson", "geometry-present",
                       "#1 (slug=empty-polygon)")


def test_empty_name():
    with pytest.raises(LayerError) as info:
        validate("missing_name.geojson", polygons=True)
    message = assert_layer_error(info.value, "missing_name.geojson", "required-name", "#1 (slug=at-tur)")
    assert "'name_he'" in message


def test_missing_name_property_on_one_feature():
    with pytest.raises(LayerError) as info:
        validate("missing_name_field.geojson", polygons=True)
    message = assert_layer_error(info.value, "missing_name_field.geojson", "required-name",
                                 "#1 (slug=at-tur)")
    assert "'name_he'" in message


@pytest.mark.parametrize("field", ["slug", *NAME_FIELDS])
def test_missing_column_in_the_whole_layer(field):
    path = fixture("valid_areas.geojson")
    gdf = read_layer(path).drop(columns=field)
    with pytest.raises(LayerError) as info:
        validate_layer(gdf, path, polygons=True)
    message = assert_layer_error(info.value, "valid_areas.geojson", "required-field", None)
    assert f"'{field}'" in message


def test_names_not_required_for_outline_layers():
    path = fixture("missing_name_field.geojson")
    gdf = validate_layer(read_layer(path), path, polygons=True, require_names=False)
    assert len(gdf) == 2


def test_wrong_crs():
    path = fixture("wrong_crs.geojson")
    raw = read_layer(path)
    assert raw.crs.to_epsg() == 2039  # GDAL honours the named crs member
    with pytest.raises(LayerError) as info:
        validate_layer(raw, path, polygons=True)
    message = assert_layer_error(info.value, "wrong_crs.geojson", "crs", None)
    assert "EPSG:4326" in message and "2039" in message

    # crs is the only rule it breaks: reprojected, it validates and lies in Jerusalem.
    gdf = validate_layer(raw.to_crs(4326), path, polygons=True, check_overlaps=True)
    lon, lat = gdf.geometry.iloc[0].centroid.coords[0]
    assert lon == pytest.approx(35.202, abs=0.001)
    assert lat == pytest.approx(31.772, abs=0.001)


def test_layer_without_crs():
    path = fixture("valid_areas.geojson")
    gdf = read_layer(path).set_crs(None, allow_override=True)
    with pytest.raises(LayerError) as info:
        validate_layer(gdf, path, polygons=True)
    assert "no CRS" in assert_layer_error(info.value, "valid_areas.geojson", "crs", None)


def test_layer_without_features():
    path = fixture("valid_areas.geojson")
    with pytest.raises(LayerError) as info:
        validate_layer(read_layer(path).iloc[0:0], path, polygons=True)
    assert_layer_error(info.value, "valid_areas.geojson", "not-empty", None)


def test_duplicate_slug():
    with pytest.raises(LayerError) as info:
        validate("duplicate_slug.geojson", polygons=True)
    message = assert_layer_error(info.value, "duplicate_slug.geojson", "unique-slug", "#2 (slug=silwan)")
    assert "'silwan'" in message


def test_overlapping_polygons():
    path = fixture("overlapping.geojson")
    raw = read_layer(path)
    with pytest.raises(LayerError) as info:
        validate_layer(raw, path, polygons=True, check_overlaps=True)
    message = assert_layer_error(info.value, "overlapping.geojson", "no-overlap", "#0 (slug=silwan)")
    assert "overlaps #1 (slug=ras-al-amud)" in message

    metric = raw.to_crs(METRIC_CRS).geometry.values
    expected = metric[0].intersection(metric[1]).area
    assert expected > 100 * OVERLAP_TOLERANCE_M2
    reported = float(re.search(r"by (\d+) m²", message).group(1))
    assert reported == pytest.approx(expected, abs=1)

    # Overlaps are only checked on request.
    assert len(validate_layer(raw, path, polygons=True, check_overlaps=False)) == 2


def test_polygon_in_a_places_layer():
    with pytest.raises(LayerError) as info:
        validate("points_with_polygon.geojson", polygons=False)
    message = assert_layer_error(info.value, "points_with_polygon.geojson", "geometry-type",
                                 "#1 (slug=at-tur)")
    assert "Polygon where Point was expected" in message


def test_points_in_an_areas_layer():
    with pytest.raises(LayerError) as info:
        validate("points_with_polygon.geojson", polygons=True)
    message = assert_layer_error(info.value, "points_with_polygon.geojson", "geometry-type",
                                 "#0 (slug=silwan)")
    assert "Point where Polygon or MultiPolygon was expected" in message


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.geojson"
    with pytest.raises(LayerError) as info:
        read_layer(path)
    assert "does not exist" in assert_layer_error(info.value, "nowhere.geojson", "readable", None)


def test_unreadable_file(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(LayerError) as info:
        read_layer(path)
    assert_layer_error(info.value, "broken.geojson", "readable", None)


# --- load_layers --------------------------------------------------------------------------------


def _layers_dir(tmp_path: Path, areas: str, places: str, boundary: str) -> Path:
    for target, name in (("areas", areas), ("places", places), ("boundary", boundary)):
        shutil.copy(fixture(name), tmp_path / f"{target}.geojson")
    return tmp_path


def test_load_layers_checks_overlaps_in_areas(tmp_path):
    layers_dir = _layers_dir(tmp_path, "overlapping.geojson", "points_with_polygon.geojson",
                             "valid_areas.geojson")
    with pytest.raises(LayerError) as info:
        load_layers(layers_dir)
    assert_layer_error(info.value, "areas.geojson", "no-overlap", "#0 (slug=silwan)")


def test_load_layers_wants_points_in_places(tmp_path):
    layers_dir = _layers_dir(tmp_path, "valid_areas.geojson", "points_with_polygon.geojson",
                             "valid_areas.geojson")
    with pytest.raises(LayerError) as info:
        load_layers(layers_dir)
    assert_layer_error(info.value, "places.geojson", "geometry-type", "#1 (slug=at-tur)")


def test_load_layers_on_fixture_files(tmp_path):
    # The boundary needs no names: missing_name_field.geojson is acceptable there.
    layers_dir = _layers_dir(tmp_path, "valid_areas.geojson", "points_with_polygon.geojson",
                             "missing_name_field.geojson")
    points = read_layer(layers_dir / "places.geojson")
    points = points[points.geom_type == "Point"]
    (layers_dir / "places.geojson").unlink()
    points.to_file(layers_dir / "places.geojson", driver="GeoJSON", engine="pyogrio")

    layers = load_layers(layers_dir)
    assert list(layers.areas["slug"]) == ["silwan", "ras-al-amud", "at-tur"]
    assert list(layers.places["slug"]) == ["silwan", "shufat"]
    assert len(layers.boundary) == 2


def test_load_layers_missing_file(tmp_path):
    shutil.copy(fixture("valid_areas.geojson"), tmp_path / "areas.geojson")
    with pytest.raises(LayerError) as info:
        load_layers(tmp_path)
    assert "does not exist" in assert_layer_error(info.value, "places.geojson", "readable", None)


# --- the shipped layers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped(layers):
    return layers


def test_shipped_areas(shipped):
    areas = shipped.areas
    assert len(areas) >= 100
    assert areas.crs.to_epsg() == 4326
    assert set(areas.geom_type) <= {"Polygon", "MultiPolygon"}
    assert shapely.is_valid(areas.geometry.values).all()
    assert not shapely.is_empty(areas.geometry.values).any()
    assert areas["slug"].is_unique
    # Every area lies in the Jerusalem region.
    minx, miny, maxx, maxy = areas.total_bounds
    assert 35.0 < minx < maxx < 35.4
    assert 31.6 < miny < maxy < 32.0


@pytest.mark.parametrize("layer", ["areas", "places"])
def test_shipped_names_in_three_languages(shipped, layer):
    gdf = getattr(shipped, layer)
    for field in ("slug", *NAME_FIELDS):
        values = gdf[field]
        assert values.map(lambda v: isinstance(v, str) and bool(v.strip())).all(), (layer, field)
    # Arabic names are written in Arabic script, Hebrew names in Hebrew script.
    assert gdf["name_ar"].str.contains(r"[\u0600-\u06FF]").all()
    assert gdf["name_he"].str.contains(r"[\u0590-\u05FF]").all()


def test_shipped_places(shipped):
    places = shipped.places
    assert len(places) == 137
    assert set(places.geom_type) == {"Point"}
    assert places["slug"].is_unique
    # has_area is true exactly for the places that have a polygon.
    with_area = set(places.loc[places["has_area"].astype(bool), "slug"])
    assert with_area == set(shipped.areas["slug"])
    # Every area is also a place.
    assert set(shipped.areas["slug"]) <= set(places["slug"])


@pytest.mark.parametrize("slug", REQUIRED_PLACES)
def test_shipped_required_places(shipped, slug):
    assert slug in set(shipped.areas["slug"]) | set(shipped.places["slug"])


def test_shipped_boundary(shipped):
    boundary = shipped.boundary
    assert len(boundary) == 1
    assert shapely.is_valid(boundary.geometry.iloc[0])
    area_km2 = boundary.to_crs(METRIC_CRS).area.sum() / 1e6
    assert 110 < area_km2 < 140


def test_shipped_areas_within_boundary(shipped):
    areas = shapely.union_all(shipped.areas.to_crs(METRIC_CRS).geometry.values)
    outline = shapely.union_all(shipped.boundary.to_crs(METRIC_CRS).geometry.values)
    # Both layers are rounded to 6 decimals (~10 cm): allow 1 m of slack on the outline.
    assert outline.buffer(1.0).contains(areas)
    # ... and the outline is the areas' union, not a much larger shape.
    assert outline.area == pytest.approx(areas.area, rel=1e-3)
