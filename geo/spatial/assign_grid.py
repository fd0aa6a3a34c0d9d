"""Raster lookup in front of ``AreaIndex``: most points are resolved by one array read.

A regular lon/lat grid over the areas is classified once, coarse to fine (a cell that cannot be
decided is cut into ``_SPLIT`` x ``_SPLIT`` children). A cell is decided only when the answer is
the same for every point of it under the exact algorithm of ``AreaIndex``:

- *inside k*: the cell touches area ``k`` only and lies in its interior (``contains_properly``);
- *near k*: the cell touches no area; every point of it is within ``metres`` - 1 m of ``k``,
  1 m closer to ``k`` than to any other area, and reaches ``k`` through the exact path's
  pre-filters (grown bbox, buffer);
- *far*: the cell touches no area and meets none of the exact path's buffers, or is farther
  than ``metres`` + 1 m from each area whose buffer it meets. Off-grid points are far too: the
  grid reaches twice ``metres`` past the areas.

Other cells are *mixed* (the exact path decides) or *outside* (no area contains them; only the
nearest-area search decides). The predicates are GEOS' (robust, no tolerance) and distances
are bounded with a metre to spare, so the shortcut gives the exact path's result.
"""

from __future__ import annotations

import numpy as np
import shapely

#: Edge of the finest cells. 25 m leaves ~4 % of a city's points to the exact path.
CELL_M = 25.0
#: Children per side of an undecided cell; with ``_LEVELS`` levels the coarsest cell is 1.6 km.
_SPLIT = 4
_LEVELS = 4
#: Cells are grown by this many degrees (~0.1 mm) when classified: a point's cell is computed in
#: floating point and may be off by rounding (~1e-14 degrees) across a cell edge.
_EPS_DEG = 1e-9
#: Distances are tested with this much to spare (rounding, the metric CRS' scale).
_MARGIN_M = 1.0
#: A degree of latitude (or of longitude / cos(lat)) is >= 110 km: conservative degree padding.
_M_PER_DEG = 110_000.0
#: Finer cells would cost memory for nothing: a wide layer gets coarser cells.
_MAX_CELLS = 4_000_000
_EARTH_M = 6_356_000.0  # the smallest radius of curvature of the ellipsoid, rounded down


class AreaGrid:
    """Cell codes over the areas' bounds, for ``AreaIndex.assign`` with large inputs.

    Parameters
    ----------
    index : AreaIndex
        The index whose exact results the grid reproduces (areas, trees, transformer, buffers).
    metres : float
        The nearest-area distance the *near* and *far* classes are decided for.
    cell_m : float
        Edge of the finest cells, in metres (approximately: cells are regular in degrees).
    """

    def __init__(self, index, metres: float, cell_m: float = CELL_M):
        self.metres = float(metres)
        n = len(index.geoms)
        # Codes: 0..n-1 inside area k, n..2n-1 near area k - n, then far, outside, mixed.
        self.far, self.outside, self.mixed = 2 * n, 2 * n + 1, 2 * n + 2
        self._n, self._index, self._tables = n, index, {}
        x0, y0, x1, y1 = shapely.total_bounds(index.geoms)
        # The grid reaches twice the far distance past the areas: an off-grid point is far.
        pad_lat = 2 * (self.metres + _MARGIN_M) / _M_PER_DEG
        cos_lat = np.cos(np.radians(max(abs(y0), abs(y1)) + pad_lat))
        pad_lon = pad_lat / cos_lat
        width, height = x1 - x0 + 2 * pad_lon, y1 - y0 + 2 * pad_lat
        self.dy = max(cell_m / _M_PER_DEG, np.sqrt(width * cos_lat * height / _MAX_CELLS))
        self.dx = self.dy / cos_lat
        # Parallels bow in the metric CRS (~L² tan(lat) / 8R: 0.03 m for a 1.6 km edge here):
        # twice that, plus 1 cm, bounds a cell's image around its projected corners.
        self._bow = 2 * np.tan(np.radians(max(abs(y0), abs(y1)) + pad_lat)) / (8 * _EARTH_M)
        block = _SPLIT ** (_LEVELS - 1)
        self.nx = block * int(np.ceil(width / (self.dx * block)))
        self.ny = block * int(np.ceil(height / (self.dy * block)))
        self.x0, self.y0 = x0 - pad_lon, y0 - pad_lat
        self._inv_dx, self._inv_dy = 1.0 / self.dx, 1.0 / self.dy
        self._grown = index._grown_bounds(self.metres)
        self._buffer_tree = index._buffer_tree(self.metres)
        self._buffers = self._buffer_tree.geometries
        shapely.prepare(self._buffers)  # a cache: the exact path's results are unchanged
        self.codes = self._build(block)

    def _build(self, block: int) -> np.ndarray:
        """Flat cell codes (row-major, ``ny`` x ``nx``) plus one trailing *far* code for off-grid."""
        size = block
        codes = np.full((self.ny // size, self.nx // size), self.mixed, dtype=np.int32)
        todo = np.ones(codes.shape, dtype=bool)
        while True:
            jj, ii = np.nonzero(todo)
            codes[jj, ii] = self._classify(ii * size, jj * size, size)
            if size == 1:
                break
            codes = np.repeat(np.repeat(codes, _SPLIT, axis=0), _SPLIT, axis=1)
            size //= _SPLIT
            todo = (codes == self.mixed) | (codes == self.outside)
        return np.append(codes.ravel(), np.int32(self.far))

    def _classify(self, i0: np.ndarray, j0: np.ndarray, size: int) -> np.ndarray:
        """Codes of the cells with lower-left fine cell (i0, j0) and ``size`` fine cells a side."""
        index = self._index
        # Edges as x0 + i * dx with integer i, exactly as for every level: children tile parents.
        left, right = self.x0 + i0 * self.dx - _EPS_DEG, self.x0 + (i0 + size) * self.dx + _EPS_DEG
        bottom, top = self.y0 + j0 * self.dy - _EPS_DEG, self.y0 + (j0 + size) * self.dy + _EPS_DEG
        boxes = shapely.box(left, bottom, right, top)
        out = np.full(len(boxes), self.mixed, dtype=np.int32)
        # Bbox candidates, then prepared-polygon predicates (a predicate query prepares each box: slower).
        c, a = index.tree.query(boxes)
        hit = shapely.intersects(index.geoms[a], boxes[c])
        c, a = c[hit], a[hit]
        count = np.bincount(c, minlength=len(boxes))
        one = count[c] == 1
        c, a = c[one], a[one]
        inside = shapely.contains_properly(index.geoms[a], boxes[c])
        out[c[inside]] = a[inside]
        clear = np.flatnonzero(count == 0)  # no point of these cells is in any area
        edge_m = size * self.dy * 111_700  # a degree of latitude is <= 111.7 km
        out[clear] = self._classify_clear(left[clear], bottom[clear], right[clear], top[clear],
                                          0.01 + self._bow * edge_m**2)
        return out

    def _classify_clear(self, left, bottom, right, top, pad_m: float) -> np.ndarray:
        """Codes of cells touching no area: far, near k or outside (``pad_m``: metric slack)."""
        index, n = self._index, self._n
        out = np.full(len(left), self.outside, dtype=np.int32)
        if not len(left):
            return out
        xs, ys = index._to_metric.transform(np.stack([left, right, left, right]),
                                            np.stack([bottom, bottom, top, top]))
        mx0, mx1 = xs.min(axis=0) - pad_m, xs.max(axis=0) + pad_m
        my0, my1 = ys.min(axis=0) - pad_m, ys.max(axis=0) + pad_m
        mboxes = shapely.box(mx0, my0, mx1, my1)
        # The exact path's nearest-area candidates are the areas whose buffer holds the point:
        # a cell meeting no buffer has none (None).
        c, a = self._buffer_tree.query(mboxes)
        hit = shapely.intersects(self._buffers[a], mboxes[c])
        c, a = c[hit], a[hit]
        out[np.bincount(c, minlength=len(left)) == 0] = self.far
        if not len(c):
            return out
        # Distances bounded over the cell from its centre's (1-Lipschitz): d +- half diagonal.
        half = np.hypot(mx1 - mx0, my1 - my0) / 2
        d = shapely.distance(index.metric[a], shapely.points((mx0[c] + mx1[c]) / 2, (my0[c] + my1[c]) / 2))
        order = np.lexsort((d, c))
        c, a, d = c[order], a[order], d[order]
        first = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])  # each cell's closest candidate
        cell, best, d1 = c[first], a[first], d[first]
        nxt = first + 1  # the runner-up, if any
        d2 = np.full(len(first), np.inf)
        has2 = (nxt < len(c)) & (c[np.minimum(nxt, len(c) - 1)] == cell)
        d2[has2] = d[nxt[has2]]
        h = half[cell]
        out[cell[d1 - h > self.metres + _MARGIN_M]] = self.far  # every candidate too far
        # The closest is within `metres` and strictly closer than the others for every point...
        near = (d1 + h <= self.metres - _MARGIN_M) & (d2 - d1 > 2 * h + _MARGIN_M)
        # ... a candidate of the exact path for every point, and its bbox pre-filter lets them through.
        g = self._grown[best]
        near &= (left[cell] >= g[:, 0]) & (bottom[cell] >= g[:, 1])
        near &= (right[cell] <= g[:, 2]) & (top[cell] <= g[:, 3])
        near[near] = shapely.contains(self._buffers[best[near]], mboxes[cell[near]])
        out[cell[near]] = n + best[near]
        return out

    def cells(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Code of each point's cell (*far* off the grid, NaN included)."""
        fx = (lons - self.x0) * self._inv_dx
        fy = (lats - self.y0) * self._inv_dy
        ok = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        with np.errstate(invalid="ignore"):  # NaN / huge values: masked out just below
            flat = fy.astype(np.intp) * self.nx + fx.astype(np.intp)
        return self.codes[np.where(ok, flat, len(self.codes) - 1)]

    def table(self, nearest_m: float) -> np.ndarray:
        """Code → area index, or -1 (none), -2 (nearest search needed), -3 (exact path needed).

        Parameters
        ----------
        nearest_m : float
            The grid's own ``metres``, or <= 0 (no nearest search: outside every area is None).
        """
        key = float(nearest_m)
        if key not in self._tables:
            if 0 < key != self.metres:
                raise ValueError(f"grid built for {self.metres} m, not {key} m")
            n = self._n
            t = np.full(2 * n + 3, -1, dtype=np.int64)
            t[:n] = np.arange(n)
            if key > 0:
                t[n:2 * n] = np.arange(n)
                t[self.outside] = -2
            t[self.mixed] = -3
            self._tables[key] = t
        return self._tables[key]
