"""Property tests (hypothesis) for the geo core, on the shipped area polygons.

Points are drawn inside an area deterministically from drawn numbers: the polygon is cut into
triangles (constrained Delaunay), one is chosen in proportion to its area and the point placed
in it with two barycentric coordinates, so every failure hypothesis reports can be replayed.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo.aggregate import classify, count_by_area, grid_cells
from geo.assign import AreaIndex
from geo.layers import load_layers
from geo.privacy import MAX_OFFSET_M, MIN_OFFSET_M, public_point

LAYERS_DIR = Path(__file__).resolve().parents[2] / "data" / "layers"
#: Modest and reproducible: no example database written into the working tree.
SETTINGS = settings(max_examples=60, deadline=None, database=None)
GEOD = Geod(ellps="WGS84")
#: The public point is rounded to 6 decimals (at most ~0.1 m here) after its distance is chosen
#: in EPSG:2039, whose scale differs from the ellipsoid's by far less than 0.1 % in Jerusalem.
DISTANCE_TOLERANCE_M = 0.5
ROUNDING_DEG = 1e-6


@cache
def index() -> AreaIndex:
    return AreaIndex(load_layers(LAYERS_DIR).areas)


@cache
def triangles(i: int) -> tuple[np.ndarray, np.ndarray]:
    """Corner coordinates (n, 3, 2) of area ``i``'s triangles and their cumulative areas."""
    parts = shapely.constrained_delaunay_triangles(index().geoms[i]).geoms
    corners = np.array([np.asarray(t.exterior.coords)[:3] for t in parts])
    return corners, np.cumsum([t.area for t in parts])


@st.composite
def area_points(draw) -> tuple[str, float, float]:
    """(slug, lon, lat) of a point strictly inside the area ``slug``."""
    i = draw(st.integers(0, len(index().slugs) - 1))
    corners, cumulative = triangles(i)
    pick = draw(st.floats(0, 1, exclude_max=True)) * cumulative[-1]
    a, b, c = corners[min(int(np.searchsorted(cumulative, pick, side="right")), len(corners) - 1)]
    u, v = draw(st.floats(0.001, 0.999)), draw(st.floats(0.001, 0.999))
    if u + v > 1:  # fold the far half of the parallelogram back into the triangle
        u, v = 1 - u, 1 - v
    x, y = a + u * (b - a) + v * (c - a)
    # Only float rounding on a triangle edge that is the polygon's edge can make this fail.
    assume(index().contains(index().slugs[i], x, y))
    return index().slugs[i], float(x), float(y)


seeds = st.binary(min_size=1, max_size=32).map(bytes.hex)


@SETTINGS
@given(area_points())
def test_assign_returns_an_area_that_contains_the_point(point):
    slug, lon, lat = point
    containing = set(index().slugs[shapely.contains_xy(index().geoms, lon, lat)])
    assert slug in containing
    got = index().assign_one(lon, lat)
    assert got in containing  # neighbouring polygons may overlap by a few m²: either is right
    if containing == {slug}:
        assert got == slug


@SETTINGS
@given(st.lists(area_points(), min_size=1, max_size=20))
def test_assign_vectorised_equals_one_by_one(points):
    lons, lats = [p[1] for p in points], [p[2] for p in points]
    one_by_one = [index().assign_one(x, y) for x, y in zip(lons, lats, strict=True)]
    assert list(index().assign(lons, lats)) == one_by_one


@SETTINGS
@given(area_points(), seeds)
def test_approximate_point_is_150_to_300_m_away_in_the_same_area(point, seed):
    _, lon, lat = point
    area = index().assign_one(lon, lat)
    public = public_point(lon, lat, "approximate", area, seed, index())
    assert public == public_point(lon, lat, "approximate", area, seed, index())  # stable
    rep = tuple(round(v, 6) for v in index().representative_point(area))
    if public == rep:
        return  # the area is too small for any 150–300 m offset to stay inside: its centre instead
    distance = GEOD.inv(lon, lat, *public)[2]
    assert MIN_OFFSET_M - DISTANCE_TOLERANCE_M <= distance <= MAX_OFFSET_M + DISTANCE_TOLERANCE_M
    # Inside the same area, as published (privacy.py checks the rounded point).
    assert index().contains(area, *public)


@SETTINGS
@given(area_points(), seeds)
def test_exact_and_area_precisions(point, seed):
    _, lon, lat = point
    area = index().assign_one(lon, lat)
    assert public_point(lon, lat, "exact", area, seed, index()) == (round(lon, 6), round(lat, 6))
    rep = index().representative_point(area)
    assert public_point(lon, lat, "area", area, seed, index()) == (round(rep[0], 6), round(rep[1], 6))


@cache
def slugs() -> list[str]:
    return sorted(index().slugs)[:12]


rows = st.lists(st.tuples(
    st.one_of(st.none(), st.deferred(lambda: st.sampled_from(slugs()))),
    st.sampled_from(["challenge", "initiative"]), st.sampled_from(["housing", "water", "education"]),
    st.dates(dt.date(2020, 1, 1), dt.date(2026, 12, 31)), st.integers(1, 1000)), max_size=80).map(
        lambda r: pd.DataFrame(r, columns=["area", "kind", "category", "observed_on", "n"]))


@SETTINGS
@given(rows, st.sampled_from([None, "month", "quarter", "year"]))
def test_count_by_area_totals_equal_the_rows_with_an_area(frame, period):
    with_area = frame["area"].notna()
    out = count_by_area(frame, period=period)
    assert int(out["count"].sum()) == int(with_area.sum())
    assert (out["count"] > 0).all() and not out["area"].isna().any()
    weighted = count_by_area(frame, by=(), weight="n")
    assert int(weighted["count"].sum()) == int(frame.loc[with_area, "n"].sum())
    per_area = count_by_area(frame, by=())
    assert dict(zip(per_area["area"], per_area["count"], strict=True)) == \
        frame.loc[with_area, "area"].value_counts().to_dict()


coordinates = st.lists(st.tuples(st.floats(35.1, 35.35), st.floats(31.7, 31.9)), max_size=200)


@SETTINGS
@given(coordinates, st.floats(1e-4, 0.5))
def test_grid_cells_count_every_point_once(points, cell):
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    cx, cy, counts = grid_cells(lons, lats, cell)
    assert int(counts.sum()) == len(points)
    assert len(cx) == len(cy) == len(counts) and (counts >= 1).all()
    if points:  # a cluster sits where its points are: the mean lies within their extent
        assert cx.min() >= min(lons) - 1e-9 and cx.max() <= max(lons) + 1e-9
        assert cy.min() >= min(lats) - 1e-9 and cy.max() <= max(lats) + 1e-9


values = st.lists(st.one_of(st.just(0), st.integers(0, 500), st.floats(0, 1e6, allow_nan=False)),
                  min_size=1, max_size=60)


@SETTINGS
@given(values, st.integers(1, 7))
@pytest.mark.filterwarnings("ignore::UserWarning")  # mapclassify: fewer distinct values than classes
def test_classify_is_monotonic(vals, k):
    breaks, classes = classify(vals, k)
    vals = np.asarray(vals, dtype=float)
    assert ((classes == -1) == (vals == 0)).all()  # "no reports" keeps its own class
    assert classes.max() < max(len(breaks), 1)
    order = np.argsort(vals, kind="stable")
    assert (np.diff(classes[order]) >= 0).all()  # a larger value never gets a lower class
    for value in np.unique(vals):
        assert len(set(classes[vals == value])) == 1
