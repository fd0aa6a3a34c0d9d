"""Build the shipped layers from the gazetteer and the census statistical areas.

The CBS 2008 statistical areas of Jerusalem (locality 3000) come from the
MIT-licensed PyPI package ``geostatil==0.0.1``; ``extract_statareas`` copies them
into ``data/sources`` so the build itself needs no network.  Each area is
assigned to one gazetteer place by ``statarea_to_place.csv`` and the areas are
dissolved into one polygon per place.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import mapping

#: Israeli TM grid; geostatil's proj string lacks the datum shift, EPSG:2039 has it.
SOURCE_CRS = "EPSG:2039"
JERUSALEM_LOCALITY = "3000"
PLACE_FIELDS = (
    "slug", "name_ar", "name_en", "name_he", "alt_names", "kind", "sector", "pcbs_code", "source",
)
#: Coordinates are written with 6 decimals (about 10 cm), enough for 1:1,000 maps.
DECIMALS = 6
POLYGON_SOURCE = "polygon: CBS 2008 statistical areas (geostatil 0.0.1, MIT) dissolved by place"


def read_gazetteer(path: Path) -> list[dict]:
    """Read the gazetteer CSV into a list of dicts sorted by slug."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [dict(r) for r in csv.DictReader(fh)]
    return sorted(rows, key=lambda r: r["slug"])


def read_assignment(path: Path) -> dict[str, str]:
    """Map statistical area number (as text) to gazetteer slug."""
    with open(path, encoding="utf-8", newline="") as fh:
        return {r["stat_area"]: r["slug"] for r in csv.DictReader(fh)}


def extract_statareas(geometries_json: Path, out: Path) -> int:
    """Copy Jerusalem's statistical areas out of geostatil's ``geometries.json``.

    Returns the number of areas written.  Coordinates are rounded to 1 cm.
    """
    data = json.loads(Path(geometries_json).read_text(encoding="utf-8"))
    prefix = JERUSALEM_LOCALITY + "/"
    keys = sorted((k for k in data if k.startswith(prefix)), key=lambda k: int(k[len(prefix):]))
    features = []
    for key in keys:
        geom = shapely.geometry.shape(data[key])
        features.append({
            "type": "Feature",
            "properties": {"locality": int(JERUSALEM_LOCALITY), "stat_area": int(key[len(prefix):])},
            "geometry": _round_geometry(mapping(geom), 2),
        })
    fc = {
        "type": "FeatureCollection",
        "name": "cbs2008_jerusalem_statareas",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2039"}},
        "features": features,
    }
    Path(out).write_text(json.dumps(fc, ensure_ascii=False, separators=(",", ":")) + "\n",
                         encoding="utf-8")
    return len(features)


def read_statareas(path: Path) -> gpd.GeoDataFrame:
    """Read the extracted statistical areas, in EPSG:2039."""
    gdf = gpd.read_file(path, engine="pyogrio")
    gdf = gdf.set_crs(SOURCE_CRS, allow_override=True)
    gdf["stat_area"] = gdf["stat_area"].astype(int).astype(str)
    gdf["geometry"] = shapely.make_valid(gdf.geometry.values)
    return gdf


def dissolve_areas(statareas: gpd.GeoDataFrame, assignment: dict[str, str],
                   places: list[dict]) -> gpd.GeoDataFrame:
    """Dissolve statistical areas into one (multi)polygon per place, in EPSG:4326."""
    missing = sorted(set(statareas["stat_area"]) - set(assignment))
    if missing:
        raise ValueError(f"statistical areas without a place: {', '.join(missing)}")
    by_slug = {p["slug"]: p for p in places}
    unknown = sorted(set(assignment.values()) - set(by_slug))
    if unknown:
        raise ValueError(f"assignment names places missing from the gazetteer: {unknown}")
    sa = statareas.assign(slug=statareas["stat_area"].map(assignment))
    rows, geoms = [], []
    for slug, group in sa.groupby("slug", sort=True):
        # A 0.5 m closing removes the slivers between neighbouring census polygons.
        geom = shapely.union_all(group.geometry.values).buffer(0.5).buffer(-0.5)
        place = by_slug[slug]
        row = {f: place.get(f, "") or "" for f in PLACE_FIELDS}
        row["source"] = f"{place['source']}; {POLYGON_SOURCE}"
        row["stat_areas"] = ";".join(sorted(group["stat_area"], key=int))
        rows.append(row)
        geoms.append(geom)
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=SOURCE_CRS).to_crs("EPSG:4326")
    gdf["geometry"] = [_clean_polygonal(g) for g in gdf.geometry.values]
    return gdf


def boundary_from_areas(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Union of all areas: the municipal outline (as the census drew it in 2008)."""
    metric = areas.to_crs(SOURCE_CRS)
    outline = shapely.union_all(metric.geometry.values).buffer(1).buffer(-1)
    gdf = gpd.GeoDataFrame(
        [{"slug": "jerusalem", "name_ar": "القدس", "name_en": "Jerusalem", "name_he": "ירושלים",
          "source": "union of areas.geojson; " + POLYGON_SOURCE}],
        geometry=[outline], crs=SOURCE_CRS,
    ).to_crs("EPSG:4326")
    gdf["geometry"] = [_clean_polygonal(g) for g in gdf.geometry.values]
    return gdf


def places_layer(places: list[dict], area_slugs: set[str]) -> gpd.GeoDataFrame:
    """Every gazetteer place as a point, with ``has_area``."""
    rows, geoms = [], []
    for place in places:
        row = {f: place.get(f, "") or "" for f in PLACE_FIELDS}
        row["has_area"] = place["slug"] in area_slugs
        rows.append(row)
        geoms.append(shapely.Point(float(place["lon"]), float(place["lat"])))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")


def write_geojson(gdf: gpd.GeoDataFrame, path: Path, name: str) -> None:
    """Write a GeoDataFrame as deterministic GeoJSON (stable order, fixed precision).

    Written with ``json`` rather than a GDAL driver so that two builds give
    byte-identical files whatever the GDAL version.
    """
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise ValueError("layers are written in EPSG:4326")
    props = [c for c in gdf.columns if c != gdf.geometry.name]
    features = []
    for record, geom in zip(gdf[props].to_dict("records"), gdf.geometry.values, strict=True):
        features.append({
            "type": "Feature",
            "properties": {k: _plain(v) for k, v in record.items()},
            "geometry": _round_geometry(mapping(geom), DECIMALS),
        })
    fc = {"type": "FeatureCollection", "name": name, "features": features}
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
    # One feature per line keeps diffs of rebuilt layers readable.
    text = text.replace(',{"type":"Feature"', ',\n{"type":"Feature"')
    Path(path).write_text(text + "\n", encoding="utf-8")


def build_all(gazetteer_dir: Path, statareas_path: Path, out_dir: Path) -> dict[str, int]:
    """Build areas, places and boundary layers; return feature counts per layer."""
    places = read_gazetteer(Path(gazetteer_dir) / "jerusalem_places.csv")
    assignment = read_assignment(Path(gazetteer_dir) / "statarea_to_place.csv")
    areas = dissolve_areas(read_statareas(statareas_path), assignment, places)
    boundary = boundary_from_areas(areas)
    points = places_layer(places, set(areas["slug"]))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_geojson(areas, out_dir / "areas.geojson", "areas")
    write_geojson(points, out_dir / "places.geojson", "places")
    write_geojson(boundary, out_dir / "boundary.geojson", "boundary")
    return {"areas": len(areas), "places": len(points), "boundary": len(boundary)}


def _clean_polygonal(geom):
    geom = shapely.make_valid(shapely.set_precision(geom, 10 ** -DECIMALS))
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def _round_geometry(geom: dict, decimals: int) -> dict:
    def rnd(coords):
        if coords and isinstance(coords[0], (int, float)):
            return [round(float(c), decimals) for c in coords]
        return [rnd(c) for c in coords]
    return {"type": geom["type"], "coordinates": rnd(geom["coordinates"])}


def _plain(value):
    if hasattr(value, "item"):
        return value.item()
    return value
