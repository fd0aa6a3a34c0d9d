"""folium map builders.  Pure: they take GeoDataFrames and plain settings.

Every JS/CSS file a map needs is pointed at ``asset_base`` (the app serves the
files from PyPI packages), so a page asks no host but the app and the tile server.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field

import folium
import geopandas as gpd
import shapely
from branca.element import Template

from ..reference.layers import METRIC_CRS

JERUSALEM_CENTER = (31.778, 35.225)
LANG_NAME_FIELDS = {"ar": ("name_ar", "name_en", "name_he"), "en": ("name_en", "name_ar", "name_he")}
_VIEWPORT_META = re.compile(r'<meta name="viewport"[^>]*>', re.S)


@dataclass
class MapParts:
    """The pieces of a rendered folium map, for embedding in our own page template."""

    header: str
    html: str
    script: str
    names: dict[str, str] = field(default_factory=dict)


def local_assets(m: folium.Map, asset_base: str) -> None:
    """Replace folium's CDN assets by the app's own copies (this map only)."""
    m.default_js = [("leaflet", f"{asset_base}/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", f"{asset_base}/leaflet/leaflet.css")]


def display_geometries(gdf: gpd.GeoDataFrame, tolerance_m: float = 5.0) -> gpd.GeoDataFrame:
    """Simplify polygons for display and round them to 5 decimals (~1 m).

    The census polygons carry ~40,000 vertices; 5 m simplification keeps ~5,000
    and moves edges by about 5 m (up to ~10 m at ring start points), invisible at
    neighbourhood zoom, and
    keeps the map page small.
    """
    metric = gdf.to_crs(METRIC_CRS)
    simple = shapely.simplify(metric.geometry.values, tolerance_m, preserve_topology=True)
    out = gdf.copy()
    out["geometry"] = gpd.GeoSeries(simple, crs=METRIC_CRS).to_crs(4326).values
    out["geometry"] = shapely.set_precision(out.geometry.values, 1e-5)  # keeps validity
    return out


def name_tip(row: dict, lang: str) -> str:
    """Tooltip HTML: the name in ``lang`` first, then the two others; all escaped."""
    first, *others = LANG_NAME_FIELDS.get(lang, LANG_NAME_FIELDS["ar"])
    main = escape_html(row.get(first) or "")
    rest = " · ".join(
        f'<bdi lang="{f[-2:]}">{escape_html(row.get(f) or "")}</bdi>' for f in others if row.get(f)
    )
    return f'<div class="ahya-tip" dir="{"rtl" if lang == "ar" else "ltr"}"><b>{main}</b><br>{rest}</div>'


def _with_tips(gdf: gpd.GeoDataFrame, lang: str, keep: tuple[str, ...]) -> gpd.GeoDataFrame:
    out = gdf[[c for c in keep if c in gdf.columns] + [gdf.geometry.name]].copy()
    out["_tip"] = [name_tip(r, lang) for r in gdf.to_dict("records")]
    return out


def area_collection(areas: gpd.GeoDataFrame, lang: str) -> dict:
    """The areas as the GeoJSON FeatureCollection the map page's area layer loads.

    Parameters
    ----------
    areas : GeoDataFrame
        Area polygons in EPSG:4326 (already simplified for display) with ``slug``,
        the three names, ``kind`` and ``sector``.
    lang : {"ar", "en"}
        Language of the tooltips (``_tip``, escaped HTML, the name in ``lang`` first).

    Returns
    -------
    dict
        One feature per area, in layer order, ``id`` = slug; properties ``slug``, ``kind``,
        ``sector``, the three names and ``_tip``.
    """
    keep = ("slug", "kind", "sector", "name_ar", "name_en", "name_he")
    rows = _with_tips(areas, lang, keep).drop(columns=areas.geometry.name).to_dict("records")
    # shapely's writer is several times faster than GeoDataFrame.to_json / __geo_interface__.
    geoms = shapely.to_geojson(areas.geometry.values)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": row["slug"], "properties": row, "geometry": json.loads(g)}
        for row, g in zip(rows, geoms, strict=True)]}


class DeferredGeoJson(folium.map.Layer):
    """An empty ``L.geoJSON`` overlay listed in the layer control; the page fills it.

    The area polygons are most of a map page's weight (~170 KB): the page fetches them
    from a cached URL instead, in parallel with the report clusters, so the HTML stays
    small and the polygons are cached by the browser across pages.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON(null, {});
        {% endmacro %}
    """)

    def __init__(self, name: str):
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "DeferredGeoJson"


def escape_html(value) -> str:
    """``html.escape`` plus ``{`` as ``&#123;``.

    branca renders each element's output again as a Jinja template (``Element(rendered)``),
    so a name such as ``{{7*7}}`` in an imported file would be evaluated on the server.
    The entity displays as ``{`` and gives Jinja nothing to evaluate.
    """
    return html.escape(str(value)).replace("{", "&#123;")


def build_public_map(places: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame,
                     *, lang: str, labels: dict[str, str], tile_url: str, tile_attribution: str,
                     asset_base: str = "/vendor") -> folium.Map:
    """The public map: areas, places without polygons and the outline.

    Imported overlays are never in it: the page fetches each one when it is switched on
    (``geo.drawing.overlay_data``), so the page stays small whatever was imported.

    The area layer is a :class:`DeferredGeoJson`, empty in the page: the page's script
    loads :func:`area_collection` into it (``names["areas"]``).

    Parameters
    ----------
    places, boundary : GeoDataFrame
        Validated layers in EPSG:4326 (``boundary`` already simplified for display).
    lang : {"ar", "en"}
        Language of tooltips (other names follow the first).
    labels : dict
        Translated layer names: ``areas``, ``places``, ``boundary``.
    tile_url, tile_attribution : str
        The configured tile server.
    """
    m = folium.Map(location=JERUSALEM_CENTER, zoom_start=12, tiles=None, control_scale=True,
                   prefer_canvas=False)
    local_assets(m, asset_base)
    # Fit the city first, before any layer is added and without an animation: the tiles (and the
    # reports) are then asked for once, at the fitted view, not at zoom_start and again after.
    minx, miny, maxx, maxy = boundary.total_bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    fit = next(c for c in reversed(list(m._children.values())) if isinstance(c, folium.map.FitBounds))
    fit.options["animate"] = False
    folium.TileLayer(tiles=tile_url, attr=tile_attribution, max_zoom=19, name="tiles",
                     control=False).add_to(m)

    folium.GeoJson(
        boundary[[boundary.geometry.name]], name=labels["boundary"], interactive=False,
        style_function=lambda f: {"color": "#3b2f2f", "weight": 3, "fill": False, "dashArray": "6 4"},
    ).add_to(m)

    area_layer = DeferredGeoJson(labels["areas"]).add_to(m)

    lone = places[~places["has_area"].astype(bool)]
    place_layer = folium.GeoJson(
        _with_tips(lone, lang, ("slug", "kind", "sector")), name=labels["places"],
        marker=folium.CircleMarker(radius=6, weight=2, fill=True, fill_opacity=0.8),
        style_function=lambda f: {"color": "#0b5563", "fillColor": "#f4a259"},
        tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False),
    ).add_to(m)

    control = folium.LayerControl(collapsed=True).add_to(m)
    m._ahya_names = {"map": m.get_name(), "areas": area_layer.get_name(),
                     "places": place_layer.get_name(), "control": control.get_name()}
    return m


def render_parts(m: folium.Map) -> MapParts:
    """Render a map into header/html/script strings for our own page template.

    folium's own page has a bare ``<html>``; ours sets ``lang`` and ``dir``.
    The zoom-blocking viewport meta is dropped (it hurts accessibility).
    """
    root = m.get_root()
    root.render()
    header = _VIEWPORT_META.sub("", root.header.render())
    return MapParts(header=header, html=root.html.render(), script=root.script.render(),
                    names=getattr(m, "_ahya_names", {"map": m.get_name()}))
