"""/admin/layers (issue 18 item 4): admins upload, preview, title, style, order, replace and remove
map layers, through the same store function as ``flask layers`` (same rules, same messages)."""

from __future__ import annotations

import html
import io
import json
import re

import pytest

from tests.conftest import csrf_token
from tests.webapp.test_layers_cli import StoredOverlays, overlay_data, page_overlays
from tests.webapp.test_overlay_serving import write_points


def post_upload(client, path, **fields):
    data = {"csrf_token": csrf_token(client, "/admin/layers"), "color": "#7b2cbf", "weight": "2",
            "radius": "5", "order": "0", "visible": "y", **fields}
    if path is not None:
        data["files"] = [(io.BytesIO(path.read_bytes()), path.name)]
    return client.post("/admin/layers", data=data, content_type="multipart/form-data")


def error_of(resp) -> str:
    found = re.search(r'<p id="layer-error">(.*?)</p>', resp.get_data(as_text=True), re.S)
    return found.group(1) if found else ""


@pytest.fixture
def admin(login):
    login("admin")


@pytest.fixture
def overlay_dir(app) -> StoredOverlays:
    return StoredOverlays(app)


def test_an_admin_adds_a_layer_with_its_colour_and_popup(admin, client, tmp_path):
    src = write_points(tmp_path / "schools.geojson")
    resp = post_upload(client, src, title_ar="مدارس", title_en="Schools", color="#1b9e77",
                       popup="note, kind", order="2")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/admin/layers/schools")
    page = client.get("/admin/layers/schools")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "استُوردت 3 عناصر من schools.geojson" in text  # Arabic, plural of 3
    preview = json.loads(re.search(r'id="layer-preview-data">(.*?)</script>', text, re.S).group(1))
    assert preview["overlay"]["color"] == "#1b9e77" and preview["overlay"]["popup"] == ["note", "kind"]
    [o] = page_overlays(client, "/?lang=en")
    shown = (o["title"], o["color"], o["popup"], o["visible"])
    assert shown == ("Schools", "#1b9e77", ["note", "kind"], True)
    assert page_overlays(client, "/?lang=ar")[0]["title"] == "مدارس"
    assert overlay_data(client, o)["features"][0]["properties"]["note"] == "note 0"
    listing = client.get("/admin/layers").get_data(as_text=True)
    assert "مدارس" in listing and 'data-color="#1b9e77"' in listing


def test_style_titles_order_and_visibility_are_saved(admin, client, tmp_path):
    post_upload(client, write_points(tmp_path / "schools.geojson"))
    token = csrf_token(client, "/admin/layers/schools")
    resp = client.post("/admin/layers/schools", data={
        "csrf_token": token, "title": "Schools", "title_ar": "مدارس", "title_en": "Schools",
        "color": "#112233", "weight": "3", "radius": "7", "fill_opacity": "0.5", "order": "4",
        "by": "kind", "colors": "school=#ff0000\nclinic=#00ff00", "popup": ["name", "note"]})
    assert resp.status_code == 302, error_of(resp)
    [o] = page_overlays(client)
    assert (o["color"], o["weight"], o["radius"], o["fillOpacity"]) == ("#112233", 3, 7, 0.5)
    assert o["by"] == "kind" and o["colors"] == {"school": "#ff0000", "clinic": "#00ff00"}
    assert o["popup"] == ["name", "note"] and o["visible"] is False  # the box was not ticked
    # A refused value: the page says which field, in the reader's language, and stores nothing.
    resp = client.post("/admin/layers/schools?lang=en", data={
        "csrf_token": token, "color": "#112233", "weight": "99", "radius": "7", "fill_opacity": "0.5",
        "order": "4", "by": "", "colors": "", "title": "Schools"})
    assert resp.status_code == 400 and "Line width: a number from 0 to 20" in error_of(resp)
    assert page_overlays(client)[0]["weight"] == 3
    resp = client.post("/admin/layers/schools?lang=en", data={
        "csrf_token": token, "color": "#112233", "weight": "1", "radius": "7", "fill_opacity": "0.5",
        "order": "4", "popup": ["nope"], "title": "Schools"})
    assert resp.status_code == 400 and "has no attribute" in error_of(resp)


def test_same_errors_as_the_cli(admin, client, runner, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    cli = runner.invoke(args=["layers", "import", str(bad)])
    resp = post_upload(client, bad)
    assert resp.status_code == 400
    page = html.unescape(error_of(resp))
    # The same message; the CLI names the file by the path it was given, the page by its name.
    assert page.startswith("notes.txt: unsupported file type '.txt'")
    assert cli.output.strip() == f"Error: {bad}: {page.removeprefix('notes.txt: ')}"
    src = write_points(tmp_path / "schools.geojson")
    assert post_upload(client, src).status_code == 302
    resp = post_upload(client, src)  # the name is taken
    assert resp.status_code == 400 and "توجد طبقة باسم" in error_of(resp)  # Arabic first
    assert post_upload(client, None).status_code == 400
    assert post_upload(client, src, replace="y", title_en="Again").status_code == 302
    assert page_overlays(client)[0]["title"] == "Again"


def test_replace_keeps_the_style_and_remove_needs_a_confirmation(admin, client, tmp_path):
    post_upload(client, write_points(tmp_path / "schools.geojson"), color="#abcdef", popup="note")
    token = csrf_token(client, "/admin/layers/schools")
    more = write_points(tmp_path / "more.geojson", n=5)
    resp = client.post("/admin/layers/schools/replace", content_type="multipart/form-data", data={
        "csrf_token": token, "files": [(io.BytesIO(more.read_bytes()), "more.geojson")]})
    assert resp.status_code == 302
    [o] = page_overlays(client)
    assert o["color"] == "#abcdef" and o["popup"] == ["note"]
    assert len(overlay_data(client, o)["features"]) == 5
    assert client.post("/admin/layers/schools/remove", data={"csrf_token": token}).status_code == 400
    assert len(page_overlays(client)) == 1
    resp = client.post("/admin/layers/schools/remove", data={"csrf_token": token, "confirm": "y"})
    assert resp.status_code == 302 and page_overlays(client) == []
    assert client.get("/admin/layers/schools").status_code == 404


def test_a_shapefile_sent_as_its_parts(admin, client, tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    gdf = gpd.GeoDataFrame({"name": ["بئر"]}, geometry=[Point(35.23, 31.77)], crs=4326).to_crs(2039)
    gdf.to_file(tmp_path / "wells.shp", engine="pyogrio")
    parts = [(io.BytesIO((tmp_path / f"wells{ext}").read_bytes()), f"wells{ext}")
             for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
    resp = client.post("/admin/layers", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/admin/layers"), "files": parts, "color": "#7b2cbf",
        "weight": "2", "radius": "5", "order": "0"})
    assert resp.status_code == 302, error_of(resp)
    [o] = page_overlays(client)
    assert o["name"] == "wells" and o["visible"] is False
    assert overlay_data(client, o)["features"][0]["properties"]["name"] == "بئر"


def test_organizers_get_403(login, client):
    login("organizer")
    assert client.get("/admin/layers").status_code == 403


def test_the_preview_uses_the_site_tile_server(app, admin, client, tmp_path):
    """The tile server an admin set on /admin/settings (the CSP allows only it) draws the preview."""
    from webapp.store import sitesettings

    post_upload(client, write_points(tmp_path / "wells.geojson"))
    with app.app_context():
        sitesettings.save({"TILE_URL": "https://tiles.example.net/{z}/{x}/{y}.png"}, None)
    text = client.get("/admin/layers/wells").get_data(as_text=True)
    preview = json.loads(re.search(r'id="layer-preview-data">(.*?)</script>', text, re.S).group(1))
    assert preview["tileUrl"] == "https://tiles.example.net/{z}/{x}/{y}.png"


def _coast(path):
    """One point in the Old City, two on the coast: a layer mostly outside Jerusalem."""
    import geopandas as gpd
    from shapely.geometry import Point

    gpd.GeoDataFrame({"name": ["Old City", "Tel Aviv", "Haifa"]},
                     geometry=[Point(35.2345, 31.7767), Point(34.78, 32.08), Point(34.99, 32.79)],
                     crs=4326).to_file(path, engine="pyogrio")
    return path


def test_a_cp1256_shapefile_without_cpg_keeps_its_arabic(admin, client, overlay_dir, tmp_path):
    """The page's encoding is the CLI's --encoding: a Windows-Arabic .dbf with no .cpg reads right."""
    import geopandas as gpd
    from shapely.geometry import Point

    shp = tmp_path / "shops.shp"
    gpd.GeoDataFrame({"name": ["سلوان"]}, geometry=[Point(35.2360, 31.7680)], crs=4326).to_file(
        shp, engine="fiona", encoding="cp1256")
    parts = [(io.BytesIO((tmp_path / f"shops{ext}").read_bytes()), f"shops{ext}")
             for ext in (".shp", ".shx", ".dbf", ".prj")]
    form = {"csrf_token": csrf_token(client, "/admin/layers"), "color": "#7b2cbf", "weight": "2",
            "radius": "5", "order": "0"}
    resp = client.post("/admin/layers?lang=en", content_type="multipart/form-data",
                       data={**form, "files": parts, "encoding": "klingon"})
    assert resp.status_code == 400 and "Encoding: unknown text encoding" in html.unescape(error_of(resp))
    assert overlay_dir.names() == []
    parts = [(io.BytesIO((tmp_path / f"shops{ext}").read_bytes()), f"shops{ext}")
             for ext in (".shp", ".shx", ".dbf", ".prj")]
    resp = client.post("/admin/layers", content_type="multipart/form-data",
                       data={**form, "files": parts, "encoding": "cp1256"})
    assert resp.status_code == 302, error_of(resp)
    [o] = page_overlays(client)
    assert overlay_data(client, o)["features"][0]["properties"]["name"] == "سلوان"
    assert "سلوان" in overlay_dir.read("shops.geojson").decode("utf-8")


def test_a_layer_outside_jerusalem_needs_the_box(admin, client, overlay_dir, tmp_path):
    src = _coast(tmp_path / "coast.geojson")
    resp = post_upload(client, src)
    assert resp.status_code == 400
    refused = html.unescape(error_of(resp))
    assert "lies mostly outside Jerusalem" in refused
    # The page names its box (Arabic first), not the CLI's --force.
    assert "أبقِها رغم أن معظمها خارج القدس" in refused
    assert overlay_dir.names() == []
    resp = client.post("/admin/layers?lang=en", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/admin/layers"), "color": "#7b2cbf", "weight": "2",
        "radius": "5", "order": "0", "files": [(io.BytesIO(src.read_bytes()), "coast.geojson")]})
    assert "tick “Keep it even though it lies mostly outside Jerusalem”" in html.unescape(error_of(resp))
    resp = post_upload(client, src, force="y")
    assert resp.status_code == 302, error_of(resp)
    assert len(overlay_data(client, page_overlays(client)[0])["features"]) == 3
    # The replace form takes the same box.
    token = csrf_token(client, "/admin/layers/coast")
    resp = client.post("/admin/layers/coast/replace", content_type="multipart/form-data", data={
        "csrf_token": token, "files": [(io.BytesIO(src.read_bytes()), "coast.geojson")]})
    assert resp.status_code == 400 and "lies mostly outside Jerusalem" in html.unescape(error_of(resp))
    resp = client.post("/admin/layers/coast/replace", content_type="multipart/form-data", data={
        "csrf_token": token, "force": "y", "files": [(io.BytesIO(src.read_bytes()), "coast.geojson")]})
    assert resp.status_code == 302, error_of(resp)


def test_the_label_attribute_is_chosen(admin, client, overlay_dir, tmp_path):
    """The tooltip attribute: chosen at upload and on the style form; the map is sent it."""
    resp = post_upload(client, write_points(tmp_path / "schools.geojson"), label="nope")
    assert resp.status_code == 400 and "nope" in html.unescape(error_of(resp))
    assert overlay_dir.names() == []
    assert post_upload(client, write_points(tmp_path / "schools.geojson"), label="note").status_code == 302
    [o] = page_overlays(client)
    assert o["label"] == "note"
    assert overlay_data(client, o)["features"][0]["properties"]["note"] == "note 0"
    token = csrf_token(client, "/admin/layers/schools")
    style = {"csrf_token": token, "title": "schools", "color": "#112233", "weight": "2", "radius": "5",
             "fill_opacity": "0.1", "order": "0", "visible": "y", "by": "", "colors": ""}
    before = overlay_dir.read("schools.json")
    resp = client.post("/admin/layers/schools", data={**style, "label": "secret-ish"})
    assert resp.status_code == 400 and "secret-ish" in html.unescape(error_of(resp))
    assert overlay_dir.read("schools.json") == before
    resp = client.post("/admin/layers/schools", data={**style, "label": "kind"})
    assert resp.status_code == 302, error_of(resp)
    [o] = page_overlays(client)
    assert o["label"] == "kind"
    props = overlay_data(client, o)["features"][0]["properties"]
    assert props["kind"] == "clinic" and "note" not in props and "secret" not in props
    page = client.get("/admin/layers/schools").get_data(as_text=True)
    preview = json.loads(re.search(r'id="layer-preview-data">(.*?)</script>', page, re.S).group(1))
    assert preview["overlay"]["label"] == "kind"
    assert re.search(r'<option selected value="kind">|<option value="kind" selected>', page)
    resp = client.post("/admin/layers/schools", data={**style, "label": ""})
    assert resp.status_code == 302 and page_overlays(client)[0]["label"] is None
