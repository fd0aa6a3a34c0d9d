"""Imported overlays in the database: metadata with a style, seen by a second app at once."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from tests.conftest import app_config
from webapp import create_app
from webapp.extensions import db
from webapp.store import overlays
from webapp.store.layers import map_overlays, overlays_signature
from webapp.store.versioning import read_state


def gardens() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name_ar": ["حديقة سلوان"]}, geometry=[Point(35.2360, 31.7680)], crs="EPSG:4326")


def test_save_keeps_a_default_style_and_set_style_changes_it(app):
    with app.app_context():
        before = read_state().version
        overlays.save("gardens", gardens(), {"title": "Gardens", "name_field": "name_ar"})
        assert read_state().version == before + 1  # every worker's caches and validators move on
        meta = overlays.read_meta("gardens")
        assert meta["style"] == overlays.DEFAULT_STYLE and meta["title"] == "Gardens"
        style = overlays.set_style("gardens", color="#1b9e77", weight=3, order=2, visible=False,
                                   by="name_ar", colors={"حديقة سلوان": "#d95f02"}, popup=["name_ar"])
        assert overlays.read_meta("gardens")["style"] == style
        assert (style["color"], style["weight"], style["radius"]) == ("#1b9e77", 3, 5)
        assert style["visible"] is False
        # A replaced overlay keeps its style unless given a new one.
        overlays.save("gardens", gardens(), {"title": "Gardens again"})
        assert overlays.read_meta("gardens")["style"] == style
        assert list(overlays.read("gardens")["name_ar"]) == ["حديقة سلوان"]
        for bad in ({"color": "red"}, {"weight": 99}, {"radius": 0}, {"visible": "yes"}, {"order": 1.5},
                    {"popup": "name_ar"}, {"colors": {"a": "#12"}}, {"shape": "star"}):
            with pytest.raises(overlays.StyleError):
                overlays.set_style("gardens", **bad)
        assert overlays.read_meta("gardens")["style"] == style  # a refused change stores nothing
        with pytest.raises(KeyError):
            overlays.set_style("missing", color="#000000")


def test_a_second_server_sees_an_import_and_a_removal_at_once(app, db_url, tmp_path):
    config = app_config(tmp_path / "other", db_url)
    if not db_url:
        config["DATABASE_URL"] = config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"]
    other = create_app(config)
    try:
        with other.app_context():
            assert map_overlays() == [] and overlays_signature() == ()
        with app.app_context():
            overlays.save("gardens", gardens(), {"title": "Gardens"})
        with other.app_context():
            assert [e.meta["title"] for e in map_overlays()] == ["Gardens"]
        with app.app_context():
            assert overlays.remove("gardens") and not overlays.remove("gardens")
        with other.app_context():
            assert map_overlays() == []
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
