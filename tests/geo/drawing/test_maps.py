"""geo.drawing.maps: display simplification and the rendered public map."""

from __future__ import annotations

import html
import json
import re

import geopandas as gpd
import pytest
import shapely

from geo.drawing.maps import (
    area_collection,
    build_public_map,
    display_geometries,
    name_tip,
    render_parts,
)
from geo.reference.layers import METRIC_CRS

LABELS = {"areas": "Areas", "places": "Places", "boundary": "Boundary"}
TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def display_areas(layers):
    return display_geometries(layers.areas)


def render(layers, lang):
    boundary = display_geometries(layers.boundary)  # as the app passes it
    m = build_public_map(layers.places, boundary, lang=lang, labels=LABELS,
                         tile_url=TILE_URL, tile_attribution="test tiles")
    return render_parts(m)


@pytest.fixture(scope="module")
def parts_ar(layers):
    return render(layers, "ar")


@pytest.fixture(scope="module")
def parts_en(layers):
    return render(layers, "en")


@pytest.fixture(scope="module")
def areas_ar(display_areas):
    return area_collection(display_areas, "ar")


@pytest.fixture(scope="module")
def areas_en(display_areas):
    return area_collection(display_areas, "en")


def layer_data(script: str, var: str) -> dict:
    """The GeoJSON that folium passes to ``<var>_add(...)`` in the map script."""
    match = re.search(re.escape(var) + r"_add\(", script)
    assert match, f"no data for {var}"
    data, _ = json.JSONDecoder().raw_decode(script, match.end())
    assert data["type"] == "FeatureCollection"
    return data


def all_layer_data(script: str) -> list[dict]:
    names = set(re.findall(r"(geo_json_[0-9a-f]+)_add\(\{", script))
    return [layer_data(script, name) for name in sorted(names)]


# --- display_geometries -------------------------------------------------------------------------


def test_display_geometries_simplifies_and_stays_valid(layers, display_areas):
    original = layers.areas
    assert len(display_areas) == len(original)
    assert list(display_areas["slug"]) == list(original["slug"])
    assert display_areas.crs.to_epsg() == 4326
    assert set(display_areas.geom_type) <= {"Polygon", "MultiPolygon"}
    assert shapely.is_valid(display_areas.geometry.values).all()
    assert not shapely.is_empty(display_areas.geometry.values).any()

    before = shapely.get_num_coordinates(original.geometry.values)
    after = shapely.get_num_coordinates(display_areas.geometry.values)
    assert (after <= before).all()
    assert after.sum() < 0.25 * before.sum()

    # Rounded to 5 decimals.
    coords = shapely.get_coordinates(display_areas.geometry.values)
    assert abs(coords - coords.round(5)).max() < 1e-9


def test_display_geometries_keeps_shapes(layers, display_areas):
    before = layers.areas.to_crs(METRIC_CRS).geometry.values
    after = display_areas.to_crs(METRIC_CRS).geometry.values
    changed = shapely.area(shapely.symmetric_difference(before, after))
    assert (changed < 0.05 * shapely.area(before)).all()
    # Every original vertex stays close to the simplified outline.  5 m is the tolerance;
    # GEOS may move a ring's start vertex a little further, and rounding adds ~1 m.
    coords, index = shapely.get_coordinates(before, return_index=True)
    moved = shapely.distance(shapely.points(coords), shapely.boundary(after)[index])
    assert moved.max() < 10.0


def test_display_geometries_does_not_modify_input(layers):
    areas = layers.areas.head(3)
    copy = areas.copy()
    display_geometries(areas)
    assert shapely.equals_exact(areas.geometry.values, copy.geometry.values, tolerance=0).all()


def test_display_geometries_drops_parts_narrower_than_the_grid():
    # A valid square with a 1 cm wide spike: rounding to 5 decimals collapses the spike,
    # and the result must still be a valid polygon (not a polygon with a zero-width spike).
    square = [(35.200, 31.770), (35.204, 31.770), (35.204, 31.774)]
    spike = [(35.2020001, 31.774), (35.20200005, 31.780), (35.2020, 31.774)]
    polygon = shapely.Polygon([*square, *spike, (35.200, 31.774)])
    assert polygon.is_valid
    out = display_geometries(gpd.GeoDataFrame({"slug": ["spike"]}, geometry=[polygon], crs=4326))
    result = out.geometry.iloc[0]
    assert result.is_valid
    assert result.geom_type == "Polygon"
    assert result.bounds == pytest.approx((35.200, 31.770, 35.204, 31.774))
    assert result.area == pytest.approx(0.004 * 0.004, rel=1e-6)


# --- build_public_map / render_parts ------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_assets_are_local(request, lang):
    parts = request.getfixturevalue(f"parts_{lang}")
    urls = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)', parts.header)
    assert urls, "the header loads no script or style"
    assert all(u.startswith("/vendor/") for u in urls), urls
    assert "/vendor/leaflet/leaflet.js" in urls
    assert "/vendor/leaflet/leaflet.css" in urls
    assert not re.search(r"https?://", parts.header)
    assert not re.search(r"https?://", parts.html)
    assert not re.search(r"<(?:script|link)[^>]+(?:src|href)", parts.script)
    # The only absolute URL in the script is the configured tile server.
    assert set(re.findall(r"https?://[^\s\"']+", parts.script)) == {TILE_URL}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_no_zoom_blocking_viewport(request, lang):
    parts = request.getfixturevalue(f"parts_{lang}")
    for text in (parts.header, parts.html, parts.script):
        assert "user-scalable=no" not in text
        assert "maximum-scale" not in text
        assert not re.search(r'<meta name="viewport"', text)


def test_map_names(parts_ar):
    assert {"map", "areas", "places"} <= set(parts_ar.names)
    assert f'id="{parts_ar.names["map"]}"' in parts_ar.html
    for var in parts_ar.names.values():
        assert re.search(rf"\b(?:var|let|const) {var} = ", parts_ar.script), var


def test_one_feature_per_area(areas_ar, display_areas):
    slugs = [f["properties"]["slug"] for f in areas_ar["features"]]
    assert slugs == list(display_areas["slug"])
    assert [f["id"] for f in areas_ar["features"]] == slugs
    assert len(slugs) >= 100
    assert {f["geometry"]["type"] for f in areas_ar["features"]} <= {"Polygon", "MultiPolygon"}
    rebuilt = shapely.from_geojson([json.dumps(f["geometry"]) for f in areas_ar["features"]])
    assert shapely.equals_exact(rebuilt, display_areas.geometry.values, tolerance=1e-9).all()
    silwan = next(f["properties"] for f in areas_ar["features"] if f["id"] == "silwan")
    assert {silwan["name_ar"], silwan["name_en"], silwan["sector"]} == {"سلوان", "Silwan", "east"}


def test_area_polygons_are_not_in_the_page(parts_ar, display_areas):
    """The area layer is an empty overlay the page fills from a URL: the script stays small."""
    var = parts_ar.names["areas"]
    assert re.search(rf"var {var} = L\.geoJSON\(null, \{{\}}\);", parts_ar.script)
    assert re.search(rf"{var}\.addTo\({parts_ar.names['map']}\)", parts_ar.script)
    assert not re.search(re.escape(var) + r"_add\(", parts_ar.script)
    assert "سلوان" not in parts_ar.script  # an area's name: in the collection, not the page
    # Listed in the layer control under its label, like the layers folium draws itself.
    assert re.search(rf'"Areas"\s*:\s*{var}\b', parts_ar.script)
    assert len(parts_ar.script.encode()) < 60_000


def test_places_layer_has_only_places_without_area(parts_ar, layers):
    data = layer_data(parts_ar.script, parts_ar.names["places"])
    slugs = {f["properties"]["slug"] for f in data["features"]}
    lone = set(layers.places.loc[~layers.places["has_area"].astype(bool), "slug"])
    assert slugs == lone
    assert not slugs & set(layers.areas["slug"])
    assert {f["geometry"]["type"] for f in data["features"]} == {"Point"}


@pytest.mark.parametrize(("lang", "order", "direction"), [
    ("ar", ("name_ar", "name_en", "name_he"), "rtl"),
    ("en", ("name_en", "name_ar", "name_he"), "ltr"),
])
def test_tooltips_name_first_in_page_language(request, display_areas, lang, order, direction):
    data = request.getfixturevalue(f"areas_{lang}")
    rows = {r["slug"]: r for r in display_areas.drop(columns="geometry").to_dict("records")}
    assert len(data["features"]) == len(rows)
    for feature in data["features"]:
        row = rows[feature["properties"]["slug"]]
        tip = feature["properties"]["_tip"]
        first, second, third = (html.escape(row[f]) for f in order)
        assert tip.startswith(f'<div class="ahya-tip" dir="{direction}"><b>{first}</b><br>'), tip
        assert tip.index(second) < tip.index(third)
        assert f'<bdi lang="{order[1][-2:]}">{second}</bdi>' in tip
        assert f'<bdi lang="{order[2][-2:]}">{third}</bdi>' in tip


def test_silwan_tooltip(areas_ar, areas_en):
    def tip(data):
        return next(f["properties"]["_tip"] for f in data["features"] if f["properties"]["slug"] == "silwan")
    assert "<b>سلوان</b>" in tip(areas_ar)
    assert "<b>Silwan</b>" in tip(areas_en)


def test_name_tip_escapes():
    tip = name_tip({"name_ar": EVIL, "name_en": "a&b", "name_he": None}, "en")
    assert "<script>" not in tip
    assert "&lt;script&gt;" in tip
    assert "<b>a&amp;b</b>" in tip
    assert 'lang="he"' not in tip  # empty names are left out


