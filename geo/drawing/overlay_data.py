"""An imported overlay as the map page fetches it: lighter per zoom, only the attributes it shows.

Pure: takes a GeoDataFrame (EPSG:4326) and returns plain dicts. The map page never carries
an overlay; it fetches :func:`overlay_collection` for the zoom *tier* it shows
(:func:`tier_for_zoom`), so a city-wide view of 5,000 parcels gets a few hundred KB, not the
file as imported. Small overlays have one tier (:func:`tier_count`): one fetch, whatever the zoom.
"""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pandas as pd
import shapely

from ..reference.layers import METRIC_CRS

#: (highest zoom, simplification tolerance in metres, coordinate precision in degrees) per tier.
#: At Jerusalem's latitude a screen pixel is ~38 m at zoom 12, ~9.5 m at 14 and ~2.4 m at 16:
#: each tolerance stays under about half a pixel of its highest zoom.
TIERS: tuple[tuple[int, float, float], ...] = ((12, 15.0, 1e-4), (14, 4.0, 1e-5), (16, 1.0, 1e-5),
                                               (99, 0.0, 1e-6))
#: An overlay stored in fewer bytes than this (or of points only) is sent whole at every zoom.
SMALL_BYTES = 200_000


def tier_count(stored_bytes: int, geometry_types) -> int:
    """How many zoom tiers an overlay is served in: 1 (whole) or ``len(TIERS)``.

    Parameters
    ----------
    stored_bytes : int
        Size of the overlay's stored GeoJSON.
    geometry_types : iterable of str
        Its geometry types (points cannot be simplified).
    """
    kinds = set(geometry_types or ())
    if stored_bytes < SMALL_BYTES or (kinds and kinds <= {"Point", "MultiPoint"}):
        return 1
    return len(TIERS)


def tier_zooms(count: int) -> list[int]:
    """The highest zoom of each of ``count`` tiers (the page picks the first ≥ its zoom)."""
    return [TIERS[-1][0]] if count == 1 else [t[0] for t in TIERS]


def _scalar(value):
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalars
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return None if pd.isna(value) is True else str(value)


def overlay_collection(gdf: gpd.GeoDataFrame, keep: list[str], tier: int, tiers: int) -> dict:
    """The FeatureCollection the map page draws for one zoom tier.

    Parameters
    ----------
    gdf : GeoDataFrame
        The overlay in EPSG:4326.
    keep : list of str
        Attributes sent (the popup's, the colouring one, the label): nothing else leaves.
    tier : int
        Index into the overlay's tiers (0 = the city-wide view).
    tiers : int
        The overlay's tier count (:func:`tier_count`); with 1 the data is sent unsimplified.

    Returns
    -------
    dict
        GeoJSON FeatureCollection; values are JSON scalars (other values as text, NaN as null).
    """
    _, tolerance, precision = TIERS[-1] if tiers == 1 else TIERS[tier]
    geoms = gdf.geometry.values
    if tolerance > 0:
        metric = gpd.GeoSeries(geoms, crs=gdf.crs).to_crs(METRIC_CRS).values
        simple = shapely.simplify(metric, tolerance, preserve_topology=True)
        geoms = gpd.GeoSeries(simple, crs=METRIC_CRS).to_crs(gdf.crs).values
    geoms = shapely.set_precision(geoms, precision)
    cols = [c for c in dict.fromkeys(keep) if c in gdf.columns and c != gdf.geometry.name]
    rows = gdf[cols].to_dict("records") if cols else [{} for _ in range(len(gdf))]
    features = []
    for i, (row, geom) in enumerate(zip(rows, shapely.to_geojson(geoms), strict=True)):
        if geom is None or geom == "null":
            continue
        features.append({"type": "Feature", "id": i, "geometry": json.loads(geom),
                         "properties": {k: _scalar(v) for k, v in row.items()}})
    return {"type": "FeatureCollection", "features": features}
