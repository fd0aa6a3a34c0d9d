"""/admin/layers (issue 18 item 4): admins upload, preview, title, style, order, replace and remove
map layers, through the same store function as ``flask layers`` (same rules, same messages)."""

from __future__ import annotations

import html
import io
import json
import re

import pytest

from tests.conftest import csrf_token
from tests.webapp.test_layers_cli import overlay_data, page_overlays
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


def test_an_admin_adds_a_layer_with_its_colour_and_popup(admin, client, tmp_path):
    src = write_points(tmp_path / "schools.geojson")
    resp = post_upload(client, src, title_ar="مدارس", title_en="Schools", color="#1b9e77",
                       popup="note, kind", order="2")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/admin/layers/schools")
    page = client.get("/admin/layers/schools")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "استُورد 3 عنصرًا من schools.geojson" in text  # Arabic first
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
