"""Turn a user's geodata file into an overlay: read, check, reproject, repair.

Files are read through fiona: uploads are small, and fiona shows layers, schema,
CRS and feature count before any feature is read.  A file that cannot become a
sensible overlay raises :class:`ImportRejected` with a one-line reason written
for the person importing it (callers prefix the file name).  Zip and KMZ
archives are checked and read in place by :mod:`geo.formats.archives`.
"""

from __future__ import annotations

import codecs
import functools
import itertools
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path, PurePosixPath

import fiona
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely
from pyproj.exceptions import CRSError, ProjError

from ..reference.layers import METRIC_CRS
from .archives import ArchiveRejected, dataset_members, is_archive, read_member, vsizip_path

MAX_FEATURES = 50_000
#: A layer must come this close to the municipal boundary to count as "in Jerusalem".
NEAR_JERUSALEM_M = 5_000

FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".shp": "Shapefile", ".gpkg": "GeoPackage",
           ".kml": "KML", ".csv": "CSV", ".gml": "GML", ".topojson": "TopoJSON", ".xlsx": "XLSX"}
#: Their specifications fix coordinates to WGS84 longitude/latitude; CSV and XLSX have no CRS at
#: all and are assumed to be longitude/latitude too (TopoJSON has none either: GeoJSON's).
WGS84_FORMATS = {"GeoJSON", "KML", "CSV", "TopoJSON", "XLSX"}
CSV_OPTIONS = {
    "X_POSSIBLE_NAMES": "lon,lng,long,longitude,x",
    "Y_POSSIBLE_NAMES": "lat,latitude,y",
    "GEOM_POSSIBLE_NAMES": "wkt,geometry,geom",
    "KEEP_GEOM_COLUMNS": "NO",
    "AUTODETECT_TYPE": "YES",
    # Quoted values such as "007" or phone numbers stay text.
    "QUOTED_FIELDS_AS_STRING": "YES",
}
#: Label columns by preference, matched ignoring case (Arabic first, like the map).
NAME_FIELDS = ("name_ar", "name_en", "name_he", "name", "title", "label")
SUPPORTED = "GeoJSON, TopoJSON, zipped Shapefile, Shapefile, GeoPackage, KML/KMZ, GML, CSV or XLSX"


class ImportRejected(ValueError):
    """The file cannot be imported; the message is one line saying why."""


class MostlyOutside(ImportRejected):
    """The layer lies mostly outside Jerusalem: importing it again with ``force`` keeps it."""


@dataclass
class ImportResult:
    """An imported layer ready to store."""

    gdf: gpd.GeoDataFrame
    name_field: str | None
    source_layer: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Source:
    path: str  # what fiona opens, possibly a /vsizip/ path
    kind: str
    options: dict
    layer: str | None  # layer still to choose inside ``path``
    warnings: list[str]


def import_user_layer(path, *, layer: str | None = None, boundary: gpd.GeoDataFrame | None = None,
                      max_features: int = MAX_FEATURES, encoding: str | None = None,
                      force: bool = False) -> ImportResult:
    """Read a user's geodata file and make it a clean EPSG:4326 layer.

    Parameters
    ----------
    path : str or Path
        GeoJSON, zipped Shapefile (.zip), Shapefile (.shp with sidecars),
        GeoPackage, KML/KMZ or CSV (lon/lat or WKT columns; assumed EPSG:4326).
    layer : str, optional
        Layer to import when the file holds several.
    boundary : GeoDataFrame, optional
        Jerusalem's municipal outline in EPSG:4326; a layer with no feature, or with fewer than
        half of its features, within ``NEAR_JERUSALEM_M`` of it is rejected (unless ``force``).
    max_features : int
        Larger layers are rejected.
    encoding : str, optional
        The text encoding of a Shapefile's or CSV's attributes (e.g. ``cp1256``, Windows Arabic),
        for a Shapefile without a .cpg file; it overrides the .cpg when there is one.
    force : bool
        Keep a layer that lies mostly (or wholly) outside Jerusalem, with a warning.

    Returns
    -------
    ImportResult
        ``gdf`` in EPSG:4326 with valid 2-D geometries and JSON-friendly
        attributes, the best ``name_field`` for labels, the ``source_layer``
        read and ``warnings`` about what was changed.

    Raises
    ------
    ImportRejected
        With a one-line reason.
    """
    source = _resolve(_existing(path), layer)
    if encoding is not None:
        _use_encoding(source, encoding)
    chosen = _choose(_fiona_layers(source), source.layer)
    warnings = source.warnings
    gdf = _repair(_to_wgs84(_read(source, chosen, max_features), source.kind), warnings)
    if boundary is not None:
        _check_near(gdf, boundary, warnings, force=force)
    gdf = _jsonable(gdf, warnings)
    return ImportResult(gdf=gdf, name_field=pick_name_field(gdf), source_layer=chosen,
                        warnings=warnings)


def pick_name_field(gdf: gpd.GeoDataFrame) -> str | None:
    """The column best suited for labels: a known name field, else the first text column."""
    text = [c for c in gdf.columns if c != gdf.geometry.name
            and any(isinstance(v, str) and v.strip() for v in gdf[c])]
    for wanted in NAME_FIELDS:
        for col in text:
            if str(col).lower() == wanted:
                return col
    return text[0] if text else None


def _existing(path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise ImportRejected("file not found")
    return path


def _resolve(path: Path, layer: str | None) -> _Source:
    suffix, member = path.suffix.lower(), None
    if is_archive(path):
        members = _archive_layers(path)
        if len(members) > 1:  # several shapefiles: the layer names one of them
            member, layer = members[_choose(list(members), layer)], None
        else:
            member = next(iter(members.values()))
        fiona_path = vsizip_path(path, member)
        kind = FORMATS[PurePosixPath(member).suffix.lower()]
    elif suffix in FORMATS:
        fiona_path, kind = str(path), FORMATS[suffix]
    else:
        raise ImportRejected(f"unsupported file type {suffix or '(no extension)'!r}; use {SUPPORTED}")
    warnings, options = [], {}
    if kind == "Shapefile":
        options = _shapefile_options(_sidecar(path, member, ".cpg") is not None,
                                     _sidecar(path, member, ".dbf"), warnings)
    elif kind == "CSV":
        options = dict(CSV_OPTIONS)
    return _Source(fiona_path, kind, options, layer, warnings)


def _use_encoding(source: _Source, encoding: str) -> None:
    """Read the attributes as ``encoding`` (a Shapefile or CSV): the user knows better than a guess."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ImportRejected(f"unknown text encoding {encoding!r} (e.g. utf-8, cp1256, iso-8859-8)") from None
    if source.kind not in ("Shapefile", "CSV"):
        raise ImportRejected(f"an encoding applies to Shapefiles and CSV files, not {source.kind}")
    source.options["encoding"] = name
    # The guess's warning ("not UTF-8 and no .cpg") no longer applies.
    source.warnings[:] = [w for w in source.warnings if "no .cpg file" not in w]


def _sidecar(path: Path, member: str | None, ext: str) -> bytes | None:
    """A shapefile's .cpg/.dbf (any case), beside it on disk or in the same zip."""
    if member is None:
        found = [p for p in (path.with_suffix(ext), path.with_suffix(ext.upper())) if p.is_file()]
        return found[0].read_bytes() if found else None
    return read_member(path, member[: -len(".shp")] + ext)


def _choose(names: list[str], layer: str | None) -> str:
    if layer is not None and layer not in names:
        raise ImportRejected(f"has no layer {layer!r}; its layers are: {', '.join(names)}")
    if layer is None and len(names) > 1:
        raise ImportRejected(f"has {len(names)} layers ({', '.join(names)}); choose one by name")
    return layer or names[0]


def _archive_layers(path: Path) -> dict[str, str]:
    """Safe-to-read dataset members of a zip archive, keyed by layer name (file stem)."""
    try:
        members = dataset_members(path)
    except ArchiveRejected as exc:
        raise ImportRejected(str(exc)) from exc
    if not members:
        raise ImportRejected(f"zip archive contains no {SUPPORTED} file")
    return members


def _shapefile_options(has_cpg: bool, dbf: bytes | None, warnings: list[str]) -> dict:
    """Default to UTF-8 when no .cpg names the encoding (GDAL would assume ISO-8859-1)."""
    if has_cpg or dbf is None:
        return {}
    header = int.from_bytes(dbf[8:10], "little")
    try:
        dbf[header:].decode("utf-8")
    except UnicodeDecodeError:
        # Forcing UTF-8 here would silently turn every such value into null.
        warnings.append("text is not UTF-8 and no .cpg file names its encoding; names may look wrong")
        return {}
    return {"encoding": "utf-8"}


@functools.cache
def _enable_kml() -> None:
    # fiona ships without KML in supported_drivers; reading needs only "r".
    with fiona.Env() as env:
        available = env.drivers()
    for driver in ("LIBKML", "KML"):
        if driver in available:
            fiona.supported_drivers.setdefault(driver, "r")


#: Columns GDAL's LIBKML driver adds to every KML layer, with the value they have when the file
#: says nothing: dropped when no feature says more (the ExtendedData columns are what matters).
LIBKML_DEFAULTS = {"id": None, "timestamp": None, "begin": None, "end": None, "altitudeMode": None,
                   "tessellate": -1, "extrude": 0, "visibility": -1, "drawOrder": None, "icon": None,
                   "snippet": None}


@functools.cache
def _libkml() -> bool:
    """Whether pyogrio's GDAL has LIBKML: it reads a placemark's ExtendedData (``<Data>`` and
    ``<SchemaData>``) as columns, where the KML driver of fiona's GDAL keeps only Name and
    Description."""
    return "LIBKML" in pyogrio.list_drivers()


def _fiona_layers(source: _Source) -> list[str]:
    if (source.kind == "KML" and _libkml()) or source.kind == "XLSX":
        try:
            names = [str(row[0]) for row in pyogrio.list_layers(source.path)]
        except (pyogrio.errors.DataSourceError, OSError) as exc:
            raise ImportRejected(f"is not a readable {source.kind} file") from exc
        if not names:
            raise ImportRejected("has no layers")
        return names
    if source.kind == "KML":
        _enable_kml()
    try:
        names = fiona.listlayers(source.path)
    except (fiona.errors.FionaError, OSError) as exc:
        raise ImportRejected(f"is not a readable {source.kind} file") from exc
    if not names:
        raise ImportRejected("has no layers")
    return names


def _read_libkml(source: _Source, layer: str, max_features: int) -> gpd.GeoDataFrame:
    """A KML layer with its ExtendedData attributes (pyogrio's LIBKML driver)."""
    try:
        info = pyogrio.read_info(source.path, layer=layer)
        if info["features"] > max_features:
            raise ImportRejected(f"has {info['features']:,} features (limit {max_features:,})")
        if info["features"] == 0 or info["geometry_type"] in (None, "None"):
            raise ImportRejected("has no features with geometry")
        gdf = gpd.read_file(source.path, engine="pyogrio", layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise ImportRejected(f"is not a readable {source.kind} file") from exc
    for col, default in LIBKML_DEFAULTS.items():
        if col in gdf.columns:
            values = gdf[col]
            if values.isna().all() or (default is not None and (values == default).all()):
                gdf = gdf.drop(columns=col)
    return gdf.reset_index(drop=True)


def _read_sheet(source: _Source, layer: str, max_features: int) -> gpd.GeoDataFrame:
    """An XLSX sheet of points: longitude and latitude columns named as a CSV's may be."""
    try:
        info = pyogrio.read_info(source.path, layer=layer)
        if info["features"] > max_features:
            raise ImportRejected(f"has {info['features']:,} features (limit {max_features:,})")
        table = pyogrio.read_dataframe(source.path, layer=layer, read_geometry=False)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise ImportRejected(f"is not a readable {source.kind} file") from exc

    def column(names: str) -> str | None:
        by_name = {str(c).strip().lower(): c for c in table.columns}
        return next((by_name[n] for n in names.split(",") if n in by_name), None)

    lon, lat = column(CSV_OPTIONS["X_POSSIBLE_NAMES"]), column(CSV_OPTIONS["Y_POSSIBLE_NAMES"])
    if lon is None or lat is None:
        raise ImportRejected("has no geometry: expected lon/lng/longitude/x and lat/latitude/y columns")
    x, y = pd.to_numeric(table[lon], errors="coerce"), pd.to_numeric(table[lat], errors="coerce")
    keep = x.notna() & y.notna()
    if not keep.any():
        raise ImportRejected("has no features with geometry")
    points = gpd.points_from_xy(x[keep], y[keep])
    rows = table[keep].drop(columns=[lon, lat]).reset_index(drop=True)
    return gpd.GeoDataFrame(rows, geometry=points, crs=None)


def _read(source: _Source, layer: str, max_features: int) -> gpd.GeoDataFrame:
    if source.kind == "KML" and _libkml():
        return _read_libkml(source, layer, max_features)
    if source.kind == "XLSX":
        return _read_sheet(source, layer, max_features)
    try:
        with fiona.open(source.path, layer=layer, **source.options) as src:
            geometry = src.schema.get("geometry")
            try:
                count = len(src)
            except TypeError:
                # GDAL's GML driver cannot count without reading (fiona then refuses len()):
                # count by reading, but never past the limit.
                count = sum(1 for _ in itertools.islice(iter(src), max_features + 1))
        if count > max_features:
            raise ImportRejected(f"has {count:,} features (limit {max_features:,})")
        if count == 0:
            raise ImportRejected("has no features with geometry")
        if geometry in (None, "None"):
            if source.kind == "CSV":
                raise ImportRejected("has no geometry: expected lon/lng/longitude/x and "
                                     "lat/latitude/y columns or a wkt/geometry/geom column")
            raise ImportRejected(f"layer {layer!r} has no geometry column")
        gdf = gpd.read_file(source.path, engine="fiona", layer=layer, **source.options)
    except (fiona.errors.FionaError, OSError, UnicodeDecodeError) as exc:
        raise ImportRejected(f"is not a readable {source.kind} file") from exc
    return gdf.reset_index(drop=True)


def _to_wgs84(gdf: gpd.GeoDataFrame, kind: str) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        if kind not in WGS84_FORMATS:
            hint = " (.prj missing?)" if kind == "Shapefile" else ""
            raise ImportRejected(f"has no coordinate reference system{hint}")
        gdf = gdf.set_crs("EPSG:4326")
    try:
        gdf = gdf.to_crs("EPSG:4326")
    except (CRSError, ProjError) as exc:
        raise ImportRejected(f"its coordinate reference system ({gdf.crs.name}) cannot be "
                             "converted to longitude/latitude") from exc
    present = ~gdf.geometry.isna() & ~gdf.geometry.is_empty  # notna() warns about empties
    if present.any():
        minx, miny, maxx, maxy = gdf.geometry[present].total_bounds
        if not (np.isfinite([minx, miny, maxx, maxy]).all()
                and -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise ImportRejected("coordinates are not longitude/latitude degrees "
                                 "(projected x/y without a matching CRS?)")
    return gdf


def _repair(gdf: gpd.GeoDataFrame, warnings: list[str]) -> gpd.GeoDataFrame:
    """Make geometries valid and 2-D; drop features left without geometry."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    geoms[present] = shapely.force_2d(geoms[present])
    invalid = present & ~shapely.is_valid(geoms)
    if invalid.any():
        # make_valid runs on the reprojected shapes: reprojection itself can create
        # tiny self-intersections (see NOTES.md).
        geoms[invalid] = [_keep_kind(old, new) for old, new
                          in zip(geoms[invalid], shapely.make_valid(geoms[invalid]), strict=True)]
        warnings.append(f"repaired {int(invalid.sum())} invalid geometr"
                        f"{'y' if invalid.sum() == 1 else 'ies'}")
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not keep.any():
        raise ImportRejected("has no features with geometry")
    if not keep.all():
        warnings.append(f"dropped {int((~keep).sum())} of {len(keep)} features without geometry")
        gdf = gdf[keep].reset_index(drop=True)
    return gdf


def _keep_kind(old, new):
    # A repaired polygon may gain zero-area lines; an overlay of areas keeps only areas.
    if old.geom_type not in ("Polygon", "MultiPolygon") or new.geom_type in ("Polygon", "MultiPolygon"):
        return new
    parts = [p for p in shapely.get_parts(new) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _check_near(gdf: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame, warnings: list[str], *,
                force: bool = False) -> None:
    zone = shapely.union_all(boundary.to_crs(METRIC_CRS).geometry.values).buffer(NEAR_JERUSALEM_M)
    near = gdf.geometry.to_crs(METRIC_CRS).intersects(zone)
    km = NEAR_JERUSALEM_M // 1000
    outside = int((~near).sum())
    if force and outside:
        warnings.append(f"{outside} of {len(near)} features lie more than {km} km outside Jerusalem "
                        "(kept: forced)")
        return
    if not near.any():
        # Mislabelled CSV columns put Jerusalem in the Indian Ocean; say so.
        swapped = gpd.GeoSeries(shapely.transform(gdf.geometry.values, lambda xy: xy[:, ::-1]),
                                crs=gdf.crs).to_crs(METRIC_CRS).intersects(zone).any()
        hint = "; are longitude and latitude swapped?" if swapped else ""
        raise ImportRejected(f"lies outside Jerusalem (no feature within {km} km of the "
                             f"municipal boundary{hint})")
    if outside * 2 > len(near):  # mostly elsewhere: most likely the wrong file or wrong coordinates
        raise MostlyOutside(f"lies mostly outside Jerusalem ({outside} of {len(near)} features more "
                             f"than {km} km from the municipal boundary); force the import to keep it")
    if outside:
        warnings.append(f"{outside} of {len(near)} features lie more than {km} km "
                        "outside Jerusalem")


def _jsonable(gdf: gpd.GeoDataFrame, warnings: list[str]) -> gpd.GeoDataFrame:
    """Dates become ISO strings and binary columns are dropped, so the layer dumps to JSON."""
    gdf = gdf.copy()
    for col in [c for c in gdf.columns if c != gdf.geometry.name]:
        values = gdf[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            gdf[col] = pd.Series([None if pd.isna(v) else v.isoformat() for v in values],
                                 index=gdf.index, dtype=object)
        elif values.dtype == object:
            if any(isinstance(v, bytes | bytearray) for v in values):
                gdf = gdf.drop(columns=col)
                warnings.append(f"dropped binary column {col!r}")
            elif any(isinstance(v, date | time) for v in values):
                gdf[col] = [v.isoformat() if isinstance(v, date | time) else v
                            for v in values]
    return gdf
