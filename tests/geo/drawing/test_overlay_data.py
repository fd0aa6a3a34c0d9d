"""An overlay as the map fetches it: only the attributes it shows, lighter at city zoom."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely

from geo.drawing.overlay_data import SMALL_BYTES, TIERS, overlay_collection, tier_count, tier_zooms

EVIL = "<script>alert(1)</script>"


def wiggly_lines(n: int) -> gpd.GeoDataFrame:
    """``n`` lines of 400 vertices each, zig-zagging by ~1 m around Jerusalem."""
    lines = []
    for i in range(n):
        x = np.linspace(35.20, 35.25, 400)
        y = 31.76 + i * 0.001 + np.where(np.arange(400) % 2, 1e-5, 0)
        lines.append(shapely.LineString(np.c_[x, y]))
    return gpd.GeoDataFrame({"name": [f"line {i}" for i in range(n)], "secret": ["x"] * n,
                             "count": np.arange(n, dtype="int64"), "ratio": [float("nan")] * n},
                            geometry=lines, crs=4326)


def test_only_the_kept_attributes_leave_and_as_json_scalars():
    gdf = wiggly_lines(2)
    gdf.loc[0, "name"] = EVIL
    out = overlay_collection(gdf, ["name", "count", "ratio", "missing"], 0, 1)
    props = [f["properties"] for f in out["features"]]
    assert props == [{"name": EVIL, "count": 0, "ratio": None}, {"name": "line 1", "count": 1, "ratio": None}]
    json.dumps(out, allow_nan=False)  # valid JSON (no NaN)
    assert "secret" not in json.dumps(out)


def test_city_zoom_is_lighter_and_the_last_tier_is_exact():
    gdf = wiggly_lines(20)
    sizes = [len(json.dumps(overlay_collection(gdf, [], t, len(TIERS)))) for t in range(len(TIERS))]
    assert sizes[0] * 10 < sizes[-1]  # the zig-zag goes at city zoom
    exact = overlay_collection(gdf, [], len(TIERS) - 1, len(TIERS))
    first = shapely.geometry.shape(exact["features"][0]["geometry"])
    assert len(first.coords) == 400 and first.equals_exact(gdf.geometry[0], 1e-6)


def test_small_or_point_overlays_have_one_tier():
    assert tier_count(SMALL_BYTES - 1, ["LineString"]) == 1
    assert tier_count(10 * SMALL_BYTES, ["Point"]) == 1
    assert tier_count(10 * SMALL_BYTES, ["Polygon", "Point"]) == len(TIERS)
    assert tier_zooms(1) == [TIERS[-1][0]]
    assert tier_zooms(len(TIERS)) == [t[0] for t in TIERS]
    # One tier: the data as stored, whatever tier is asked.
    gdf = wiggly_lines(1)
    assert overlay_collection(gdf, [], 0, 1) == overlay_collection(gdf, [], len(TIERS) - 1, len(TIERS))
