"""Load and validate Ahya's layers (areas, places, boundary).

A layer that breaks a rule raises :class:`LayerError`, whose message names the
file, the feature and the rule, so that a maintainer can fix the data quickly.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

NAME_FIELDS = ("name_ar", "name_en", "name_he")
#: Equal-area-ish metric CRS for Jerusalem (Israeli TM grid).
METRIC_CRS = "EPSG:2039"
#: Neighbouring census polygons touch; overlaps above this are data errors.
OVERLAP_TOLERANCE_M2 = 100.0


class LayerError(ValueError):
    """A layer file breaks a validation rule."""

    def __init__(self, path, rule: str, detail: str, feature=None):
        self.path, self.rule, self.detail, self.feature = Path(path), rule, detail, feature
        where = f"{self.path.name}"
        if feature is not None:
            where += f", feature {feature}"
        super().__init__(f"{where}: {rule}: {detail}")


@dataclass(frozen=True)
class Layers:
    """The three shipped layers, validated, in EPSG:4326."""

    areas: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    boundary: gpd.GeoDataFrame


def read_layer(path: Path) -> gpd.GeoDataFrame:
    """Read a GeoJSON layer with pyogrio; a missing or unreadable file is a LayerError."""
    path = Path(path)
    if not path.exists():
        raise LayerError(path, "readable", "file does not exist")
    try:
        with warnings.catch_warnings():
            # GDAL accepts rings whose last point differs from the first; shapely refuses them.
            # Close them instead of failing the whole file without naming the feature.
            warnings.filterwarnings("ignore", "Non closed ring detected", RuntimeWarning)
            return gpd.read_file(path, engine="pyogrio", on_invalid="fix")
    except Exception as exc:  # pyogrio raises several GDAL-specific types
        raise LayerError(path, "readable", str(exc).splitlines()[0]) from exc


def _label(gdf: gpd.GeoDataFrame, i: int) -> str:
    slug = gdf["slug"].iloc[i] if "slug" in gdf.columns else None
    return f"#{i}" + (f" (slug={slug})" if isinstance(slug, str) and slug else "")


def validate_layer(gdf: gpd.GeoDataFrame, path: Path, *, polygons: bool,
                   require_names: bool = True, check_overlaps: bool = False) -> gpd.GeoDataFrame:
    """Validate one layer and return a repaired copy.

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer as read.
    path : Path
        File name used in error messages.
    polygons : bool
        True when every geometry must be a (multi)polygon, False for points.
    require_names : bool
        Each feature needs a unique ``slug`` and non-empty names in three languages.
    check_overlaps : bool
        Reject polygons that overlap by more than ``OVERLAP_TOLERANCE_M2``.

    Returns
    -------
    GeoDataFrame
        Invalid geometries repaired with ``make_valid``.

    Raises
    ------
    LayerError
        Naming the file, the feature and the rule.
    """
    if gdf.crs is None:
        raise LayerError(path, "crs", "the layer has no CRS (expected EPSG:4326)")
    if gdf.crs.to_epsg() != 4326:
        raise LayerError(path, "crs", f"expected EPSG:4326, found {gdf.crs.to_string()}")
    if len(gdf) == 0:
        raise LayerError(path, "not-empty", "the layer has no features")
    gdf = gdf.copy()
    geoms = gdf.geometry.values
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            raise LayerError(path, "geometry-present", "empty or missing geometry", _label(gdf, i))
    wanted = ("Polygon", "MultiPolygon") if polygons else ("Point",)
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        repaired = shapely.make_valid(geoms[invalid])
        gdf.loc[invalid, gdf.geometry.name] = [_polygonal(g) if polygons else g for g in repaired]
    for i, geom in enumerate(gdf.geometry.values):
        if geom.geom_type not in wanted:
            raise LayerError(path, "geometry-type",
                             f"{geom.geom_type} where {' or '.join(wanted)} was expected",
                             _label(gdf, i))
        if geom.is_empty:
            raise LayerError(path, "geometry-valid", "geometry is empty after repair", _label(gdf, i))
    if require_names:
        _check_names(gdf, path)
    if check_overlaps:
        _check_overlaps(gdf, path)
    return gdf


def _polygonal(geom):
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _check_names(gdf: gpd.GeoDataFrame, path: Path) -> None:
    for field in ("slug", *NAME_FIELDS):
        if field not in gdf.columns:
            raise LayerError(path, "required-field", f"no '{field}' property")
    for i, row in enumerate(gdf[["slug", *NAME_FIELDS]].itertuples(index=False)):
        for field, value in zip(("slug", *NAME_FIELDS), row, strict=True):
            if not isinstance(value, str) or not value.strip():
                raise LayerError(path, "required-name", f"'{field}' is empty", _label(gdf, i))
    dup = gdf["slug"][gdf["slug"].duplicated()]
    if len(dup):
        i = int(np.flatnonzero(gdf["slug"].duplicated())[0])
        raise LayerError(path, "unique-slug", f"slug '{dup.iloc[0]}' appears more than once",
                         _label(gdf, i))


def _check_overlaps(gdf: gpd.GeoDataFrame, path: Path) -> None:
    metric = gdf.geometry.to_crs(METRIC_CRS).values
    tree = shapely.STRtree(metric)
    left, right = tree.query(metric, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    if not len(left):
        return
    overlap = shapely.area(shapely.intersection(metric[left], metric[right]))
    bad = np.flatnonzero(overlap > OVERLAP_TOLERANCE_M2)
    if len(bad):
        k = bad[np.argmax(overlap[bad])]
        raise LayerError(path, "no-overlap",
                         f"overlaps {_label(gdf, int(right[k]))} by {overlap[k]:.0f} m² "
                         f"(tolerance {OVERLAP_TOLERANCE_M2:.0f} m²)", _label(gdf, int(left[k])))


def load_layers(layers_dir: Path) -> Layers:
    """Load and validate ``areas``, ``places`` and ``boundary`` from a directory."""
    layers_dir = Path(layers_dir)
    areas_path = layers_dir / "areas.geojson"
    places_path = layers_dir / "places.geojson"
    boundary_path = layers_dir / "boundary.geojson"
    areas = validate_layer(read_layer(areas_path), areas_path, polygons=True, check_overlaps=True)
    places = validate_layer(read_layer(places_path), places_path, polygons=False)
    boundary = validate_layer(read_layer(boundary_path), boundary_path, polygons=True,
                              require_names=False)
    for gdf in (areas, places):
        for col in ("alt_names", "pcbs_code", "kind", "sector", "source"):
            if col in gdf.columns:
                gdf[col] = gdf[col].fillna("").astype(str)
    return Layers(areas=areas, places=places, boundary=boundary)
