"""geo.formats.layer_import on real files written into tmp_path (every format goes through GDAL)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

from geo.formats.layer_import import ImportRejected, import_user_layer
from geo.reference.layers import read_layer

ROOT = Path(__file__).resolve().parents[3]
# Old City, Shu'fat, Silwan: three points well inside the municipal boundary.
LONLAT = [(35.2345, 31.7767), (35.2337, 31.8130), (35.2360, 31.7680)]
NAME_AR = ["البلدة القديمة", "شعفاط", "سلوان"]
NAME_HE = ["העיר העתיקה", "שועפאט", "סילוואן"]


@pytest.fixture(scope="module")
def boundary() -> gpd.GeoDataFrame:
    return read_layer(ROOT / "data" / "layers" / "boundary.geojson")


def places(crs="EPSG:4326") -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame({"name_ar": NAME_AR, "name_he": NAME_HE, "visits": [3, 1, 2]},
                           geometry=[Point(xy) for xy in LONLAT], crs="EPSG:4326")
    return gdf.to_crs(crs)


def write_shapefile(gdf: gpd.GeoDataFrame, path: Path, encoding: str = "UTF-8") -> Path:
    gdf.to_file(path, engine="fiona", encoding=encoding)
    return path


def zip_files(zip_path: Path, files: list[Path], prefix: str = "") -> Path:
    with zipfile.ZipFile(zip_path, "w") as zf:
        for f in files:
            zf.write(f, prefix + f.name)
    return zip_path


def assert_places(result) -> None:
    gdf = result.gdf
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf["name_ar"]) == NAME_AR
    assert list(gdf["name_he"]) == NAME_HE
    for geom, (lon, lat) in zip(gdf.geometry, LONLAT, strict=True):
        assert geom.x == pytest.approx(lon, abs=1e-6) and geom.y == pytest.approx(lat, abs=1e-6)


def rejected(path, **kwargs) -> str:
    with pytest.raises(ImportRejected) as info:
        import_user_layer(path, **kwargs)
    message = str(info.value)
    assert message and "\n" not in message
    return message


def test_geojson_keeps_arabic_and_hebrew(tmp_path, boundary):
    path = tmp_path / "places.geojson"
    places().to_file(path, engine="pyogrio")
    result = import_user_layer(path, boundary=boundary)
    assert_places(result)
    assert result.name_field == "name_ar"
    assert result.source_layer == "places"
    assert result.warnings == []


def test_geojson_in_israeli_grid_is_reprojected(tmp_path, boundary):
    path = tmp_path / "itm.geojson"
    places("EPSG:2039").to_file(path, engine="pyogrio")
    assert '"urn:ogc:def:crs:EPSG::2039"' in path.read_text(encoding="utf-8")
    assert_places(import_user_layer(path, boundary=boundary))


def test_zipped_shapefile_in_israeli_grid(tmp_path, boundary):
    write_shapefile(places("EPSG:2039"), tmp_path / "places.shp")
    parts = sorted(tmp_path.glob("places.*"))
    archive = zip_files(tmp_path / "upload.zip", parts, prefix="data/")
    result = import_user_layer(archive, boundary=boundary)
    assert_places(result)
    assert result.source_layer == "places"


def test_zip_with_two_shapefiles_needs_a_layer(tmp_path, boundary):
    write_shapefile(places(), tmp_path / "one.shp")
    write_shapefile(places().iloc[:1], tmp_path / "two.shp")
    archive = zip_files(tmp_path / "both.zip", sorted(tmp_path.glob("[ot]*.*")))
    assert "one, two" in rejected(archive)
    assert len(import_user_layer(archive, layer="two", boundary=boundary).gdf) == 1


def test_shapefile_without_cpg_is_read_as_utf8(tmp_path, boundary):
    shp = write_shapefile(places("EPSG:2039"), tmp_path / "places.shp")
    shp.with_suffix(".cpg").unlink()
    assert_places(import_user_layer(shp, boundary=boundary))


def test_shapefile_honours_cpg(tmp_path, boundary):
    # cp1256 (Windows Arabic) has no Hebrew letters: write the Arabic names only.
    shp = write_shapefile(places()[["name_ar", "geometry"]], tmp_path / "places.shp", encoding="cp1256")
    assert shp.with_suffix(".cpg").read_text().upper() == "CP1256"
    assert "البلدة".encode("cp1256") in shp.with_suffix(".dbf").read_bytes()
    gdf = import_user_layer(shp, boundary=boundary).gdf
    assert list(gdf["name_ar"]) == NAME_AR


def test_shapefile_neither_utf8_nor_declared_warns(tmp_path, boundary):
    shp = write_shapefile(places()[["name_ar", "geometry"]], tmp_path / "places.shp", encoding="cp1256")
    shp.with_suffix(".cpg").unlink()
    result = import_user_layer(shp, boundary=boundary)
    assert result.gdf["name_ar"].notna().all()  # garbled rather than lost
    assert result.warnings == ["text is not UTF-8 and no .cpg file names its encoding; "
                               "names may look wrong"]


def test_shapefile_without_prj_is_rejected(tmp_path):
    shp = write_shapefile(places("EPSG:2039"), tmp_path / "places.shp")
    shp.with_suffix(".prj").unlink()
    assert rejected(shp) == "has no coordinate reference system (.prj missing?)"


def test_geopackage_with_two_layers(tmp_path, boundary):
    path = tmp_path / "survey.gpkg"
    places().to_file(path, layer="shops", engine="pyogrio")
    places().iloc[:2].to_file(path, layer="schools", engine="pyogrio")
    message = rejected(path)
    assert "2 layers" in message and "shops" in message and "schools" in message
    assert "no layer 'parks'" in rejected(path, layer="parks")
    result = import_user_layer(path, layer="schools", boundary=boundary)
    assert len(result.gdf) == 2 and result.source_layer == "schools"


def test_kml_and_kmz(tmp_path, boundary):
    kml = tmp_path / "doc.kml"
    places().rename(columns={"name_ar": "Name"}).to_file(kml, driver="KML", engine="pyogrio")
    result = import_user_layer(kml, boundary=boundary)
    assert list(result.gdf["Name"]) == NAME_AR
    # The other attributes come along (ExtendedData, read by LIBKML): name_he wins as the label.
    assert list(result.gdf["name_he"]) == NAME_HE and [int(v) for v in result.gdf["visits"]] == [3, 1, 2]
    assert result.name_field == "name_he"
    kmz = zip_files(tmp_path / "places.kmz", [kml])
    assert list(import_user_layer(kmz, boundary=boundary).gdf["Name"]) == NAME_AR


def test_csv_with_lon_lat_columns(tmp_path, boundary):
    path = tmp_path / "points.csv"
    rows = "".join(f'{n},{lon},{lat},"00{i}"\n'
                   for i, (n, (lon, lat)) in enumerate(zip(NAME_AR, LONLAT, strict=True)))
    path.write_text("name,Longitude,LAT,code\n" + rows, encoding="utf-8")
    result = import_user_layer(path, boundary=boundary)
    gdf = result.gdf
    assert gdf.crs.to_epsg() == 4326  # CSV carries no CRS: taken as longitude/latitude
    assert list(gdf["name"]) == NAME_AR and list(gdf["code"]) == ["000", "001", "002"]
    assert gdf.geometry.iloc[1].equals_exact(Point(LONLAT[1]), 1e-9)
    assert result.name_field == "name"


def test_csv_with_wkt_column(tmp_path, boundary):
    square = Polygon([(35.22, 31.77), (35.23, 31.77), (35.23, 31.78), (35.22, 31.78)])
    path = tmp_path / "areas.csv"
    path.write_text(f'id,label,wkt\n1,حديقة,"{square.wkt}"\n', encoding="utf-8")
    result = import_user_layer(path, boundary=boundary)
    assert result.gdf.geometry.iloc[0].equals(square)
    assert result.name_field == "label"


@pytest.mark.parametrize("name", ["points.csv", "places.geojson"])
def test_other_formats_inside_a_zip(tmp_path, boundary, name):
    path = tmp_path / name
    if name.endswith(".csv"):
        path.write_text("lon,lat,name\n" + "".join(f"{lon},{lat},{n}\n" for n, (lon, lat)
                                                    in zip(NAME_AR, LONLAT, strict=True)))
    else:
        places().to_file(path, engine="pyogrio")
    result = import_user_layer(zip_files(tmp_path / "upload.zip", [path]), boundary=boundary)
    assert list(result.gdf[result.name_field]) == NAME_AR


def test_csv_without_coordinates_is_rejected(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("street,number\nSalah al-Din,12\n", encoding="utf-8")
    assert "no geometry" in rejected(path)


def test_csv_with_projected_xy_is_rejected(tmp_path):
    path = tmp_path / "itm.csv"
    path.write_text("x,y\n222300,631550\n", encoding="utf-8")
    assert "not longitude/latitude" in rejected(path)


def test_bow_tie_polygon_is_repaired(tmp_path, boundary):
    lon, lat = LONLAT[0]
    bow_tie = Polygon([(lon, lat), (lon + 0.01, lat + 0.01), (lon + 0.01, lat), (lon, lat + 0.01)])
    assert not bow_tie.is_valid
    path = tmp_path / "bowtie.geojson"
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[bow_tie], crs=4326).to_file(path, engine="pyogrio")
    result = import_user_layer(path, boundary=boundary)
    geom = result.gdf.geometry.iloc[0]
    assert geom.is_valid and geom.geom_type == "MultiPolygon"
    assert geom.area == pytest.approx(0.5 * 0.01 * 0.01)
    assert result.warnings == ["repaired 1 invalid geometry"]


def test_missing_geometries_are_dropped(tmp_path, boundary):
    path = tmp_path / "some.geojson"
    gdf = places()
    gdf.loc[1, "geometry"] = None
    gdf.to_file(path, engine="pyogrio")
    result = import_user_layer(path, boundary=boundary)
    assert list(result.gdf["name_ar"]) == [NAME_AR[0], NAME_AR[2]]
    assert result.warnings == ["dropped 1 of 3 features without geometry"]


@pytest.mark.parametrize("features", [
    [],
    [{"type": "Feature", "properties": {"name": "x"}, "geometry": None}],
])
def test_layer_without_geometries_is_rejected(tmp_path, features):
    path = tmp_path / "empty.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    assert rejected(path) == "has no features with geometry"


def test_layer_far_from_jerusalem_is_rejected(tmp_path, boundary):
    path = tmp_path / "paris.geojson"
    gpd.GeoDataFrame({"name": ["Tour Eiffel"]}, geometry=[Point(2.2945, 48.8584)],
                     crs=4326).to_file(path, engine="pyogrio")
    assert rejected(path, boundary=boundary).startswith("lies outside Jerusalem")
    assert len(import_user_layer(path).gdf) == 1  # no boundary given, no check


def test_swapped_coordinates_get_a_hint(tmp_path, boundary):
    path = tmp_path / "swapped.csv"
    path.write_text("name,lat,lon\nOld City,35.2345,31.7767\n", encoding="utf-8")
    assert rejected(path, boundary=boundary).endswith("are longitude and latitude swapped?)")


def test_partly_outside_layer_is_kept_with_a_warning(tmp_path, boundary):
    path = tmp_path / "mixed.geojson"
    gpd.GeoDataFrame({"name": ["Old City", "Tel Aviv"]}, geometry=[Point(LONLAT[0]), Point(34.78, 32.08)],
                     crs=4326).to_file(path, engine="pyogrio")
    result = import_user_layer(path, boundary=boundary)
    assert len(result.gdf) == 2
    assert result.warnings == ["1 of 2 features lie more than 5 km outside Jerusalem"]


def test_datetimes_become_iso_strings(tmp_path, boundary):
    path = tmp_path / "events.gpkg"
    gdf = places().assign(when=pd.to_datetime(["2024-03-01 10:30", "2024-03-02 00:00", None]))
    gdf.to_file(path, engine="pyogrio")
    out = import_user_layer(path, boundary=boundary).gdf
    assert list(out["when"]) == ["2024-03-01T10:30:00", "2024-03-02T00:00:00", None]
    json.loads(out.to_json())


def test_name_field_falls_back_to_first_text_column(tmp_path):
    path = tmp_path / "x.geojson"
    gpd.GeoDataFrame({"n": [1], "kind": ["shop"], "note": ["open"]}, geometry=[Point(LONLAT[0])],
                     crs=4326).to_file(path, engine="pyogrio")
    assert import_user_layer(path).name_field == "kind"
    gpd.GeoDataFrame({"n": [1]}, geometry=[Point(LONLAT[0])], crs=4326).to_file(path, engine="pyogrio")
    assert import_user_layer(path).name_field is None


def test_feature_cap(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("lon,lat\n" + "35.23,31.77\n" * 50_001)
    assert rejected(path) == "has 50,001 features (limit 50,000)"
    assert len(import_user_layer(path, max_features=60_000).gdf) == 50_001


def test_unreadable_files_are_rejected(tmp_path):
    garbage = tmp_path / "garbage.geojson"
    garbage.write_bytes(bytes(range(256)) * 4)
    assert rejected(garbage) == "is not a readable GeoJSON file"
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    assert rejected(tmp_path / "notes.docx").startswith("unsupported file type '.docx'")
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    assert rejected(tmp_path / "bad.zip") == "is not a valid zip archive"
    assert rejected(tmp_path / "missing.geojson") == "file not found"
    empty_zip = zip_files(tmp_path / "readme.zip", [])
    assert rejected(empty_zip).startswith("zip archive contains no")


def test_macos_resource_forks_are_ignored(tmp_path, boundary):
    write_shapefile(places(), tmp_path / "places.shp")
    archive = zip_files(tmp_path / "mac.zip", sorted(tmp_path.glob("places.*")))
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("__MACOSX/._places.shp", b"\0\5\26\7")
    assert_places(import_user_layer(archive, boundary=boundary))



def test_encoding_reads_a_shapefile_without_cpg(tmp_path, boundary):
    shp = write_shapefile(places()[["name_ar", "geometry"]], tmp_path / "places.shp", encoding="cp1256")
    shp.with_suffix(".cpg").unlink()
    result = import_user_layer(shp, boundary=boundary, encoding="cp1256")
    assert list(result.gdf["name_ar"]) == NAME_AR and result.warnings == []
    # A .zip of the same files too (the sidecars read from the archive).
    archive = zip_files(tmp_path / "places.zip", sorted(tmp_path.glob("places.*")))
    zipped = import_user_layer(archive, boundary=boundary, encoding="windows-1256")
    assert list(zipped.gdf["name_ar"]) == NAME_AR


def test_encoding_reads_a_csv(tmp_path, boundary):
    path = tmp_path / "points.csv"
    rows = "\n".join(f"{name},{lon},{lat}" for name, (lon, lat) in zip(NAME_AR, LONLAT, strict=True))
    path.write_bytes(("name,lon,lat\n" + rows + "\n").encode("cp1256"))
    assert list(import_user_layer(path, boundary=boundary, encoding="cp1256").gdf["name"]) == NAME_AR


def test_unknown_or_misplaced_encoding_is_rejected(tmp_path, boundary):
    shp = write_shapefile(places(), tmp_path / "places.shp")
    assert rejected(shp, encoding="klingon").startswith("unknown text encoding 'klingon'")
    path = tmp_path / "places.geojson"
    places().to_file(path, engine="pyogrio")
    assert rejected(path, encoding="cp1256") == "an encoding applies to Shapefiles and CSV files, not GeoJSON"


def test_mostly_outside_layer_is_refused_unless_forced(tmp_path, boundary):
    path = tmp_path / "mostly.geojson"
    gpd.GeoDataFrame({"name": ["Old City", "Tel Aviv", "Haifa"]},
                     geometry=[Point(LONLAT[0]), Point(34.78, 32.08), Point(34.99, 32.79)],
                     crs=4326).to_file(path, engine="pyogrio")
    assert rejected(path, boundary=boundary).startswith(
        "lies mostly outside Jerusalem (2 of 3 features more than 5 km from the municipal boundary)")
    result = import_user_layer(path, boundary=boundary, force=True)
    assert len(result.gdf) == 3
    assert result.warnings == ["2 of 3 features lie more than 5 km outside Jerusalem (kept: forced)"]
    paris = tmp_path / "paris.geojson"
    gpd.GeoDataFrame({"name": ["Tour Eiffel"]}, geometry=[Point(2.2945, 48.8584)],
                     crs=4326).to_file(paris, engine="pyogrio")
    assert len(import_user_layer(paris, boundary=boundary, force=True).gdf) == 1


KML_EXTENDED = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
<Document><name>Checkpoints</name>
<Schema name="cp" id="cp"><SimpleField name="type" type="string"/>
<SimpleField name="year" type="int"/></Schema>
<Folder><name>Checkpoints</name>
<Placemark><name>قلنديا</name><description>حاجز</description>
<ExtendedData><SchemaData schemaUrl="#cp"><SimpleData name="type">checkpoint</SimpleData>
<SimpleData name="year">2001</SimpleData></SchemaData></ExtendedData>
<Point><coordinates>35.2137,31.8637</coordinates></Point></Placemark>
<Placemark><name>Shuafat</name>
<ExtendedData><Data name="status"><value>مفتوح</value></Data></ExtendedData>
<Point><coordinates>35.2434,31.8135</coordinates></Point></Placemark>
</Folder></Document></kml>
"""


def test_kml_keeps_its_extended_data(tmp_path, boundary):
    """Issue 19: KML attributes (``<SchemaData>`` and ``<Data>``) were dropped on import."""
    kml = tmp_path / "checkpoints.kml"
    kml.write_text(KML_EXTENDED, encoding="utf-8")
    for path in (kml, zip_files(tmp_path / "checkpoints.kmz", [kml])):
        result = import_user_layer(path, boundary=boundary)
        rows = result.gdf.drop(columns="geometry").to_dict("records")
        assert [r["Name"] for r in rows] == ["قلنديا", "Shuafat"]
        assert rows[0]["type"] == "checkpoint" and rows[0]["year"] == 2001
        assert rows[1]["status"] == "مفتوح"
        # LIBKML's bookkeeping columns that say nothing are not kept.
        assert not {"tessellate", "extrude", "visibility", "drawOrder", "icon"} & set(result.gdf.columns)
        assert result.name_field == "Name"


def test_gml_in_israeli_tm_is_reprojected(tmp_path, boundary):
    path = tmp_path / "places.gml"
    places("EPSG:2039").to_file(path, driver="GML", engine="pyogrio")
    path.with_suffix(".xsd").unlink()  # as often shared: the .gml alone (GDAL guesses the schema)
    assert_places(import_user_layer(path, boundary=boundary))


def test_gml_with_its_xsd_schema_imports(tmp_path, boundary):
    # With the .xsd that GDAL writes beside it, the GML driver cannot count features without
    # reading them; fiona's len() then raised TypeError (found on a real OCHA layer).
    path = tmp_path / "places.gml"
    places().to_file(path, driver="GML", engine="pyogrio")
    assert path.with_suffix(".xsd").exists()
    assert_places(import_user_layer(path, boundary=boundary))


TOPOJSON = {"type": "Topology", "arcs": [], "objects": {"places": {
    "type": "GeometryCollection",
    "geometries": [{"type": "Point", "coordinates": list(xy), "properties": {"name_ar": name}}
                   for xy, name in zip(LONLAT, NAME_AR, strict=True)]}}}


@pytest.mark.parametrize("suffix", [".topojson", ".json"])
def test_topojson(tmp_path, boundary, suffix):
    path = tmp_path / f"places{suffix}"
    path.write_text(json.dumps(TOPOJSON, ensure_ascii=False), encoding="utf-8")
    result = import_user_layer(path, boundary=boundary)
    assert list(result.gdf["name_ar"]) == NAME_AR and result.gdf.crs.to_epsg() == 4326
    assert [(round(p.x, 4), round(p.y, 4)) for p in result.gdf.geometry] == LONLAT


def test_xlsx_points(tmp_path, boundary):
    path = tmp_path / "places.xlsx"
    table = pd.DataFrame({"Name": NAME_AR, "Longitude": [x for x, _ in LONLAT],
                          "Latitude": [y for _, y in LONLAT], "visits": [3, 1, 2]})
    with pd.ExcelWriter(path) as writer:
        table.iloc[:0].to_excel(writer, sheet_name="notes", index=False)
        table.to_excel(writer, sheet_name="places", index=False)
    assert "places" in rejected(path, boundary=boundary)  # two sheets: --layer names one
    result = import_user_layer(path, layer="places", boundary=boundary)
    assert list(result.gdf["Name"]) == NAME_AR and list(result.gdf["visits"]) == [3, 1, 2]
    assert [(round(p.x, 4), round(p.y, 4)) for p in result.gdf.geometry] == LONLAT
    assert "Longitude" not in result.gdf.columns and result.gdf.crs.to_epsg() == 4326
    bare = tmp_path / "bare.xlsx"
    table[["Name"]].to_excel(bare, index=False)
    assert rejected(bare, boundary=boundary).startswith("has no geometry")
