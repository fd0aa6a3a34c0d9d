"""Points → area slug with a spatial index (vectorised; never a loop over polygons)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from ..reference.layers import METRIC_CRS
from .assign_grid import AreaGrid

#: A point just outside every polygon still belongs to the nearest area within this distance.
NEAREST_MAX_M = 250.0
#: Segments per quarter circle of the buffers that pre-select areas near a point.
_QUAD_SEGS = 4
#: Below this many points the spatial index is cheaper than one pass per area.
_FEW = 64


class AreaIndex:
    """Spatial index over the area polygons.

    Parameters
    ----------
    areas : GeoDataFrame
        Area polygons in EPSG:4326 with a ``slug`` column.
    """

    def __init__(self, areas: gpd.GeoDataFrame):
        self.slugs = np.asarray(areas["slug"], dtype=object)
        self.geoms = np.asarray(areas.geometry.values)
        self.metric = np.asarray(areas.geometry.to_crs(METRIC_CRS).values)
        self.tree = shapely.STRtree(self.geoms)
        self.metric_tree = shapely.STRtree(self.metric)
        self._to_metric = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
        self._to_wgs = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
        self.by_slug = dict(zip(self.slugs, range(len(self.slugs)), strict=True))
        # Prepared geometries make contains_xy fast (prepare() caches in place, results unchanged).
        shapely.prepare(self.geoms)
        self.bounds = shapely.bounds(self.geoms)
        self._buffers: dict[float, shapely.STRtree] = {}  # built on first use, per distance
        # Built on the first large call per distance (~0.5 s): a form's single point never pays.
        self._grids: dict[float, AreaGrid] = {}
        self._grid_ok: bool | None = None
        self._slugs_none = np.append(self.slugs, None)  # index -1 reads None

    def assign(self, lons, lats, nearest_m: float = NEAREST_MAX_M) -> np.ndarray:
        """Slug of the area containing each point (object array; None outside).

        Points outside every polygon but within ``nearest_m`` metres of one get
        the nearest area's slug (``nearest_m <= 0``: no nearest search). From ``_FEW`` points
        on, a precomputed ``AreaGrid`` (built on first use, per distance) answers for most points
        and only the others take the exact path, with the same results.

        Parameters
        ----------
        lons, lats : array-like
            Point coordinates in EPSG:4326, 1-D and of equal length.
        nearest_m : float
            Largest distance (metres, ``METRIC_CRS``) to an area for a point outside all areas.

        Returns
        -------
        numpy.ndarray
            Object array of slugs, None where no area applies.
        """
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        if self._grid_ok is None and lons.size >= _FEW:
            # Invalid polygons could make GEOS' box predicates disagree with contains_xy.
            self._grid_ok = len(self.geoms) > 0 and bool(shapely.is_valid(self.geoms).all())
        if lons.size < _FEW or not self._grid_ok:
            return self._assign_exact(lons, lats, nearest_m)
        key = float(nearest_m) if nearest_m > 0 else NEAREST_MAX_M  # any grid serves "no search"
        if key not in self._grids:
            self._grids[key] = AreaGrid(self, key)
        grid = self._grids[key]
        # Most points: their cell decides (inside one area, near one area, far from all).
        res = grid.table(nearest_m)[grid.cells(lons, lats)]
        todo = np.flatnonzero(res == -3)  # cells crossed by a boundary: the exact path
        if todo.size:
            found = self._containing_sorted(lons[todo], lats[todo])
            res[todo] = np.where(found >= 0, found, -2 if nearest_m > 0 else -1)
        missing = np.flatnonzero(res == -2)  # outside every area, maybe near one
        res[missing] = -1
        if missing.size:
            p_idx, a_idx = self._nearest_lonlat(lons[missing], lats[missing], nearest_m)
            res[missing[p_idx]] = a_idx
        return self._slugs_none[res]

    def _assign_exact(self, lons: np.ndarray, lats: np.ndarray, nearest_m: float) -> np.ndarray:
        """``assign`` without the grid: small inputs, and the reference the grid reproduces."""
        out = np.full(lons.shape, None, dtype=object)
        if not lons.size:
            return out
        found = self._containing(lons, lats)
        out[found >= 0] = self.slugs[found[found >= 0]]
        missing = np.flatnonzero(found < 0)
        if missing.size and nearest_m > 0:
            p_idx, a_idx = self._nearest_lonlat(lons[missing], lats[missing], nearest_m)
            out[missing[p_idx]] = self.slugs[a_idx]
        return out

    def _nearest_lonlat(self, lons: np.ndarray, lats: np.ndarray, metres: float):
        """(point, area) index pairs for points outside every area: ``_nearest`` from lon/lat."""
        # Only points within some area's bbox grown by `metres` can be that close to it:
        # the (slow) projection and nearest search skip everything else.
        near = np.flatnonzero(self._near_bounds(lons, lats, metres))
        if not near.size:
            return near, near
        x, y = self._to_metric.transform(lons[near], lats[near])
        p_idx, a_idx = self._nearest(shapely.points(x, y), metres)
        return near[p_idx], a_idx

    def _nearest(self, points: np.ndarray, metres: float) -> tuple[np.ndarray, np.ndarray]:
        """(point, area) index pairs: each point's nearest area within ``metres`` (metric CRS).

        Candidates come from the areas grown by ``metres`` (a point-in-polygon test), then the
        exact distance decides: ~10x faster than ``query_nearest``, which measures the distance
        to many large polygons per point. The buffers are grown enough to contain the true
        distance zone (round corners drawn as chords, GEOS' input simplification), so no point
        is missed.
        """
        p_idx, a_idx = self._buffer_tree(metres).query(points, predicate="intersects")
        dist = shapely.distance(self.metric[a_idx], points[p_idx])
        keep = dist <= metres
        p_idx, a_idx, dist = p_idx[keep], a_idx[keep], dist[keep]
        # Per point the smallest distance, ties to the first area (like query_nearest's order).
        order = np.lexsort((a_idx, dist, p_idx))
        first = order[np.unique(p_idx[order], return_index=True)[1]]
        return p_idx[first], a_idx[first]

    def _buffer_tree(self, metres: float) -> shapely.STRtree:
        """Tree of the metric areas grown enough to hold every point within ``metres`` of them."""
        key = float(metres)
        if key not in self._buffers:
            # + 2 %: GEOS simplifies the input rings by up to 1 % of the distance when buffering.
            grown = key / np.cos(np.pi / (4 * _QUAD_SEGS)) + 0.02 * key + 0.5
            buffers = shapely.buffer(self.metric, grown, quad_segs=_QUAD_SEGS)
            self._buffers[key] = shapely.STRtree(buffers)
        return self._buffers[key]

    def _containing(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Index of the first area strictly containing each point, -1 for none.

        One ``contains_xy`` per area on the points of its bbox, found by binary search in
        the points sorted by longitude: no shapely Point objects (their creation alone costs
        more than the whole test), ~10x faster than ``STRtree.query(predicate="within")``.
        """
        found = np.full(lons.shape, -1, dtype=np.int64)
        if lons.size < _FEW:  # a form's single point: one tree query beats a loop over the areas
            pt_idx, area_idx = self.tree.query(shapely.points(lons, lats), predicate="within")
            order = np.lexsort((area_idx, pt_idx))
            first = order[np.unique(pt_idx[order], return_index=True)[1]]
            found[pt_idx[first]] = area_idx[first]
            return found
        return self._containing_sorted(lons, lats)

    def _containing_sorted(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """``_containing`` for many points: one ``contains_xy`` per area on its bbox's points."""
        found = np.full(lons.shape, -1, dtype=np.int64)
        order = np.argsort(lons, kind="stable")
        sorted_lons = lons[order]
        for i, (x0, y0, x1, y1) in enumerate(self.bounds):
            lo = np.searchsorted(sorted_lons, x0, side="left")
            hi = np.searchsorted(sorted_lons, x1, side="right")
            cand = order[lo:hi]
            cand = cand[(lats[cand] >= y0) & (lats[cand] <= y1) & (found[cand] < 0)]
            if cand.size:
                found[cand[shapely.contains_xy(self.geoms[i], lons[cand], lats[cand])]] = i
        return found

    def _grown_bounds(self, metres: float) -> np.ndarray:
        """Each area's (x0, y0, x1, y1) bbox grown by ``metres`` in degrees (conservative)."""
        dlat = metres / 110_000.0  # a degree of latitude is >= 110.5 km
        dlon = dlat / np.cos(np.radians(np.abs(self.bounds[:, [1, 3]]).max()))
        return self.bounds + np.array([-dlon, -dlat, dlon, dlat])

    def _near_bounds(self, lons: np.ndarray, lats: np.ndarray, metres: float) -> np.ndarray:
        """Mask of the points inside at least one area's bbox grown by ``metres`` (conservative)."""
        near = np.zeros(lons.shape, dtype=bool)
        for x0, y0, x1, y1 in self._grown_bounds(metres):
            near |= (lons >= x0) & (lons <= x1) & (lats >= y0) & (lats <= y1)
        return near

    def assign_one(self, lon: float, lat: float) -> str | None:
        return self.assign([lon], [lat])[0]

    def contains(self, slug: str, lon: float, lat: float) -> bool:
        i = self.by_slug.get(slug)
        return i is not None and bool(shapely.contains_xy(self.geoms[i], lon, lat))

    def representative_point(self, slug: str) -> tuple[float, float] | None:
        i = self.by_slug.get(slug)
        if i is None:
            return None
        p = self.geoms[i].representative_point()
        return (p.x, p.y)

    def to_metric(self, lon, lat):
        return self._to_metric.transform(lon, lat)

    def to_wgs(self, x, y):
        return self._to_wgs.transform(x, y)
