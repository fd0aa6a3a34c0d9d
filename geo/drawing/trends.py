"""Column charts of counts over time (one bar per year or month), and maps of the areas shaded by
a number field's sum, as inline SVG text.

Pure: no web framework, no JavaScript, no chart library. The ``<svg>`` is an image whose
``<title>`` and ``<desc>`` carry every number, each bar carries its period and value as
``data-`` attributes, and the pages print the same numbers in a table next to it. In a
right-to-left page time runs from right to left, as the page reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import numpy as np
import shapely

from ..spatial.aggregate import choropleth_classes
from .poster import ZERO_COLOUR, _palette

#: Above this many bars, only some periods are labelled under the axis and no value sits on a bar.
MAX_LABELLED = 16


@dataclass(frozen=True)
class Column:
    """One bar of a column chart.

    Attributes
    ----------
    key : str
        The period (``"2024"``, ``"2024-03"``): ``data-period`` and the axis label's source.
    label : str
        Text under the axis (may be empty to leave a period unlabelled).
    value : float
        Height in the chart's units.
    text : str
        The number as published (``"12"``, a suppressed ``"<3"``).
    approximate : bool
        Stands for a suppressed count: drawn light, at a fixed height that reveals nothing.
    """

    key: str
    label: str
    value: float
    text: str
    approximate: bool = False


def _attrs(**attrs) -> str:
    return " ".join(f'{k.rstrip("_").replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())


def column_chart_svg(columns: list[Column], *, chart_id: str, title: str, rtl: bool = False,
                     colour: str = "#0b5563", width: int = 640, height: int = 220) -> str:
    """An accessible column chart as an ``<svg>`` element (text, every value escaped).

    Parameters
    ----------
    columns : list of Column
        Oldest first.
    chart_id : str
        Unique within the page; prefixes the ids of ``<title>`` and ``<desc>``.
    title : str
        Accessible name of the chart.
    rtl : bool
        Right-to-left: the oldest period at the right edge.
    colour : str
        ``#rrggbb`` fill of the bars.
    width, height : int
        Size of the drawing in SVG units; the chart scales to its container.

    Returns
    -------
    str
        The SVG markup.
    """
    pad, axis, top_room = 6, 30, 18
    plot_h = height - axis - top_room
    n = max(len(columns), 1)
    slot = (width - 2 * pad) / n
    bar_w = max(min(slot * 0.7, 60.0), 1.0)
    peak = max((c.value for c in columns), default=0) or 1
    many = len(columns) > MAX_LABELLED
    step = 1 if not many else -(-len(columns) // MAX_LABELLED)
    desc = "; ".join(f"{c.key}: {c.text}" for c in columns)
    svg = _attrs(xmlns="http://www.w3.org/2000/svg", viewBox=f"0 0 {width} {height}", class_="trend-chart",
                 role="img", id=chart_id, aria_labelledby=f"{chart_id}-title {chart_id}-desc")
    parts = [f"<svg {svg}>", f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
             f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>']
    base = top_room + plot_h
    parts.append(f'<line {_attrs(x1=pad, x2=width - pad, y1=base, y2=base, class_="trend-axis")}></line>')
    for i, col in enumerate(columns):
        slot_start = width - pad - (i + 1) * slot if rtl else pad + i * slot
        centre = slot_start + slot / 2
        h = max(plot_h * col.value / peak, 2.0) if col.value > 0 else 0.0
        rect = _attrs(x=f"{centre - bar_w / 2:.1f}", y=f"{base - h:.1f}", width=f"{bar_w:.1f}",
                      height=f"{h:.1f}", fill=colour,
                      class_="trend-bar trend-bar-approximate" if col.approximate else "trend-bar",
                      data_period=col.key, data_count=col.text)
        parts.append(f'<g class="trend-column" data-period="{escape(col.key)}"><rect {rect}></rect>')
        if not many:
            value = _attrs(x=f"{centre:.1f}", y=f"{base - h - 4:.1f}", text_anchor="middle",
                           class_="trend-value")
            parts.append(f"<text {value}>{escape(col.text)}</text>")
        if col.label and i % step == 0:
            label = _attrs(x=f"{centre:.1f}", y=base + 18, text_anchor="middle", class_="trend-label")
            parts.append(f"<text {label}>{escape(col.label)}</text>")
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


#: Fill of an area whose count is suppressed: its sum is not published, so it gets no class.
HIDDEN_FILL = "#d5d8dc"


@dataclass(frozen=True)
class LegendEntry:
    """One line of a sum map's legend: a fill and its label (``"0"``, ``"3–12"``, a hidden note)."""

    colour: str
    label: str


def sum_map_svg(areas, sums: dict[str, float], hidden: set[str], names: dict[str, str], *,
                chart_id: str, title: str, hidden_text: str, width: int = 560,
                tolerance: float = 0.0004) -> tuple[str, list[LegendEntry]]:
    """Areas shaded by a sum (classes as on the map and the posters) as an accessible inline SVG.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Area polygons (EPSG:4326) with a ``slug`` column.
    sums : dict of str to float
        The sum per area slug (missing: 0).
    hidden : set of str
        Areas whose count is suppressed: drawn in ``HIDDEN_FILL``, their sum untold.
    names : dict of str to str
        Area names for each path's tooltip (``<title>``).
    chart_id, title : str
        Id prefix and accessible name.
    hidden_text : str
        What a hidden area's tooltip and legend line say (e.g. ``"fewer than 3 reports"``).
    width : int
        Width in SVG units (the height follows the areas' shape).
    tolerance : float
        Simplification in degrees (~40 m): outlines for a page, not for measuring.

    Returns
    -------
    svg : str
        The ``<svg>`` markup, every text escaped.
    legend : list of LegendEntry
        Zero, the classes and (when any) the hidden areas.
    """
    slugs = [str(s) for s in areas["slug"]]
    raw = np.array([0 if s in hidden else int(round(sums.get(s) or 0)) for s in slugs], dtype=np.int64)
    classed = choropleth_classes(raw, k=5, min_count=1)
    palette = _palette(len(classed.labels))
    geoms = shapely.simplify(areas.geometry.values, tolerance, preserve_topology=True)
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    kx = math.cos(math.radians((miny + maxy) / 2))  # degrees of longitude are shorter here
    scale = width / ((maxx - minx) * kx)
    height = (maxy - miny) * scale

    def ring(coords) -> str:
        pts = " ".join(f"{(x - minx) * kx * scale:.1f},{(maxy - y) * scale:.1f}" for x, y in coords)
        return f"M{pts}Z"

    desc = []
    svg = _attrs(xmlns="http://www.w3.org/2000/svg", viewBox=f"0 0 {width} {height:.0f}", class_="sum-map",
                 role="img", id=chart_id, aria_labelledby=f"{chart_id}-title {chart_id}-desc")
    paths = []
    for slug, geom, cls, value in zip(slugs, geoms, classed.classes, raw, strict=True):
        polygons = getattr(geom, "geoms", [geom])
        d = "".join(ring(p.exterior.coords) + "".join(ring(i.coords) for i in p.interiors)
                    for p in polygons if not p.is_empty)
        if slug in hidden:
            fill, text = HIDDEN_FILL, hidden_text
        else:
            fill = palette[cls] if cls >= 0 else ZERO_COLOUR
            text = _number(sums.get(slug) or 0)
        name = names.get(slug, slug)
        if slug in hidden or value > 0:
            desc.append(f"{name}: {text}")
        paths.append(f'<path {_attrs(d=d, fill=fill, data_slug=slug, data_value=text, class_="sum-area")}>'
                     f"<title>{escape(name)}: {escape(text)}</title></path>")
    parts = [f"<svg {svg}>", f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
             f'<desc id="{escape(chart_id)}-desc">{escape("; ".join(desc))}</desc>',
             '<g stroke="#6b6b6b" stroke-width="0.6" fill-rule="evenodd">', *paths, "</g></svg>"]
    legend = [LegendEntry(ZERO_COLOUR, "0")] + [LegendEntry(c, t) for c, t in
                                                zip(palette, classed.labels, strict=True)]
    if hidden:
        legend.append(LegendEntry(HIDDEN_FILL, hidden_text))
    return "".join(parts), legend


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{float(value):.6g}"
