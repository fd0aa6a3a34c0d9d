"""Overlays served, styled and light (issue 19 item 2): never in the map page, fetched from
versioned, gzip, long-cached URLs; large ones in zoom tiers; style, titles, popup set by the CLI."""

from __future__ import annotations

import gzip
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from tests.webapp.test_layers_cli import overlay_data, page_overlays

PAGE_LIMIT = 100 * 1024


def write_points(path, n: int = 3, **columns):
    pts = [Point(35.22 + 0.001 * i, 31.77 + 0.001 * i) for i in range(n)]
    data = {"name": [f"place {i}" for i in range(n)],
            "kind": ["school" if i % 2 else "clinic" for i in range(n)],
            "note": [f"note {i}" for i in range(n)], "secret": ["hidden"] * n, **columns}
    gpd.GeoDataFrame(data, geometry=pts, crs=4326).to_file(path, engine="pyogrio")
    return path


def write_parcels(path, n: int = 3000):
    """``n`` small polygons of 60 vertices each in East Jerusalem: ~3 MB of GeoJSON."""
    polys = []
    for i in range(n):
        cx, cy = 35.21 + (i % 60) * 0.0008, 31.76 + (i // 60) * 0.0008
        angles = np.linspace(0, 2 * np.pi, 60, endpoint=False)
        polys.append(shapely.Polygon(np.c_[cx + 0.0003 * np.cos(angles), cy + 0.0003 * np.sin(angles)]))
    gpd.GeoDataFrame({"name": [f"parcel {i}" for i in range(n)], "owner": ["x" * 40] * n},
                     geometry=polys, crs=4326).to_file(path, engine="pyogrio")
    return path


def imported(runner, *args):
    result = runner.invoke(args=["layers", "import", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result


def test_eight_overlays_leave_the_map_page_under_100_kb(runner, client, tmp_path):
    before = len(client.get("/?lang=ar").data)
    imported(runner, write_parcels(tmp_path / "parcels.geojson"), "--title", "Parcels")
    for i in range(7):
        imported(runner, write_points(tmp_path / f"p{i}.geojson", n=400), "--title", f"Points {i}",
                 "--name", f"p{i}", "--force")  # 400 points in a diagonal line run out of the city
    for lang in ("ar", "en"):
        page = client.get(f"/?lang={lang}")
        assert len(page.data) <= PAGE_LIMIT, len(page.data)
        text = page.get_data(as_text=True)
        assert "parcel 17" not in text and "place 17" not in text
    # Eight overlays add their list entries only (titles, styles, URLs): about 4 KB.
    assert len(client.get("/?lang=ar").data) - before < 6000
    listed = page_overlays(client)
    assert len(listed) == 8 and len(client.get("/embed").data) <= PAGE_LIMIT


def test_large_overlay_is_served_in_zoom_tiers_gzip_and_cached(runner, client, tmp_path):
    imported(runner, write_parcels(tmp_path / "parcels.geojson"), "--popup", "name")
    [o] = page_overlays(client)
    assert len(o["urls"]) == len(o["zooms"]) > 1 and o["zooms"] == sorted(o["zooms"])
    sizes = [len(client.get(url).data) for url in o["urls"]]
    assert sizes[0] * 2 < sizes[-1]  # the city-wide tier is much lighter
    resp = client.get(o["urls"][0], headers={"Accept-Encoding": "gzip"})
    assert resp.headers["Content-Encoding"] == "gzip" and resp.mimetype == "application/geo+json"
    cache = resp.headers["Cache-Control"]
    assert "immutable" in cache and "max-age=31536000" in cache
    data = json.loads(gzip.decompress(resp.data))
    assert len(data["features"]) == 3000
    assert set(data["features"][0]["properties"]) == {"name"}  # the owner column never leaves
    again = client.get(o["urls"][0], headers={"Accept-Encoding": "gzip",
                                              "If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304
    # An old version still answers, but must be revalidated; unknown tiers and names are 404.
    stale = client.get(o["urls"][0].replace("v=", "v=old"))
    assert stale.status_code == 200 and "no-cache" in stale.headers["Cache-Control"]
    assert client.get(o["urls"][0].replace("tier=0", "tier=9")).status_code == 404
    assert client.get(o["urls"][0].replace("tier=0", "tier=x")).status_code == 404
    assert client.get("/map/overlays/nothing.geojson?tier=0").status_code == 404


def test_point_overlay_is_one_url_and_sends_only_shown_attributes(runner, client, tmp_path):
    imported(runner, write_points(tmp_path / "schools.geojson"), "--popup", "note,kind", "--by", "kind",
             "--colors", "school=#1B9E77;clinic=#d95f02", "--color", "#333333", "--radius", "8",
             "--weight", "1", "--order", "3", "--hidden", "--title-ar", "مدارس", "--title-en", "Schools")
    [o] = page_overlays(client, "/?lang=en")
    assert len(o["urls"]) == 1 and o["shape"] == "point"
    shown = (o["title"], o["color"], o["radius"], o["weight"], o["visible"])
    assert shown == ("Schools", "#333333", 8, 1, False)
    assert o["by"] == "kind" and o["colors"] == {"school": "#1b9e77", "clinic": "#d95f02"}
    assert o["popup"] == ["note", "kind"]
    assert page_overlays(client, "/?lang=ar")[0]["title"] == "مدارس"
    props = overlay_data(client, o)["features"][1]["properties"]
    assert props == {"name": "place 1", "kind": "school", "note": "note 1"}  # label, colouring, popup


def test_style_command_changes_the_served_version(runner, client, tmp_path):
    imported(runner, write_points(tmp_path / "schools.geojson"), "--title", "Schools")
    [before] = page_overlays(client)
    assert before["visible"] is True and before["popup"] == [] and before["color"] == "#7b2cbf"
    result = runner.invoke(args=["layers", "style", "schools", "--color", "#112233", "--popup", "note",
                                 "--title-ar", "مدارس", "--hidden"])
    assert result.exit_code == 0, result.output
    [after] = page_overlays(client)
    assert (after["color"], after["popup"], after["visible"]) == ("#112233", ["note"], False)
    assert after["urls"] != before["urls"]  # the popup's attribute is now sent: a new version
    assert "note" in overlay_data(client, after)["features"][0]["properties"]
    assert page_overlays(client, "/?lang=ar")[0]["title"] == "مدارس"


@pytest.mark.parametrize(("args", "message"), [
    (["--color", "red"], "color: a colour as #rrggbb"),
    (["--weight", "99"], "weight: a number from 0 to 20"),
    (["--radius", "nan"], "radius: a number from 1 to 50"),
    (["--order", "1.5"], "order: a whole number"),
    (["--popup", "name,nope"], "popup: the layer has no attribute 'nope'"),
    (["--by", "nope"], "by: the layer has no attribute 'nope'"),
    (["--colors", "school=green"], "colors: write value=#rrggbb"),
    (["--title-en", "x" * 200], "title_en: at most 120 characters"),
])
def test_bad_styles_are_refused_and_nothing_changes(runner, client, tmp_path, args, message):
    src = write_points(tmp_path / "schools.geojson")
    result = runner.invoke(args=["layers", "import", str(src), *args])
    assert result.exit_code == 1 and message in result.output, result.output
    assert page_overlays(client) == []
    imported(runner, src)
    result = runner.invoke(args=["layers", "style", "schools", *args])
    assert result.exit_code == 1 and message in result.output, result.output
    [o] = page_overlays(client)
    assert o["color"] == "#7b2cbf" and o["popup"] == [] and o["title"] == "schools"
    assert runner.invoke(args=["layers", "style", "missing", "--color", "#000000"]).exit_code == 1


def test_an_overlay_imported_before_attributes_were_kept_is_checked_against_its_data(app, runner, client):
    from webapp.store import overlays

    gdf = gpd.GeoDataFrame({"name_ar": ["حديقة"], "hours": ["8-16"]}, geometry=[Point(35.236, 31.768)],
                           crs=4326)
    with app.app_context():
        overlays.save("old", gdf, {"title": "Old", "name_field": "name_ar"})  # no "attributes"
    refused = runner.invoke(args=["layers", "style", "old", "--popup", "nope"])
    assert refused.exit_code == 1 and "has no attribute 'nope' (it has: name_ar, hours)" in refused.output
    assert runner.invoke(args=["layers", "style", "old", "--popup", "hours"]).exit_code == 0
    [o] = page_overlays(client)
    assert overlay_data(client, o)["features"][0]["properties"] == {"name_ar": "حديقة", "hours": "8-16"}
