"""Download formats for public report rows and area rows: GeoJSON, CSV, KML, GeoPackage, Shapefile.

Pure functions: they take GeoDataFrames (EPSG:4326) built from public data only (for reports,
:func:`to_frame` over ``webapp.store.reporting.public_dict`` results), write a file and return its path.
:func:`export_bytes` does the same in a temporary directory and returns the bytes, for a web
response. GDAL writes every format except KML through pyogrio (named explicitly: geopandas'
default engine may change, and fiona cannot write KML without hacks). KML is built here with
ElementTree because GDAL's KML drivers write a style per placemark, not a shared ``<Style>``
per category.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from xml.etree import ElementTree as ET  # noqa: S405 - we only build XML here, never parse it

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyogrio.raw import write as ogr_write

from ..reference.taxonomy import Taxonomy

ENGINE = "pyogrio"
#: Format key -> (file suffix, media type) for download responses.
FORMATS = {"geojson": (".geojson", "application/geo+json"), "csv": (".csv", "text/csv; charset=utf-8"),
           "kml": (".kml", "application/vnd.google-earth.kml+xml"),
           "gpkg": (".gpkg", "application/geopackage+sqlite3"), "shp": (".shp.zip", "application/zip")}
#: Shapefile (dBASE) field names are limited to 10 characters; these are renamed on purpose.
#: Any other long name is cut to 10 characters (made unique with a digit); the zip carries
#: the full map as ``fields.csv``.
SHAPEFILE_FIELDS = {"observed_on": "observed", "organization": "org", "description": "descr",
                    "published_at": "published", "addressed_categories": "addr_cats", "pcbs_code": "pcbs"}
#: dBASE text fields hold at most 254 bytes; longer UTF-8 text is cut at a character boundary.
DBF_TEXT_BYTES = 254
#: GIS column types an export declares (``gdf.attrs["column_types"]``, column -> type); a column
#: not declared is typed from its dtype (:func:`column_types`).
COLUMN_TYPES = ("string", "integer", "real", "boolean", "date", "datetime")
#: Column types of the public report dicts (:func:`to_frame` declares those it holds).
REPORT_TYPES = {"id": "integer", "organization_id": "integer", "demo": "boolean", "observed_on": "date",
                "published_at": "datetime"}
#: GeoPackage version written: GDAL < 3.7 (e.g. Debian bookworm's 3.6, QGIS 3.28) warns on 1.4.
GPKG_VERSION = "1.2"
#: Column type -> GDAL CSVT type (the ``.csvt`` sidecar GDAL and QGIS read beside a CSV).
CSVT_TYPES = {"string": "String", "integer": "Integer64", "real": "Real", "boolean": "Integer(Boolean)",
              "date": "Date", "datetime": "DateTime"}
#: Spreadsheet programs run a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_KML_NS = "http://www.opengis.net/kml/2.2"


def to_frame(public_dicts: list[dict]) -> gpd.GeoDataFrame:
    """A GeoDataFrame (EPSG:4326) of public report dicts.

    Parameters
    ----------
    public_dicts : list of dict
        ``webapp.store.reporting.public_dict`` results (public fields and public point only).

    Returns
    -------
    GeoDataFrame
        One row per report, columns in first-seen order; ``is_demo`` becomes the boolean
        ``demo``; list fields (``addresses``, ``addressed_categories``) become ``"1;2"``
        strings (every format has flat fields); ``lon``/``lat`` become the point geometry.
    """
    rows = []
    for item in public_dicts:
        row = {("demo" if k == "is_demo" else k):
               (";".join(map(str, v)) if isinstance(v, (list, tuple, set)) else v)
               for k, v in item.items() if k not in ("lon", "lat")}
        row["demo"] = bool(row.get("demo"))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(dict.fromkeys(k for row in rows for k in row)))
    points = [shapely.Point(d["lon"], d["lat"]) if d.get("lon") is not None and d.get("lat") is not None
              else None for d in public_dicts]
    out = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(points, crs=4326), crs=4326)
    out.attrs["column_types"] = {c: t for c, t in REPORT_TYPES.items() if c in out.columns}
    return out


def column_types(gdf: gpd.GeoDataFrame) -> dict[str, str]:
    """Column -> GIS type (one of :data:`COLUMN_TYPES`) of every non-geometry column.

    Declared types (``gdf.attrs["column_types"]``) win, so a column keeps its type in an empty
    export or when every value is missing; others follow the dtype (object columns are text).
    """
    declared = gdf.attrs.get("column_types", {})
    out = {}
    for col in gdf.columns:
        if col == gdf.geometry.name:
            continue
        series = gdf[col]
        if col in declared:
            out[col] = declared[col]
        elif pd.api.types.is_bool_dtype(series):
            out[col] = "boolean"
        elif pd.api.types.is_integer_dtype(series):
            out[col] = "integer"
        elif pd.api.types.is_float_dtype(series):
            out[col] = "real"
        elif pd.api.types.is_datetime64_any_dtype(series):
            out[col] = "datetime"
        else:
            out[col] = "string"
    return out


def _missing(value) -> bool:
    return value is None or value == "" or (not isinstance(value, (list, tuple, str)) and pd.isna(value))


def _as_timestamps(values) -> pd.DatetimeIndex:
    """ISO strings, dates or datetimes as UTC timestamps (naive ones are UTC, like every stored time)."""
    return pd.DatetimeIndex(pd.to_datetime([None if _missing(v) else v for v in values], utc=True,
                                           format="ISO8601"))


def _field_array(values, kind: str, *, dates_only: bool = False):
    """(data, mask, tz offsets) of one column for ``pyogrio.raw.write``, typed as ``kind``.

    ``dates_only``: a datetime is written as its (UTC) day, for formats without a datetime
    type (dBASE); the zip's full-values table keeps the time.
    """
    values = list(values)
    if kind == "date" or (kind == "datetime" and dates_only):
        stamps = _as_timestamps(values)
        days = stamps.tz_convert(None).values.astype("datetime64[D]")
        return days, np.isnat(days), None
    if kind == "datetime":
        stamps = _as_timestamps(values)
        naive = stamps.tz_convert(None).values.astype("datetime64[ms]")
        return naive, np.isnat(naive), np.where(np.isnat(naive), 0, 100)  # 100: GDAL's code for UTC
    if kind in ("integer", "boolean"):
        mask = np.array([_missing(v) for v in values], dtype=bool)
        if kind == "boolean":
            data = np.array([bool(v) and str(v).lower() not in ("false", "0") if not m else False
                             for v, m in zip(values, mask, strict=True)], dtype=bool)
        else:
            data = np.array([0 if m else int(v) for v, m in zip(values, mask, strict=True)], dtype="int64")
        return data, mask, None
    if kind == "real":
        data = np.array([np.nan if _missing(v) else float(v) for v in values], dtype="float64")
        return data, np.isnan(data), None
    data = np.array([None if _missing(v) else str(v) for v in values], dtype=object)
    return data, None, None


def _geometry_type(geoms) -> tuple[str, bool]:
    """(OGR geometry type, promote to multi) for a layer of ``geoms``; Point for an empty layer."""
    kinds = {g.geom_type for g in geoms if g is not None and not g.is_empty}
    if not kinds:
        return "Point", False
    if len(kinds) == 1:
        return kinds.pop(), False
    multi = {k if k.startswith("Multi") else f"Multi{k}" for k in kinds}
    return (multi.pop(), True) if len(multi) == 1 else ("Unknown", False)


def _write_typed(gdf: gpd.GeoDataFrame, path: Path, *, driver: str, layer: str, types: Mapping[str, str],
                 dates_only: bool = False, **options) -> None:
    """Write one layer with each column's declared GIS type (dates as Date/DateTime fields).

    geopandas' writers type columns by dtype only, and pandas has no date-without-time dtype,
    so dates would be written as text or as midnight timestamps; the raw pyogrio writer takes
    typed arrays.
    """
    fields = [c for c in gdf.columns if c != gdf.geometry.name]
    data, masks, offsets = [], [], {}
    for col in fields:
        values, mask, tz = _field_array(gdf[col], types.get(col, "string"), dates_only=dates_only)
        data.append(values)
        masks.append(mask)
        if tz is not None:
            offsets[col] = tz
    geoms = list(gdf.geometry.values)
    geometry_type, promote = _geometry_type(geoms)
    wkb = np.array([None if g is None else shapely.to_wkb(g) for g in geoms], dtype=object)
    ogr_write(str(path), wkb, data, fields, field_mask=masks, layer=layer, driver=driver,
              geometry_type=geometry_type, promote_to_multi=promote, crs="EPSG:4326",
              gdal_tz_offsets=offsets, **options)


def _wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy in EPSG:4326 (a frame without CRS is taken as lon/lat) with dates as ISO strings.

    Dates become text because Shapefile cannot hold datetimes and CSV/KML would print them in
    pandas' own format: every format then shows the same ``2026-10-01T09:30:00``.
    """
    gdf = gdf.set_crs(4326) if gdf.crs is None else gdf.to_crs(4326)
    gdf = gdf.copy()
    for col in gdf.columns:
        if col != gdf.geometry.name and (gdf[col].dtype == object
                                         or pd.api.types.is_datetime64_any_dtype(gdf[col])):
            # A list, not Series.map: map would turn [12, None] into floats ("12.0" in a file).
            gdf[col] = pd.Series([(v.isoformat() if pd.notna(v) else None) if isinstance(v, dt.date) else v
                                  for v in gdf[col]], dtype=object, index=gdf.index)
    return gdf


def write_geojson(gdf: gpd.GeoDataFrame, path) -> Path:
    """Write RFC 7946 GeoJSON (UTF-8, non-ASCII kept, lon/lat order, 7 decimals); return the path.

    Integers, reals and booleans are JSON numbers and booleans (:func:`column_types`), even in a
    column with missing values; dates and times stay ISO text (JSON has no date type).
    """
    path = Path(path)
    path.unlink(missing_ok=True)
    types = {c: ("string" if t in ("date", "datetime") else t) for c, t in column_types(gdf).items()}
    _write_typed(_wgs84(gdf), path, driver="GeoJSON", layer=path.stem, types=types,
                 layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"})
    return path


def neutralise(value):
    """Prefix a quote to text a spreadsheet would run as a formula; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_table(gdf: gpd.GeoDataFrame, *, geometry: bool = True) -> pd.DataFrame:
    """The table a CSV holds: text neutralised, then ``lon``, ``lat`` and ``wkt`` (with ``geometry``)."""
    types = column_types(gdf)
    gdf = _wgs84(gdf)
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    for col in table.columns:
        values = list(table[col])
        if types.get(col) == "integer":
            # Nullable integers: a column with a missing value would otherwise print "12.0".
            table[col] = pd.array([None if _missing(v) else int(v) for v in values], dtype="Int64")
        elif table[col].dtype == object or pd.api.types.is_string_dtype(table[col]):
            # A list, not Series.map: map would infer a float dtype for [12, None].
            table[col] = pd.Series([neutralise(v) for v in values], dtype=object, index=table.index)
    if geometry:
        geoms = gdf.geometry.values
        anchor = shapely.point_on_surface(geoms)
        table["lon"] = shapely.get_x(anchor)
        table["lat"] = shapely.get_y(anchor)
        table["wkt"] = shapely.to_wkt(geoms, rounding_precision=7, trim=True)
    return table


def _csv_text(gdf: gpd.GeoDataFrame, *, geometry: bool = False) -> str:
    # With a BOM, like write_csv: Excel shows the Arabic, GDAL skips the BOM.
    return "\ufeff" + _csv_table(gdf, geometry=geometry).to_csv(index=False, lineterminator="\r\n")


def csv_types(gdf: gpd.GeoDataFrame, *, geometry: bool = True) -> list[str]:
    """GDAL CSVT types of the columns :func:`write_csv` writes, in order (the ``.csvt`` sidecar).

    Parameters
    ----------
    gdf : GeoDataFrame
        The frame given to :func:`write_csv` (an empty one with the same columns will do:
        declared types do not depend on the rows).
    geometry : bool
        Whether the CSV ends with ``lon``, ``lat`` and ``wkt``.

    Returns
    -------
    list of str
        ``Integer64``, ``Real``, ``Date``, ``DateTime``, ``Integer(Boolean)``, ``String``, then
        ``CoordX``, ``CoordY``, ``WKT``: GDAL and QGIS read them from a ``.csvt`` file of the same
        name beside the CSV.
    """
    types = [CSVT_TYPES[t] for t in column_types(gdf).values()]
    return [*types, "CoordX", "CoordY", "WKT"] if geometry else types


def write_csv(gdf: gpd.GeoDataFrame, path, *, csvt: bool = False) -> Path:
    """Write CSV with ``lon``, ``lat`` and ``wkt`` columns; return the path.

    UTF-8 with a BOM, because Excel reads a BOM-less file in the local code page and shows
    Arabic as mojibake. Text cells that would run as formulas are neutralised (:func:`neutralise`);
    numbers are left alone so coordinates stay numeric. ``lon``/``lat`` are the point itself or,
    for polygons, a point inside it (``point_on_surface``). With ``csvt``, the column types
    (:func:`csv_types`) are written beside it as ``<name>.csvt``.
    """
    path = Path(path)
    _csv_table(gdf).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    if csvt:
        path.with_suffix(".csvt").write_text(",".join(csv_types(gdf)) + "\n", encoding="utf-8")
    return path


def _coords(seq) -> str:
    # 7 decimals (~1 cm) like the GeoJSON export; trailing zeros only make the file bigger.
    def num(value: float) -> str:
        return f"{value:.7f}".rstrip("0").rstrip(".")
    return " ".join(f"{num(x)},{num(y)}" for x, y in seq)


def _kml_geometry(parent: ET.Element, geom) -> None:
    """Append the KML form of a shapely geometry (points, lines, polygons and their multis)."""
    if geom is None or geom.is_empty:
        return
    kind = geom.geom_type
    if kind in ("Point", "LineString"):
        ET.SubElement(ET.SubElement(parent, kind), "coordinates").text = _coords(geom.coords)
    elif kind == "Polygon":
        poly = ET.SubElement(parent, "Polygon")
        for tag, rings in (("outerBoundaryIs", [geom.exterior]), ("innerBoundaryIs", geom.interiors)):
            for ring in rings:
                linear = ET.SubElement(ET.SubElement(poly, tag), "LinearRing")
                ET.SubElement(linear, "coordinates").text = _coords(ring.coords)
    else:  # Multi* and collections
        multi = ET.SubElement(parent, "MultiGeometry")
        for part in shapely.get_parts(geom):
            _kml_geometry(multi, part)


def write_kml(gdf: gpd.GeoDataFrame, path, *, taxonomy: Taxonomy | None = None, lang: str = "ar",
              document_name: str = "Ahya") -> Path:
    """Write KML 2.2 with one shared ``<Style>`` per kind/category; return the path.

    Parameters
    ----------
    gdf : GeoDataFrame
        Report rows (``title``, ``kind``, ``category``, ``description``) or area rows
        (``name_ar``/``name_en``).
    taxonomy : Taxonomy, optional
        Category colours; without it (or for unknown categories) a neutral grey.
    lang : {"ar", "en"}
        Which area name is the placemark name.

    Notes
    -----
    ElementTree escapes every text node for XML. Descriptions are HTML-escaped first as well,
    because KML viewers render ``<description>`` as HTML: a report's ``<script>`` shows as text.
    Every other column goes to ``<ExtendedData>`` as plain (XML-escaped) text.
    """
    path = Path(path)
    gdf = _wgs84(gdf)
    root = ET.Element("kml", xmlns=_KML_NS)
    doc = ET.SubElement(root, "Document")
    ET.SubElement(doc, "name").text = document_name
    name_col = next((c for c in ("title", f"name_{lang}", "name_ar", "name_en", "slug", "id")
                     if c in gdf.columns), None)
    has_cat = {"kind", "category"} <= set(gdf.columns)
    style_ids = [f"{k}-{c}" for k, c in zip(gdf["kind"], gdf["category"], strict=True)] if has_cat \
        else ["area"] * len(gdf)
    for style_id in dict.fromkeys(style_ids):  # one shared style per category, in first-seen order
        cat = taxonomy.get(*style_id.split("-", 1)) if (taxonomy and has_cat) else None
        colour = (cat.colour if cat else "#5c677d")[1:]
        bgr = f"{colour[4:6]}{colour[2:4]}{colour[0:2]}".lower()  # KML colours are aabbggrr
        style = ET.SubElement(doc, "Style", id=style_id)
        ET.SubElement(ET.SubElement(style, "IconStyle"), "color").text = f"ff{bgr}"
        line = ET.SubElement(style, "LineStyle")
        ET.SubElement(line, "color").text = f"ff{bgr}"
        ET.SubElement(line, "width").text = "2"
        ET.SubElement(ET.SubElement(style, "PolyStyle"), "color").text = f"4d{bgr}"
    extra = [c for c in gdf.columns if c not in (gdf.geometry.name, name_col, "description")]
    for row, geom, style_id in zip(gdf.to_dict("records"), gdf.geometry.values, style_ids, strict=True):
        mark = ET.SubElement(doc, "Placemark")
        ET.SubElement(mark, "name").text = _text(row.get(name_col)) if name_col else ""
        if _text(row.get("description")):
            body = html.escape(_text(row["description"])).replace("\n", "<br>")
            ET.SubElement(mark, "description").text = f'<div dir="auto">{body}</div>'
        ET.SubElement(mark, "styleUrl").text = f"#{style_id}"
        data = ET.SubElement(mark, "ExtendedData")
        for col in extra:
            value = row[col]
            text = ("true" if value else "false") if isinstance(value, bool) else _text(value)
            ET.SubElement(ET.SubElement(data, "Data", name=str(col)), "value").text = text
        _kml_geometry(mark, geom)
    ET.indent(root)  # only whitespace between elements: text values are untouched
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)
    return path


def _text(value) -> str:
    if value is None or (not isinstance(value, (list, tuple, str)) and pd.isna(value)):
        return ""
    return str(value)


def write_gpkg(layers: Mapping[str, gpd.GeoDataFrame], path) -> Path:
    """Write several named layers (e.g. ``{"reports": ..., "areas": ...}``) into ONE GeoPackage.

    GeoPackage 1.2 (:data:`GPKG_VERSION`), read without a warning by GDAL 3.6 and QGIS LTR;
    each column with its :func:`column_types` type (dates are Date fields, times DateTime).
    """
    path = Path(path)
    path.unlink(missing_ok=True)  # a fresh file: GDAL would otherwise keep stale layers
    for i, (name, gdf) in enumerate(layers.items()):
        types = column_types(gdf)
        # GDAL opens an existing GeoPackage in update mode and adds the next layer to it; the
        # version is a creation option, given with the first layer.
        _write_typed(_wgs84(gdf), path, driver="GPKG", layer=name, types=types, append=i > 0,
                     **({} if i else {"dataset_options": {"VERSION": GPKG_VERSION}}))
    return path


def shapefile_names(columns) -> dict[str, str]:
    """Original column -> dBASE field name (≤ 10 characters, unique, case-insensitively)."""
    out, used = {}, set()
    for col in columns:
        short = SHAPEFILE_FIELDS.get(col, col)[:10]
        base, n = short, 1
        while short.lower() in used:  # dBASE names are case-insensitive
            short = f"{base[:10 - len(str(n))]}{n}"
            n += 1
        used.add(short.lower())
        out[col] = short
    return out


def _cut_utf8(value):
    # errors="ignore" drops a multi-byte character split by the cut instead of writing half of it.
    ok = not isinstance(value, str) or len(value.encode("utf-8")) <= DBF_TEXT_BYTES
    return value if ok else value.encode("utf-8")[:DBF_TEXT_BYTES].decode("utf-8", errors="ignore")


#: The zip's read-me: where the full values are (Shapefile text fields hold 254 bytes).
SHAPEFILE_README = """Ahya export: zipped Shapefile
=============================

Each layer is a Shapefile (.shp .shx .dbf .prj .cpg; UTF-8, WGS 84).

dBASE limits field names to 10 characters and text fields to 254 bytes (about 127 Arabic
letters); it has dates but no times. So:

- fields.csv lists every field: layer, original column name, Shapefile field name, type, and
  "full_values": the file holding that column's full values when the Shapefile cuts them.
- <layer>_full.csv (with <layer>_full.csvt, its column types for GDAL/QGIS) holds, for every
  feature, the full text of each column that is cut in that layer and the full date and time of
  each timestamp column (the Shapefile keeps its day). Join it to the layer by "{key}"
  (in QGIS: Layer Properties > Joins).
"""


def _full_values_key(columns) -> str:
    """The column a layer's full-values table is joined by: ``id``, else ``slug``, else the first."""
    return next((c for c in ("id", "slug") if c in columns), columns[0])


def write_shapefile_zip(layers: Mapping[str, gpd.GeoDataFrame], path) -> Path:
    """Write each layer as a Shapefile (``.shp .shx .dbf .prj .cpg``) into one zip; return the path.

    Fields are renamed by :func:`shapefile_names` and typed by :func:`column_types` (dates are
    dBASE dates; a datetime keeps its UTC day). Text is cut to 254 bytes; every column of a
    layer that is cut, and every datetime column, is written whole to ``<layer>_full.csv``
    (joined by id, with a ``.csvt``), named in ``fields.csv`` and explained in ``README.txt``.
    A layer holds one geometry type, so mixed layers should be split by the caller.
    """
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="ahya-shp-") as tmp, \
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        mapping = [["layer", "original", "field", "type", "full_values"]]
        keys = set()
        for name, gdf in layers.items():
            types = column_types(gdf)
            gdf = _wgs84(gdf)
            columns = [c for c in gdf.columns if c != gdf.geometry.name]
            names = shapefile_names(columns)
            full = [c for c in columns if types[c] == "datetime" or (types[c] == "string" and any(
                isinstance(v, str) and len(v.encode("utf-8")) > DBF_TEXT_BYTES for v in gdf[c]))]
            key = _full_values_key(columns) if columns else None
            full_name = f"{name}_full.csv" if full and key else ""
            if full_name:
                keys.add(key)
                table = gpd.GeoDataFrame(gdf[[key, *(c for c in full if c != key)]],
                                         geometry=gdf.geometry.values, crs=4326)
                table.attrs["column_types"] = types
                archive.writestr(full_name, _csv_text(table))
                archive.writestr(f"{name}_full.csvt", ",".join(csv_types(table, geometry=False)) + "\n")
            mapping += [[name, orig, short, types[orig], full_name if orig in full else ""]
                        for orig, short in names.items()]
            short = gdf.rename(columns=names)
            for col in names.values():
                if short[col].dtype == object or pd.api.types.is_string_dtype(short[col]):
                    short[col] = short[col].map(_cut_utf8)
            _write_typed(short, Path(tmp) / f"{name}.shp", driver="ESRI Shapefile", layer=name,
                         types={names[c]: t for c, t in types.items()}, dates_only=True, encoding="UTF-8")
            for part in sorted(Path(tmp).glob(f"{name}.*")):
                archive.write(part, part.name)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(mapping)
        archive.writestr("fields.csv", out.getvalue())
        archive.writestr("README.txt", SHAPEFILE_README.replace("{key}", " / ".join(sorted(keys)) or "id"))
    return path


def csvt_bytes(gdf: gpd.GeoDataFrame) -> bytes:
    """The ``.csvt`` sidecar of :func:`write_csv`'s file for ``gdf``: one line of GDAL types."""
    return (",".join(csv_types(gdf)) + "\n").encode("ascii")


def export_bytes(fmt: str, layers: Mapping[str, gpd.GeoDataFrame], *, taxonomy: Taxonomy | None = None,
                 lang: str = "ar") -> bytes:
    """The bytes of an export in memory (written through a temporary file).

    Parameters
    ----------
    fmt : {"geojson", "csv", "kml", "gpkg", "shp"}
        A key of :data:`FORMATS`.
    layers : mapping of str to GeoDataFrame
        Named layers; ``gpkg`` and ``shp`` keep them all, the others take exactly one.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {sorted(FORMATS)}")
    if fmt not in ("gpkg", "shp") and len(layers) != 1:
        raise ValueError(f"{fmt} holds exactly one layer, got {len(layers)}")
    with tempfile.TemporaryDirectory(prefix="ahya-export-") as tmp:
        target = Path(tmp) / f"export{FORMATS[fmt][0]}"
        only = next(iter(layers.values()))
        {"geojson": lambda: write_geojson(only, target), "csv": lambda: write_csv(only, target),
         "kml": lambda: write_kml(only, target, taxonomy=taxonomy, lang=lang),
         "gpkg": lambda: write_gpkg(layers, target), "shp": lambda: write_shapefile_zip(layers, target),
         }[fmt]()
        return target.read_bytes()
