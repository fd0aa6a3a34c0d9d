"""Campaign posters: a printable map (PNG or PDF) drawn with matplotlib, no web tiles, no network.

The Arabic font ships in the PyPI package ``fontpkg-ibm-plex-sans-arabic`` (a sans with Latin
glyphs, so one family serves both poster languages). matplotlib ≥ 3.11 shapes and orders Arabic
itself (libraqm), so text is passed unchanged: running arabic-reshaper/python-bidi first would
print it reversed. Figures are built with ``matplotlib.figure.Figure``, not pyplot, so a web
worker keeps no figure registry to leak; the only global touched is the font manager (the
bundled font is registered once) and ``pdf.fonttype`` inside an ``rc_context`` while saving.
"""

from __future__ import annotations

import io
import re
import textwrap
import unicodedata
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from matplotlib import font_manager, rc_context
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Patch, Rectangle
from matplotlib.patheffects import withStroke
from matplotlib.text import Text

from ..reference.layers import METRIC_CRS
from ..spatial.aggregate import choropleth_classes

#: Family name of the bundled poster font (as matplotlib's font manager knows it).
POSTER_FONT_NAME = "IBM Plex Sans Arabic"
PAPER_MM = {"A4": (210, 297), "A3": (297, 420)}
DPI = 150
#: Sequential fill for classes 1..k (light to dark); zero-count areas stay pale grey.
CLASS_COLOURS = ("#fde0c5", "#facba6", "#f59e72", "#e0603b", "#b3261e")
ZERO_COLOUR = "#f1f1ef"
LABELLED_AREAS = 15
#: Every text artist gets this: user text (titles, area names, labels) is drawn as written.
#: matplotlib would otherwise read ``$...$`` as mathtext: ``$$`` or ``$\\sqrt{}$`` in a title
#: raised a ValueError (a 500), and ``$x$`` printed an italic x instead of the dollars.
PLAIN_TEXT = {"parse_math": False}
#: Joiners stay: Arabic and Persian spelling uses them, and matplotlib's shaping honours them.
_KEPT_FORMAT_CHARS = frozenset("\u200c\u200d")
_WORDS = {
    "ar": {"north": "ش", "km": "كم"},
    "en": {"north": "N", "km": "km"},
}


def drawable_text(text: str) -> str:
    """``text`` without invisible format characters (Unicode category Cf) other than the joiners.

    Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) would let a title
    reorder itself on the printed page; a byte-order mark or word joiner is dropped by the
    shaper and then crashed matplotlib's PDF writer (an IndexError: a 500). Control
    characters are refused earlier, by the web parameters.
    """
    return "".join(ch for ch in text if ch in _KEPT_FORMAT_CHARS or unicodedata.category(ch) != "Cf")


_LATIN_RUN = re.compile(r"[!-~](?:[ -~]*[!-~])?")
_RLM = "\u200f"


def wrap_lines(text: str, chars: int, rtl: bool) -> str:
    """``text`` wrapped to lines of about ``chars`` characters, each laid out in the poster's direction.

    On a right-to-left poster a short Latin run such as "(CC BY)" or "Israel CBS" is never cut
    (its spaces become no-break spaces): cut, its halves land at the two ends of two lines,
    read in the wrong order. Each line then starts with a right-to-left mark, so a line that
    begins with Latin letters is still laid out from the right (the shaper takes a line's
    direction from its first strong character).
    """
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if rtl:
            line = _LATIN_RUN.sub(lambda m: m.group(0).replace(" ", "\u00a0") if len(m.group(0)) <= 30
                                  else m.group(0), line)
        for part in textwrap.wrap(line, chars):
            out.append(_RLM + part if rtl else part)
    return "\n".join(out)


@cache
def font_path(weight: str = "Regular") -> Path:
    """Path of the bundled font file (``Regular`` or ``Bold``), registered with matplotlib."""
    import fontpkg_ibm_plex_sans_arabic as pkg

    path = Path(pkg.ROOT) / "files" / f"IBMPlexSansArabic-{weight}.ttf"
    if not path.is_file():
        raise FileNotFoundError(f"poster font missing: {path}")
    font_manager.fontManager.addfont(str(path))
    return path


def register_fonts() -> None:
    """Make the poster family (regular and bold) known to matplotlib's font manager."""
    font_path("Regular")
    font_path("Bold")


def _page(paper: str, orientation: str) -> tuple[float, float]:
    if paper not in PAPER_MM or orientation not in ("portrait", "landscape"):
        raise ValueError("paper must be A4 or A3, orientation portrait or landscape")
    short, long = PAPER_MM[paper]
    w_mm, h_mm = (short, long) if orientation == "portrait" else (long, short)
    # Whole pixels at 150 dpi (A4 = 1240 × 1754); the small offset stops Agg from flooring
    # 1753.999… down a pixel.
    return (round(w_mm / 25.4 * DPI) + 0.01) / DPI, (round(h_mm / 25.4 * DPI) + 0.01) / DPI


def _scale_bar(ax, lang: str, size: float) -> None:
    """A two-segment bar in metres (the axes are EPSG:2039), about a fifth of the map width."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    target = (x1 - x0) / 5
    length = max(n for n in (500, 1000, 2000, 5000, 10000) if n <= target) if target >= 500 else 500
    left = x0 + (x1 - x0) * 0.95 - length  # lower right: empty below the city's south-east edge
    bottom, height = y0 + (y1 - y0) * 0.04, (y1 - y0) * 0.006
    for i, colour in enumerate(("#222222", "#ffffff")):
        ax.add_patch(Rectangle((left + i * length / 2, bottom), length / 2, height, facecolor=colour,
                               edgecolor="#222222", linewidth=0.8, zorder=6))
    km = f"{length / 1000:g} {_WORDS[lang]['km']}"
    ax.text(left + length / 2, bottom + height * 2.2, km, ha="center", va="bottom", fontsize=size,
            family=POSTER_FONT_NAME, zorder=6, **PLAIN_TEXT)


def _north_arrow(ax, lang: str, size: float) -> None:
    """Grid north of EPSG:2039 (within a degree of true north over Jerusalem)."""
    x = 0.93
    ax.add_patch(FancyArrow(x, 0.86, 0, 0.07, width=0.012, head_width=0.035, head_length=0.03,
                            length_includes_head=True, transform=ax.transAxes, color="#222222", zorder=6))
    ax.text(x, 0.94, _WORDS[lang]["north"], transform=ax.transAxes, ha="center", va="bottom",
            fontsize=size * 1.3, weight="bold", family=POSTER_FONT_NAME, zorder=6, **PLAIN_TEXT)


def _area_labels(ax, areas: gpd.GeoDataFrame, lang: str, size: float) -> None:
    """Names of the largest areas, each at a point inside its polygon, with a white halo."""
    name = "name_ar" if lang == "ar" else "name_en"
    largest = areas.assign(_a=areas.geometry.area).nlargest(LABELLED_AREAS, "_a")
    halo = [withStroke(linewidth=size * 0.3, foreground="white")]  # readable on dark classes
    for label, point in zip(largest[name], shapely.point_on_surface(largest.geometry.values), strict=True):
        ax.text(point.x, point.y, drawable_text(label), ha="center", va="center", fontsize=size,
                color="#1f1f1f", family=POSTER_FONT_NAME, path_effects=halo, zorder=5, **PLAIN_TEXT)


def render_poster(areas: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame, *,
                  points: gpd.GeoDataFrame | None = None, counts: dict[str, int] | None = None,
                  title: str, subtitle: str = "", lang: str = "ar", paper: str = "A4",
                  orientation: str = "portrait", fmt: str = "png", legend_title: str,
                  sources_text: str, date_text: str, labels_for_larger_areas: bool = True,
                  min_count: int = 1, trend: list[dict] | None = None, trend_title: str = "") -> bytes:
    """Render a campaign poster and return the PNG or PDF bytes.

    Parameters
    ----------
    areas, boundary : GeoDataFrame
        The shipped layers (EPSG:4326); areas need ``slug``, ``name_ar`` and ``name_en``.
    points : GeoDataFrame, optional
        Points with a ``colour`` column (``#rrggbb``) and optionally ``label`` (legend text).
    counts : dict of str to int, optional
        Reports per area slug (exact): the areas are classed by
        :func:`geo.spatial.aggregate.choropleth_classes`, as on the web map. No count
        is printed on the poster; the legend shows class ranges.
    title, subtitle : str
        In the poster language; Arabic is passed to matplotlib unchanged.
    lang : {"ar", "en"}
        Language of area names and fixed words; Arabic aligns text to the right.
    paper, orientation : {"A4", "A3"}, {"portrait", "landscape"}
        Page size; PNG is 150 dpi (A4 portrait = 1240 × 1754 px).
    fmt : {"png", "pdf"}
        Output format; the PDF embeds the font (TrueType) so the text stays selectable.
    legend_title, sources_text, date_text : str
        Legend heading, sources and attribution line(s), and the date shown on the poster.
    labels_for_larger_areas : bool
        Write the names of the largest areas on the map.
    min_count : int
        Small-count suppression (``MIN_PUBLIC_COUNT``): counts 1..min_count-1 share one shade and
        the legend label ``"<min_count"``; 1 turns it off.
    trend : list of dict, optional
        A column chart under the map, oldest period first: ``label`` (under the axis), ``value``
        (bar height), ``text`` (printed on the bar, e.g. ``"12"`` or a suppressed ``"<3"``) and
        ``approximate`` (a suppressed count: a light bar of fixed height).
    trend_title : str
        The chart's heading.
    """
    if fmt not in ("png", "pdf") or lang not in _WORDS:
        raise ValueError("fmt must be png or pdf, lang ar or en")
    fig = poster_figure(areas, boundary, points=points, counts=counts, title=title, subtitle=subtitle,
                        lang=lang, paper=paper, orientation=orientation, legend_title=legend_title,
                        sources_text=sources_text, date_text=date_text,
                        labels_for_larger_areas=labels_for_larger_areas, min_count=min_count,
                        trend=trend, trend_title=trend_title)
    out = io.BytesIO()
    # Type 42 embeds the TrueType font itself: smaller files and searchable, copyable text.
    with rc_context({"pdf.fonttype": 42}):
        fig.savefig(out, format=fmt, dpi=DPI, facecolor="white",
                    metadata=_metadata(fmt, drawable_text(title)))
    return out.getvalue()


def poster_figure(areas: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame, *,
                  points: gpd.GeoDataFrame | None = None, counts: dict[str, int] | None = None,
                  title: str, subtitle: str = "", lang: str = "ar", paper: str = "A4",
                  orientation: str = "portrait", legend_title: str, sources_text: str, date_text: str,
                  labels_for_larger_areas: bool = True, min_count: int = 1,
                  trend: list[dict] | None = None, trend_title: str = "") -> Figure:
    """The poster as a matplotlib ``Figure`` (see :func:`render_poster` for the parameters).

    Every text artist is plain text (``parse_math=False``): nothing a user typed is ever
    parsed as mathtext.
    """
    if lang not in _WORDS:
        raise ValueError("lang must be ar or en")
    title, subtitle, legend_title = drawable_text(title), drawable_text(subtitle), drawable_text(legend_title)
    sources_text, date_text = drawable_text(sources_text), drawable_text(date_text)
    register_fonts()
    width, height = _page(paper, orientation)
    scale = min(width, height) / (210 / 25.4)  # type sizes grow with the paper
    rtl = lang == "ar"
    edge, anchor = (0.95, "right") if rtl else (0.05, "left")
    text_kw = {"family": POSTER_FONT_NAME, "ha": anchor, **PLAIN_TEXT}

    fig = Figure(figsize=(width, height), dpi=DPI, facecolor="white")
    top = 0.975
    fig.text(edge, top, title, va="top", fontsize=24 * scale, weight="bold", **text_kw)
    top -= 24 * scale * 1.45 / 72 / height
    if subtitle:
        fig.text(edge, top, subtitle, va="top", fontsize=13 * scale, color="#444444", **text_kw)
        top -= 13 * scale * 1.6 / 72 / height
    # Sources fill the bottom from the poster's reading side, the date sits in the other corner;
    # the wrap width is estimated from the font size (an Arabic letter averages ~0.4 em).
    chars = int(0.68 * width * 72 / (7.5 * scale * 0.42))
    wrapped = wrap_lines(sources_text, chars, rtl)
    fig.text(edge, 0.02, wrapped, va="bottom", fontsize=7.5 * scale, color="#444444", linespacing=1.5,
             **text_kw)
    fig.text(1 - edge, 0.02, date_text, va="bottom", fontsize=10 * scale, weight="bold",
             family=POSTER_FONT_NAME, ha="left" if rtl else "right", **PLAIN_TEXT)
    bottom = 0.02 + (wrapped.count("\n") + 1) * 7.5 * scale * 1.5 / 72 / height + 0.02
    if trend:
        # A strip under the map, above the sources: the map shrinks, nothing overlaps it.
        strip = 0.12 if height > width else 0.16
        _trend_chart(fig, [0.08, bottom + 0.025, 0.84, strip], trend, drawable_text(trend_title), rtl, scale)
        bottom += strip + 0.06
    ax = fig.add_axes([0.03, bottom, 0.94, top - 0.015 - bottom])
    ax.set_axis_off()

    # Metres (Israeli TM grid): distances on the scale bar are true, shapes undistorted.
    metric = areas.to_crs(METRIC_CRS)
    metric = metric.set_geometry(shapely.simplify(metric.geometry.values, 5.0, preserve_topology=True))
    outline = boundary.to_crs(METRIC_CRS)
    handles = []
    if counts is not None:
        values = np.array([int(counts.get(s, 0)) for s in metric["slug"]])
        classed = choropleth_classes(values, k=len(CLASS_COLOURS), min_count=min_count)
        labels = classed.labels
        palette = _palette(len(labels))
        fills = [palette[c] if c >= 0 else ZERO_COLOUR for c in classed.classes]
        metric.plot(ax=ax, color=fills, edgecolor="#6b6b6b", linewidth=0.4 * scale, zorder=2)
        zero = [ZERO_COLOUR] if (values == 0).any() else []  # "0" only when an area has none
        handles = [Patch(facecolor=c, edgecolor="#6b6b6b", label=t) for c, t in
                   zip([*zero, *palette], ["0"] * len(zero) + labels, strict=True)]
    else:
        metric.plot(ax=ax, color="#f4f1ea", edgecolor="#6b6b6b", linewidth=0.4 * scale, zorder=2)
    outline.boundary.plot(ax=ax, color="#3b2f2f", linewidth=1.4 * scale, linestyle=(0, (5, 3)), zorder=3)
    if points is not None and len(points):
        pts = points.to_crs(METRIC_CRS)
        ax.scatter(shapely.get_x(pts.geometry.values), shapely.get_y(pts.geometry.values),
                   s=22 * scale ** 2, c=list(pts["colour"]), edgecolors="white", linewidths=0.6 * scale,
                   zorder=4)
        if "label" in pts.columns:
            pairs = dict(zip(pts["label"], pts["colour"], strict=True))
            handles += [Line2D([], [], linestyle="", marker="o", markersize=7 * scale, markerfacecolor=c,
                               markeredgecolor="white", label=t) for t, c in pairs.items()]
    _fit(ax, outline.total_bounds, fig)
    if labels_for_larger_areas:
        _area_labels(ax, metric, lang, 7.5 * scale)
    _scale_bar(ax, lang, 9 * scale)
    _north_arrow(ax, lang, 11 * scale)
    if handles:
        # Upper left: Jerusalem's outline leaves that corner empty on every page shape.
        legend = ax.legend(handles=handles, title=legend_title, loc="upper left", markerfirst=not rtl,
                           alignment=anchor, frameon=True, framealpha=0.9,
                           prop={"family": POSTER_FONT_NAME, "size": 9 * scale},
                           title_fontproperties={"family": POSTER_FONT_NAME, "size": 10 * scale,
                                                 "weight": "bold"})
        legend.set_zorder(7)
        for text in (legend.get_title(), *legend.get_texts()):
            text.set_text(drawable_text(text.get_text()))
    for text in fig.findobj(Text):
        # Also the artists made for us (legend entries, geopandas' axis labels): none is mathtext.
        text.set_parse_math(False)
    return fig


#: Bars of the poster's trend chart: solid, and light for a suppressed count.
TREND_COLOUR, TREND_LIGHT = "#0b5563", "#b9d3d6"
MIN_SLOTS = 8


def _trend_chart(fig, box, trend: list[dict], title: str, rtl: bool, scale: float) -> None:
    """Columns per period under the map (oldest at the reading side's start), numbers on the bars."""
    ax = fig.add_axes(box)
    rows = list(reversed(trend)) if rtl else list(trend)
    peak = max((float(r["value"]) for r in rows), default=0) or 1.0
    heights = [peak * 0.06 if r["approximate"] else float(r["value"]) for r in rows]
    colours = [TREND_LIGHT if r["approximate"] else TREND_COLOUR for r in rows]
    # At least MIN_SLOTS columns wide, so two years are not two slabs; aligned to the reading side.
    slots = max(len(rows), MIN_SLOTS)
    first = slots - len(rows) if rtl else 0
    xs = [first + i for i in range(len(rows))]
    ax.bar(xs, heights, color=colours, width=0.7, zorder=2)
    font = {"family": POSTER_FONT_NAME, **PLAIN_TEXT}
    many = len(rows) > 16
    step = -(-len(rows) // 16) if many else 1
    for i, (row, h) in enumerate(zip(rows, heights, strict=True)):
        if not many:
            ax.text(xs[i], h + peak * 0.03, drawable_text(str(row["text"])), ha="center", va="bottom",
                    fontsize=7 * scale, **font)
    ticks = [i for i in range(len(rows)) if (len(rows) - 1 - i if rtl else i) % step == 0]
    ax.set_xticks([xs[i] for i in ticks], [drawable_text(str(rows[i]["label"])) for i in ticks])
    for label in ax.get_xticklabels():
        label.set_fontsize(7 * scale)
        label.set_family(POSTER_FONT_NAME)
    ax.set_yticks([])
    ax.set_ylim(0, peak * 1.25)
    ax.set_xlim(-0.6, slots - 0.4)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", length=0)
    ax.set_title(title, loc="right" if rtl else "left", fontsize=10 * scale, weight="bold", **font)


def _fit(ax, bounds, fig) -> None:
    """Frame the outline with a margin, widening the shorter side to the axes' shape.

    Setting matching limits ourselves keeps the map centred and 1:1 without matplotlib's
    "Ignoring fixed limits" adjustments.
    """
    minx, miny, maxx, maxy = bounds
    pad = 0.03 * max(maxx - minx, maxy - miny)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    box = ax.get_position(original=True)  # the active box already shrank to the autoscaled data
    ratio = (box.width * fig.get_figwidth()) / (box.height * fig.get_figheight())
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    w, h = maxx - minx, maxy - miny
    w, h = max(w, h * ratio), max(h, w / ratio)
    ax.set_xlim(cx - w / 2, cx + w / 2)
    ax.set_ylim(cy - h / 2, cy + h / 2)
    ax.set_aspect("equal", adjustable="box")


def _metadata(fmt: str, title: str) -> dict:
    return {"Title": title, "Creator": "Ahya"} if fmt == "pdf" else {"Title": title, "Software": "Ahya"}


def _palette(k: int) -> list[str]:
    """``k`` colours spread over the class ramp, so 2 classes are light and dark, not the two lightest."""
    if k <= 0:
        return []
    idx = np.round(np.linspace(0, len(CLASS_COLOURS) - 1, k)).astype(int)
    return [to_hex(CLASS_COLOURS[i]) for i in idx]
