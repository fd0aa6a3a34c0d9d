"""The raster fast path of ``AreaIndex.assign`` against an independent reference.

The reference answers with plain shapely queries: the first area (lowest index) whose interior
holds the point (``STRtree.query(predicate="within")``), else the nearest area within
``nearest_m`` in ``METRIC_CRS`` (``query_nearest``, ties to the lowest index). Points are drawn
where a raster would go wrong: on vertices and edges, 0.5 m either side of them, on cell corners
and edges, 0.5 m either side of the 250 m frontier, off the grid.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geo.reference.layers import METRIC_CRS, read_layer
from geo.spatial.assign import _FEW, NEAREST_MAX_M, AreaIndex
from tests.conftest import FIXTURES

CITY = (35.10, 31.70, 35.30, 31.88)  # the box of scripts/bench.py's assign measure
TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
TO_WGS = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)


def reference(geoms: np.ndarray, lons, lats, nearest_m: float = NEAREST_MAX_M) -> np.ndarray:
    """Slugs' indices (-1: none) by plain shapely queries, independent of ``geo.spatial.assign``."""
    lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    none = len(geoms)
    found = np.full(lons.shape, none)
    pts, areas = shapely.STRtree(geoms).query(shapely.points(lons, lats), predicate="within")
    np.minimum.at(found, pts, areas)
    missing = np.flatnonzero(found == none)
    if nearest_m > 0 and missing.size:
        metric = shapely.transform(geoms, lambda xy: np.column_stack(TO_METRIC.transform(xy[:, 0], xy[:, 1])))
        x, y = TO_METRIC.transform(lons[missing], lats[missing])
        pts, areas = shapely.STRtree(metric).query_nearest(shapely.points(x, y), max_distance=nearest_m,
                                                           all_matches=True)
        np.minimum.at(found, missing[pts], areas)
    return np.where(found == none, -1, found)


def assert_same(index: AreaIndex, lons, lats, nearest_m: float = NEAREST_MAX_M) -> np.ndarray:
    """The grid path equals the exact path point for point, and the reference up to a known quirk."""
    lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    assert lons.size >= _FEW  # the grid path
    got = index.assign(lons, lats, nearest_m=nearest_m)
    exact = index._assign_exact(lons, lats, nearest_m)  # the algorithm before the grid
    bad = np.flatnonzero(got != exact)
    assert not bad.size, [(lons[i], lats[i], got[i], exact[i]) for i in bad[:5]]
    want = reference(index.geoms, lons, lats, nearest_m)
    diff = np.flatnonzero(got != np.append(index.slugs, None)[want])
    if diff.size:
        # Known quirk of the exact path, kept: nearest-area candidates come from buffers that GEOS
        # draws short in places (4 segments a quarter circle), so a point a little inside
        # `nearest_m` of an area but outside its buffer is not given that area.
        assert nearest_m > 0 and (want[diff] >= 0).all()
        x, y = TO_METRIC.transform(lons[diff], lats[diff])
        buffers = index._buffer_tree(nearest_m).geometries[want[diff]]
        missed = ~shapely.intersects_xy(buffers, x, y)
        assert missed.all(), [(lons[i], lats[i], got[i], index.slugs[want[i]]) for i in diff[~missed][:5]]
    return got


def metric_offsets(lons, lats, metres: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """The points moved ``metres`` in a random direction (metric CRS)."""
    x, y = TO_METRIC.transform(lons, lats)
    angle = rng.uniform(0, 2 * np.pi, len(x))
    return TO_WGS.transform(x + metres * np.cos(angle), y + metres * np.sin(angle))


def boundary_points(geoms: np.ndarray, n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """``n`` vertices and ``n`` edge midpoints of the polygons, drawn at random."""
    rings = shapely.get_coordinates(shapely.boundary(geoms))
    lines = shapely.get_parts(shapely.boundary(geoms))
    segs = np.concatenate([np.stack([c[:-1], c[1:]], axis=1) for c in map(shapely.get_coordinates, lines)])
    verts = rings[rng.choice(len(rings), min(n, len(rings)), replace=False)]
    mids = segs[rng.choice(len(segs), min(n, len(segs)), replace=False)].mean(axis=1)
    both = np.concatenate([verts, mids])
    return both[:, 0], both[:, 1]


def cell_edge_points(index: AreaIndex, n: int, rng, metres: float = NEAREST_MAX_M):
    """Corners and edge midpoints of cells decided by the grid but next to a different code."""
    grid = index._grids[metres]
    codes = grid.codes[:-1].reshape(grid.ny, grid.nx)
    edge = np.zeros(codes.shape, dtype=bool)
    edge[:, :-1] |= codes[:, :-1] != codes[:, 1:]
    edge[:-1, :] |= codes[:-1, :] != codes[1:, :]
    jj, ii = np.nonzero(edge & (codes != grid.mixed))
    pick = rng.choice(len(ii), min(n, len(ii)), replace=False)
    i, j = ii[pick].astype(float), jj[pick].astype(float)
    fi = np.concatenate([i, i + 1, i + 0.5, i, i + 1, i + 1])
    fj = np.concatenate([j, j + 1, j, j + 0.5, j + 0.5, j])
    lons, lats = grid.x0 + fi * grid.dx, grid.y0 + fj * grid.dy
    # Exactly on the computed edges, and one float either side of them.
    return (np.concatenate([lons, np.nextafter(lons, -np.inf), np.nextafter(lons, np.inf)]),
            np.concatenate([lats, np.nextafter(lats, np.inf), np.nextafter(lats, -np.inf)]))


@pytest.fixture(scope="module")
def city(areas) -> AreaIndex:
    index = AreaIndex(areas)
    index.assign(np.full(_FEW, 35.2), np.full(_FEW, 31.8))  # builds the grid
    return index


@pytest.fixture(scope="module")
def handmade() -> AreaIndex:
    """A ring with a hole holding an island, a neighbour sharing an edge, an overlapping area."""
    ring = shapely.box(35.20, 31.76, 35.24, 31.80).difference(shapely.box(35.21, 31.77, 35.23, 31.79))
    areas = [ring, shapely.box(35.218, 31.778, 35.222, 31.782), shapely.box(35.24, 31.76, 35.26, 31.80),
             shapely.box(35.255, 31.79, 35.27, 31.81),
             shapely.Polygon([(35.19, 31.75), (35.20, 31.755), (35.1951, 31.7603)])]
    return AreaIndex(gpd.GeoDataFrame({"slug": ["ring", "island", "east", "overlap", "tri"]},
                                      geometry=areas, crs="EPSG:4326"))


def test_grid_is_lazy_and_small_inputs_skip_it():
    index = AreaIndex(read_layer(FIXTURES / "layers" / "valid_areas.geojson"))
    assert index._grids == {}
    assert index.assign([35.202] * (_FEW - 1), [31.772] * (_FEW - 1))[0] == "silwan"
    assert index._grids == {}
    assert index.assign([35.202] * _FEW, [31.772] * _FEW)[0] == "silwan"
    assert list(index._grids) == [NEAREST_MAX_M]


def test_grid_decides_most_points_of_the_city(city):
    rng = np.random.default_rng(5)
    lons, lats = rng.uniform(CITY[0], CITY[2], 100_000), rng.uniform(CITY[1], CITY[3], 100_000)
    grid = city._grids[NEAREST_MAX_M]
    res = grid.table(NEAREST_MAX_M)[grid.cells(lons, lats)]
    assert (res >= -1).mean() > 0.9  # else the fast path is not what answers
    assert (res >= 0).sum() > 30_000 and (res == -1).sum() > 30_000


def test_random_city_points(city):
    rng = np.random.default_rng(1)
    lons, lats = rng.uniform(CITY[0], CITY[2], 20_000), rng.uniform(CITY[1], CITY[3], 20_000)
    got = assert_same(city, lons, lats)
    assert 0.3 < np.mean(got != None) < 0.5  # noqa: E711


@pytest.mark.parametrize("nearest_m", [0.0, -1.0, 120.0])
def test_other_nearest_distances(city, nearest_m):
    rng = np.random.default_rng(2)
    blons, blats = boundary_points(city.geoms, 500, rng)
    lons = np.concatenate([rng.uniform(CITY[0], CITY[2], 3_000), blons])
    lats = np.concatenate([rng.uniform(CITY[1], CITY[3], 3_000), blats])
    near_lons, near_lats = metric_offsets(lons, lats, 0.8 * max(nearest_m, 50), rng)
    assert_same(city, np.concatenate([lons, near_lons]), np.concatenate([lats, near_lats]), nearest_m)


def test_vertices_edges_and_half_a_metre_around_them(city):
    rng = np.random.default_rng(3)
    lons, lats = boundary_points(city.geoms, 2_000, rng)
    in_lons, in_lats = metric_offsets(lons, lats, 0.5, rng)
    far_lons, far_lats = metric_offsets(lons, lats, 30.0, rng)
    assert_same(city, np.concatenate([lons, in_lons, far_lons]), np.concatenate([lats, in_lats, far_lats]))


def test_half_a_metre_around_the_250_m_frontier_and_inside_it(city):
    rng = np.random.default_rng(4)
    outline = shapely.union_all(city.metric)
    pts = []
    # 235-249 m: where GEOS' buffers fall short (see assert_same), the grid must not say "near".
    for metres in (NEAREST_MAX_M - 0.5, NEAREST_MAX_M + 0.5, 235.0, 240.0, 245.0, 249.0):
        ring = shapely.get_coordinates(shapely.boundary(shapely.buffer(outline, metres, quad_segs=16)))
        pts.append(ring[rng.choice(len(ring), min(1_500, len(ring)), replace=False)])
    x, y = np.concatenate(pts).T
    got = assert_same(city, *TO_WGS.transform(x, y))
    n = len(pts[0])
    assert (got[:n] != None).mean() > 0.9 and (got[n:2 * n] == None).mean() > 0.9  # noqa: E711


def test_cell_corners_and_edges(city):
    assert_same(city, *cell_edge_points(city, 1_000, np.random.default_rng(6)))


def test_off_grid_and_far_points(city):
    grid = city._grids[NEAREST_MAX_M]
    x0, y0, x1, y1 = grid.x0, grid.y0, grid.x0 + grid.nx * grid.dx, grid.y0 + grid.ny * grid.dy
    xs, ys = np.linspace(x0, x1, 40), np.linspace(y0, y1, 40)
    out_x0, out_y1 = np.full(40, np.nextafter(x0, -np.inf)), np.full(40, np.nextafter(y1, np.inf))
    lons = np.concatenate([xs, out_x0, np.full(40, x1), xs, [2.35, -180.0, 180.0, 0.0]])
    lats = np.concatenate([out_y1, ys, ys, np.full(40, y0), [48.85, -90.0, 90.0, 0.0]])
    assert (assert_same(city, lons, lats) == None).all()  # noqa: E711


def test_empty_and_threshold_sizes(city):
    assert len(city.assign(np.array([]), np.array([]))) == 0
    rng = np.random.default_rng(8)
    lons, lats = boundary_points(city.geoms, 200, rng)
    lons, lats = metric_offsets(lons, lats, 2.0, rng)
    for n in (_FEW - 1, _FEW, _FEW + 1):
        assert list(city.assign(lons[:n], lats[:n])) == [city.assign_one(x, y) for x, y in
                                                         zip(lons[:n], lats[:n], strict=True)]


@pytest.mark.parametrize("nearest_m", [NEAREST_MAX_M, 0.0, 600.0])
def test_handmade_layer_with_hole_island_shared_edge_and_overlap(handmade, nearest_m):
    rng = np.random.default_rng(9)
    x0, y0, x1, y1 = shapely.total_bounds(handmade.geoms)
    lons, lats = rng.uniform(x0 - 0.01, x1 + 0.01, 20_000), rng.uniform(y0 - 0.01, y1 + 0.01, 20_000)
    blons, blats = boundary_points(handmade.geoms, 10, rng)
    edges = np.linspace(0, 1, 401)  # every 10 m along the edges of the hole and the shared edge
    elons = np.concatenate([35.21 + 0.02 * edges, np.full(401, 35.24), np.full(401, 35.21)])
    elats = np.concatenate([np.full(401, 31.77), 31.76 + 0.04 * edges, 31.77 + 0.02 * edges])
    olons, olats = metric_offsets(np.r_[blons, elons], np.r_[blats, elats], 0.5, rng)
    lons, lats = np.r_[lons, blons, elons, olons], np.r_[lats, blats, elats, olats]
    got = assert_same(handmade, lons, lats, nearest_m)
    assert {"ring", "island", "east", "overlap", "tri", None} <= set(got)
    # The grid's own cell corners and edges too.
    metres = nearest_m if nearest_m > 0 else NEAREST_MAX_M
    assert_same(handmade, *cell_edge_points(handmade, 2_000, rng, metres), nearest_m)


def test_invalid_polygons_use_the_exact_path():
    areas = read_layer(FIXTURES / "layers" / "valid_areas.geojson")
    bow_tie = shapely.Polygon([(35.2, 31.77), (35.204, 31.774), (35.204, 31.77), (35.2, 31.774)])
    areas.loc[0, "geometry"] = bow_tie
    index = AreaIndex(areas)
    got = index.assign(np.full(_FEW, 35.206), np.full(_FEW, 31.772))
    assert index._grids == {} and set(got) == {"ras-al-amud"}


def test_grid_follows_the_exact_paths_candidates(handmade):
    # Buffers drawn 50 m short (GEOS' fall short by up to ~12 m at 250 m on the city): the exact
    # path gives None from 200 m on, and so must the grid's "near" and "far" cells.
    index = AreaIndex(gpd.GeoDataFrame({"slug": handmade.slugs}, geometry=handmade.geoms, crs="EPSG:4326"))
    index._buffers[NEAREST_MAX_M] = shapely.STRtree(shapely.buffer(index.metric, 200.0, quad_segs=16))
    rng = np.random.default_rng(10)
    outline = shapely.union_all(index.metric)
    x, y = np.concatenate([shapely.get_coordinates(shapely.boundary(shapely.buffer(outline, m)))
                           for m in (150.0, 190.0, 210.0, 230.0, 245.0, 255.0)]).T
    x, y = x + rng.uniform(-5, 5, len(x)), y + rng.uniform(-5, 5, len(y))
    got = assert_same(index, *TO_WGS.transform(x, y))
    dist = shapely.distance(outline, shapely.points(x, y))
    assert (got[dist < 195] != None).all() and (got[dist > 205] == None).all()  # noqa: E711
