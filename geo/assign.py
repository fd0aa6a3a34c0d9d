"""Points → area slug with a spatial index (vectorised; never a loop over polygons)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from .layers import METRIC_CRS

#: A point just outside every polygon still belongs to the nearest area within this distance.
NEAREST_MAX_M = 250.0


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

    def assign(self, lons, lats, nearest_m: float = NEAREST_MAX_M) -> np.ndarray:
        """Slug of the area containing each point (object array; None outside).

        Points outside every polygon but within ``nearest_m`` metres of one get
        the nearest area's slug.
        """
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        out = np.full(lons.shape, None, dtype=object)
        if not lons.size:
            return out
        points = shapely.points(lons, lats)
        pt_idx, area_idx = self.tree.query(points, predicate="within")
        # A point on a shared edge lies in two areas: keep the first for stability.
        first = np.unique(pt_idx, return_index=True)[1]
        out[pt_idx[first]] = self.slugs[area_idx[first]]
        missing = np.flatnonzero(out == None)  # noqa: E711 (numpy elementwise)
        if missing.size and nearest_m > 0:
            x, y = self._to_metric.transform(lons[missing], lats[missing])
            near_pts = shapely.points(x, y)
            p_idx, a_idx = self.metric_tree.query_nearest(near_pts, max_distance=nearest_m)
            first = np.unique(p_idx, return_index=True)[1]
            out[missing[p_idx[first]]] = self.slugs[a_idx[first]]
        return out

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
