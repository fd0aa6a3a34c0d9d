"""A standalone map: one self-contained HTML file that opens from disk, offline, without the app.

Pure: it takes GeoDataFrames, plain strings and the Leaflet JS/CSS *text* (the web layer reads
them from the vendored packages) and returns HTML. Nothing is linked: Leaflet, its images (as
``data:`` URIs), the layers and the popups are all inside the file, so it keeps working when
the app is gone; only the background tiles come from the tile server, and simply stay blank
offline. Every piece of text that reaches HTML (names, titles, descriptions, labels) goes
through :func:`geo.drawing.maps.escape_html` here (``html.escape`` plus ``{``, which branca would
evaluate as Jinja), because folium puts popup and tooltip strings into the page as HTML and
layer names into the layer control as HTML.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
from folium.template import Template

from .excerpt import excerpt
from .maps import JERUSALEM_CENTER, escape_html, name_tip, render_parts

#: Text the page needs, with English fallbacks; callers pass translations.
DEFAULT_TEXT = {
    "title": "Ahya: Jerusalem community map", "subtitle": "", "offline_note": "", "footer": "",
    "areas": "Neighborhoods and villages", "boundary": "Municipal boundary",
    "challenge": "Challenges", "initiative": "Initiatives", "challengeOne": "Challenge",
    "initiativeOne": "Initiative", "demo": "Demo", "more": "Read more", "organization": "Organization",
    "legend": "Legend", "reports_in_area": "Reports",
}
KINDS = ("challenge", "initiative")
_URL_IN_CSS = re.compile(r"url\((['\"]?)(images/[A-Za-z0-9_.-]+\.png)\1\)")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.M)
_PAGE_CSS = """
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font-family: "Noto Sans Arabic", "Segoe UI", Tahoma,
       system-ui, sans-serif; color: #1d2d35; background: #fbfaf7; }
.sa-head { padding: .5rem 1rem; background: #0b5563; color: #fff; }
.sa-head h1 { margin: 0; font-size: 1.2rem; }
.sa-head p { margin: .15rem 0 0; font-size: .9rem; }
.sa-head .sa-note { opacity: .85; font-size: .8rem; }
.sa-map { position: relative; flex: 1; min-height: 20rem; direction: ltr; }
.sa-foot { padding: .3rem 1rem; font-size: .75rem; color: #5b6670; }
.leaflet-container { direction: ltr; font: inherit; }
.ahya-tip[dir="rtl"], .ahya-pop[dir="rtl"] { direction: rtl; text-align: right; }
.ahya-tip bdi { color: #5b6670; font-size: .9em; }
.ahya-pop h3 { margin: .2rem 0; font-size: 1rem; }
.ahya-pop p { margin: .2rem 0; }
.ahya-pop .meta { color: #5b6670; font-size: .85em; }
.ahya-pop .demo { background: #f4a259; color: #1d2d35; border-radius: 3px; padding: 0 .3rem;
                  margin: 0 .3rem; }
.sa-legend { position: absolute; z-index: 1000; bottom: 1.6rem; right: .6rem; max-width: 16rem;
             max-height: 45%; overflow: auto; background: rgba(255,255,255,.92); padding: .3rem .6rem;
             border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,.3); font-size: .8rem; }
.sa-legend summary { font-weight: 700; cursor: pointer; }
.sa-legend h2 { margin: .2rem 0; font-size: .9rem; }
.sa-legend ul { list-style: none; margin: 0 0 .3rem; padding: 0; }
.sa-legend i { display: inline-block; width: .8rem; height: .8rem; border-radius: 50%;
               margin-inline-end: .35rem; vertical-align: middle; border: 1px solid #fff; }
"""


def inline_leaflet_css(css: str, images_dir: Path | None) -> str:
    """Leaflet's CSS with its ``images/*.png`` references turned into ``data:`` URIs.

    A relative image URL would point next to the saved HTML file, where nothing is: the layer
    control's icon would vanish. Images that cannot be read are left as they are.
    """
    def inline(match: re.Match) -> str:
        path = (images_dir / match.group(2).split("/", 1)[1]) if images_dir else None
        if path is None or not path.is_file():
            return match.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(path.read_bytes()).decode('ascii')})"
    return _URL_IN_CSS.sub(inline, css)


def _script_safe(code: str) -> str:
    """JS text that cannot close its ``<script>`` element early, without its source-map link."""
    return re.sub(r"</(script)", r"<\\/\1", _SOURCE_MAP.sub("", code), flags=re.I)


def _style_safe(css: str) -> str:
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.I)


def _value(row: Mapping, key: str) -> str:
    value = row.get(key)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def _colour(value) -> str:
    """A ``#rrggbb`` colour or the neutral default: colours go into style attributes and canvas."""
    text = "" if value is None else str(value)
    return text if _COLOUR.fullmatch(text) else "#4a4e69"


def report_popup(row: Mapping, text: Mapping[str, str], lang: str) -> str:
    """Popup HTML for one report row, every value escaped (folium inserts it as HTML)."""
    esc = escape_html  # also "{": branca renders folium output again as Jinja
    direction = "rtl" if lang == "ar" else "ltr"
    kind_label = text.get(f"{_value(row, 'kind')}One", _value(row, "kind"))
    category = _value(row, "category_label") or _value(row, "category")
    kicker = (f'<span style="color:{_colour(row.get("colour"))}">{esc(category)}</span>'
              f" · {esc(kind_label)}")
    if bool(row.get("demo")):
        kicker += f'<span class="demo">{esc(text["demo"])}</span>'
    parts = [f'<p class="meta">{kicker}</p>', f'<h3 dir="auto">{esc(_value(row, "title"))}</h3>']
    meta = " · ".join(v for v in (_value(row, "area_name"), _value(row, "observed_on")) if v)
    if meta:
        parts.append(f'<p class="meta" dir="auto">{esc(meta)}</p>')
    if _value(row, "organization"):
        parts.append(f'<p class="meta" dir="auto">{esc(text["organization"])}: '
                     f'{esc(_value(row, "organization"))}</p>')
    if _value(row, "description"):
        parts.append(f'<p dir="auto">{esc(excerpt(_value(row, "description")))}</p>')
    url = _value(row, "url")
    if url.startswith(("https://", "http://")):  # our own permalink; anything else is not a link
        parts.append(f'<p><a href="{esc(url)}" target="_blank" rel="noopener">{esc(text["more"])}</a></p>')
    return f'<div class="ahya-pop" dir="{direction}" lang="{esc(lang)}">{"".join(parts)}</div>'


def compact_json(data) -> str:
    """JSON for a ``<script>``: UTF-8 kept (Arabic is 3x smaller than ``\\uXXXX``), but ``<``, ``>``
    and ``&`` escaped so no string can close the script element or start an HTML entity."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


class ReportLayer(folium.map.Layer):
    """Report points as canvas circle markers with pre-escaped popups, in one compact layer.

    folium's own ``GeoJson`` would do, but it writes every string as ``\\uXXXX`` escapes, a
    bounding box per feature and one ``case`` per feature in a style function: 3-4 times the
    bytes for Arabic reports, which matters at 20,000 of them in one file.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson({{ this.data_json }}, {
            pointToLayer: function (feature, latlng) {
                return L.circleMarker(latlng, {radius: 7, weight: 2, color: "#ffffff", opacity: 1,
                                               fillColor: feature.properties.colour, fillOpacity: 0.9});
            },
            onEachFeature: function (feature, layer) {
                layer.bindPopup(feature.properties.popup, {maxWidth: 320});
            }
        });
        {% endmacro %}
        """)

    def __init__(self, rows: gpd.GeoDataFrame, *, text: Mapping[str, str], lang: str, name: str):
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "ReportLayer"
        features = []
        for row, point in zip(rows.to_dict("records"), rows.geometry.values, strict=True):
            if point is None or point.is_empty:
                continue
            features.append({
                "type": "Feature", "id": int(row["id"]),
                "geometry": {"type": "Point", "coordinates": [round(point.x, 7), round(point.y, 7)]},
                "properties": {"colour": _colour(row.get("colour")),
                               "popup": report_popup(row, text, lang)}})
        self.data_json = compact_json({"type": "FeatureCollection", "features": features})


def _legend(reports: gpd.GeoDataFrame, text: Mapping[str, str]) -> str:
    """A static legend of the categories present, with their number of reports."""
    if reports.empty:
        return ""
    blocks = []
    for kind in KINDS:
        rows = reports[reports["kind"] == kind]
        if rows.empty:
            continue
        counts = rows.groupby(["category_label", "colour"], sort=False).size()
        items = "".join(f'<li><i style="background:{_colour(colour)}"></i>{escape_html(str(label))}'
                        f" ({n})</li>" for (label, colour), n in counts.items())
        blocks.append(f"<h2>{escape_html(text[kind])}</h2><ul>{items}</ul>")
    # Collapsible, bottom right (Leaflet's attribution corner): a popup rarely opens there.
    summary = f'<summary>{escape_html(text["legend"])}</summary>'
    return f'<details class="sa-legend" dir="auto" open>{summary}{"".join(blocks)}</details>'


def build_standalone_html(areas: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame, reports: gpd.GeoDataFrame,
                          *, lang: str, text: Mapping[str, str], tile_url: str, tile_attribution: str,
                          leaflet_js: str, leaflet_css: str, area_counts: Mapping[str, object] | None = None
                          ) -> str:
    """The whole standalone page as one HTML string.

    Parameters
    ----------
    areas, boundary : GeoDataFrame
        EPSG:4326 layers (``areas`` with ``slug`` and ``name_ar/en/he``), best simplified for display.
    reports : GeoDataFrame
        Public report rows (points): ``id``, ``kind``, ``title``, and optionally ``category``,
        ``category_label``, ``colour`` (#rrggbb), ``area_name``, ``observed_on``, ``organization``,
        ``description``, ``demo`` and ``url`` (the absolute permalink).
    lang : {"ar", "en"}
        Page language; Arabic pages are right to left, the map container stays left to right.
    text : mapping
        Translated strings; keys of :data:`DEFAULT_TEXT` (missing ones fall back to English).
    tile_url, tile_attribution : str
        The tile server (its attribution is HTML, as configured by the operator).
    leaflet_js, leaflet_css : str
        Leaflet's code and stylesheet, inlined (CSS images already ``data:`` URIs).
    area_counts : mapping, optional
        Published count per area slug (possibly suppressed, e.g. ``"<3"``) for the tooltips.
    """
    text = {**DEFAULT_TEXT, **{k: v for k, v in text.items() if v is not None}}
    esc = escape_html  # also "{": branca renders folium output again as Jinja
    reports = reports.copy()
    if "category_label" not in reports.columns:
        reports["category_label"] = reports["category"] if "category" in reports.columns else ""
    if "colour" not in reports.columns:
        reports["colour"] = "#4a4e69"
    m = folium.Map(location=JERUSALEM_CENTER, zoom_start=12, tiles=None, control_scale=True,
                   prefer_canvas=True)  # canvas: 20,000 circles stay fast
    m.default_js, m.default_css = [], []  # Leaflet is inlined below; nothing else is needed
    folium.TileLayer(tiles=tile_url, attr=tile_attribution, max_zoom=19, name="tiles",
                     control=False).add_to(m)
    folium.GeoJson(boundary[[boundary.geometry.name]], name=esc(text["boundary"]), interactive=False,
                   style_function=lambda f: {"color": "#3b2f2f", "weight": 3, "fill": False,
                                             "dashArray": "6 4"}).add_to(m)
    tips = []
    for row in areas.to_dict("records"):
        tip = name_tip(row, lang)  # escapes the names itself
        if area_counts is not None:
            count = area_counts.get(row["slug"], 0)
            tip = tip.replace("</div>", f"<br>{esc(text['reports_in_area'])}: {esc(str(count))}</div>")
        tips.append(tip)
    area_data = areas[["slug", areas.geometry.name]].assign(_tip=tips)
    folium.GeoJson(area_data, name=esc(text["areas"]),
                   style_function=lambda f: {"color": "#5c677d", "weight": 1.2, "fillColor": "#adb5bd",
                                             "fillOpacity": 0.18},
                   highlight_function=lambda f: {"weight": 3, "fillOpacity": 0.35},
                   tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False, sticky=True)).add_to(m)
    layers = {}
    for kind in KINDS:
        rows = reports[reports["kind"] == kind] if not reports.empty else reports
        if not rows.empty:
            layer = ReportLayer(rows, text=text, lang=lang, name=esc(text[kind])).add_to(m)
            layers[kind] = layer.get_name()
    folium.LayerControl(collapsed=True).add_to(m)
    minx, miny, maxx, maxy = boundary.total_bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    parts = render_parts(m)
    direction = "rtl" if lang == "ar" else "ltr"
    handles = ", ".join(f"{kind}: {name}" for kind, name in layers.items())
    head = [f"<h1>{esc(text['title'])}</h1>"]
    head += [f"<p>{esc(text['subtitle'])}</p>"] if text["subtitle"] else []
    head += [f'<p class="sa-note">{esc(text["offline_note"])}</p>'] if text["offline_note"] else []
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{esc(lang)}" dir="{direction}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(text['title'])}</title>",
        f"<style>{_style_safe(leaflet_css)}</style>",
        f"<script>{_script_safe(leaflet_js)}</script>",
        parts.header,
        f"<style>{_PAGE_CSS}</style>",
        "</head>",
        "<body>",
        f'<header class="sa-head">{"".join(head)}</header>',
        f'<div class="sa-map" dir="ltr">{parts.html}{_legend(reports, text)}</div>',
        f'<footer class="sa-foot" dir="auto">{esc(text["footer"])}</footer>' if text["footer"] else "",
        f"<script>{parts.script}",
        f"window.AHYA_STANDALONE = {{map: {parts.names['map']}, reports: {{{handles}}}}};</script>",
        "</body>",
        "</html>",
    ]) + "\n"
