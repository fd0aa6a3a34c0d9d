"""Property tests (hypothesis) for the geo core, on the shipped area polygons.

Points are drawn inside an area deterministically from drawn numbers: the polygon is cut into
triangles (constrained Delaunay), one is chosen in proportion to its area and the point placed
in it with two barycentric coordinates, so every failure hypothesis reports can be replayed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo.reference.layers import load_layers
from geo.spatial import aggregate
from geo.spatial.aggregate import choropleth_classes, grid_cells, public_cell
from geo.spatial.assign import AreaIndex
from geo.spatial.privacy import MAX_OFFSET_M, MIN_OFFSET_M, public_point

LAYERS_DIR = Path(__file__).resolve().parents[3] / "data" / "layers"
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


coordinates = st.lists(st.tuples(st.floats(35.1, 35.35), st.floats(31.7, 31.9)), max_size=200)


kinds = st.integers(-1, 2)


@SETTINGS
@given(st.lists(st.tuples(st.floats(35.1, 35.35), st.floats(31.7, 31.9), kinds), max_size=200),
       st.floats(1e-4, 0.5), st.booleans())
def test_grid_cells_count_every_point_once(points, cell, sparse):
    lons, lats, codes = [p[0] for p in points], [p[1] for p in points], [p[2] for p in points]
    limit = aggregate.DENSE_CELLS
    try:
        if sparse:  # the np.unique numbering of very large grids must give the same answer
            aggregate.DENSE_CELLS = 0
        cx, cy, counts, by_kind = grid_cells(lons, lats, cell, groups=codes, n_groups=3)
    finally:
        aggregate.DENSE_CELLS = limit
    assert int(counts.sum()) == len(points)
    assert len(cx) == len(cy) == len(counts) == len(by_kind) and (counts >= 1).all()
    assert [int(by_kind[:, g].sum()) for g in range(3)] == [codes.count(g) for g in range(3)]
    assert (by_kind.sum(axis=1) <= counts).all()  # code -1 counts in the total only
    if points:  # a cluster sits where its points are: the mean lies within their extent
        assert cx.min() >= min(lons) - 1e-9 and cx.max() <= max(lons) + 1e-9
        assert cy.min() >= min(lats) - 1e-9 and cy.max() <= max(lats) + 1e-9


def _least(value) -> int:
    """The smallest true count a published value allows: "<k" is 1, ">m" is m + 1."""
    if isinstance(value, int):
        return value
    return 1 if value[0] == "<" else int(value[1:]) + 1


@SETTINGS
@given(st.lists(st.integers(0, 40), min_size=1, max_size=4), st.integers(1, 8))
def test_public_cell_never_reveals_a_small_count(split_values, k):
    split = {f"kind{i}": n for i, n in enumerate(split_values)}
    count = sum(split_values)
    assume(count > 0)
    props = public_cell(count, split, k)
    for name, true in [("count", count), *split.items()]:
        shown = props[name]
        if isinstance(shown, int):
            assert shown == true and (k <= 1 or not 0 < true < k)  # exact only when not small
        elif shown.startswith("<"):
            assert shown == f"<{k}" and 0 < true < k
        else:
            assert true >= _least(shown)
    if isinstance(props["count"], int) and any(isinstance(props[n], str) for n in split):
        # Subtracting the exact kinds from the count leaves at least k: no hidden sum is revealed.
        exact = sum(v for n, v in props.items() if n != "count" and isinstance(v, int))
        assert props["count"] - exact >= k
    if isinstance(props["count"], int):  # a reader's lower bound never exceeds the truth
        assert sum(_least(props[n]) for n in split) <= count


values = st.lists(st.integers(0, 500), min_size=1, max_size=60)


@SETTINGS
@given(values, st.integers(1, 7), st.integers(1, 10))
def test_choropleth_classes_are_monotonic_and_never_empty(vals, k, min_count):
    got = choropleth_classes(vals, k, min_count)
    vals = np.asarray(vals)
    classes = got.classes
    assert ((classes == -1) == (vals == 0)).all()  # "no reports" keeps its own class
    small = (vals > 0) & (vals < min_count)
    # k classes at most; the "<k" class and one more even when k is 1.
    assert len(got.breaks) == len(got.ranges) == len(got.labels) <= max(k, 2 if small.any() else 1)
    order = np.argsort(vals, kind="stable")
    assert (np.diff(classes[order]) >= 0).all()  # a larger value never gets a lower class
    for cls, (low, high) in enumerate(got.ranges):
        members = vals[classes == cls]
        assert len(members) and low <= members.min() and members.max() <= high == got.breaks[cls]
    for (_, high), (low, _) in zip(got.ranges, got.ranges[1:], strict=False):
        assert low == high + 1  # contiguous ranges
    if small.any():  # one "<k" class for every suppressed count, and no break below it
        assert set(classes[small]) == {0} and got.labels[0] == f"<{min_count}"
        assert got.breaks[0] == min_count - 1 and not (classes[vals >= min_count] == 0).any()
    elif min_count > 1:
        assert all(low >= min_count for low, _ in got.ranges)
