"""Share cards: a 1200 × 630 PNG preview (Open Graph) with places highlighted on the city outline.

The poster renderer (:mod:`geo.drawing.poster`) at card size: same bundled font, same metric projection,
same framing. Arabic is passed to matplotlib unchanged (≥ 3.11 shapes it). No network, no Flask.
"""

from __future__ import annotations

import io

import geopandas as gpd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patheffects import withStroke

from ..reference.layers import METRIC_CRS
from .poster import POSTER_FONT_NAME, _fit, register_fonts

#: Open Graph's recommended size (Facebook, WhatsApp, Telegram, X crop to 1.91:1).
CARD_SIZE = (1200, 630)
_DPI = 100
HIGHLIGHT, HIGHLIGHT_EDGE, OTHER, OTHER_EDGE = "#e0603b", "#8c2b12", "#f4f1ea", "#b9b2a5"
INK, MUTED = "#1f1f1f", "#555555"


def _fit_text(fig, text: str, *, x: float, y: float, size: float, max_width: float, min_size: float = 30,
              **kw):
    """Draw ``text`` with its top at ``y``, shrinking it to ``max_width`` (figure fraction), and
    wrapping it on two lines when it would get smaller than ``min_size``. Returns its bottom."""
    renderer = fig.canvas.get_renderer()
    artist = fig.text(x, y, text, fontsize=size, family=POSTER_FONT_NAME, va="top", linespacing=1.15, **kw)

    def width() -> float:
        return artist.get_window_extent(renderer).width / fig.bbox.width

    if width() > max_width and size * max_width / width() < min_size and " " in text:
        words, best = text.split(), None
        for i in range(1, len(words)):  # the most balanced split into two lines
            lines = (" ".join(words[:i]), " ".join(words[i:]))
            longest = max(len(line) for line in lines)
            if best is None or longest < best[0]:
                best = (longest, "\n".join(lines))
        artist.set_text(best[1])
    while size > 12 and width() > max_width:
        size *= max_width / width() * 0.97
        artist.set_fontsize(size)
    return artist.get_window_extent(renderer).y0 / fig.bbox.height


def render_card(areas: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame, *, highlight: list[str],
                points: list[tuple[float, float]] | None = None, title_ar: str, title_en: str,
                subtitle: str = "", footer: str = "") -> bytes:
    """Render a share card and return the PNG bytes (1200 × 630 pixels).

    Parameters
    ----------
    areas, boundary : GeoDataFrame
        The shipped layers (EPSG:4326); ``areas`` needs a ``slug`` column.
    highlight : list of str
        Area slugs filled in the accent colour (an area, or the areas an organization serves).
    points : list of (lon, lat), optional
        Places without a polygon, marked with a dot in the accent colour.
    title_ar, title_en : str
        The name in Arabic (large) and in English (below it); either may be empty.
    subtitle, footer : str
        A line under the names (e.g. the kind of place) and a small line at the bottom.

    Returns
    -------
    bytes
        A PNG image.
    """
    register_fonts()
    width, height = CARD_SIZE
    fig = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI, facecolor="white")
    FigureCanvasAgg(fig)  # a renderer to measure text with, before saving
    # The map on the left, the names on the right: Arabic reads from the right, so the name is seen first.
    ax = fig.add_axes([0.02, 0.04, 0.44, 0.92])
    ax.set_axis_off()
    metric = areas.to_crs(METRIC_CRS)
    metric = metric.set_geometry(shapely.simplify(metric.geometry.values, 10.0, preserve_topology=True))
    outline = boundary.to_crs(METRIC_CRS)
    chosen = metric["slug"].isin(set(highlight))
    metric[~chosen].plot(ax=ax, color=OTHER, edgecolor=OTHER_EDGE, linewidth=0.4, zorder=2)
    if chosen.any():
        metric[chosen].plot(ax=ax, color=HIGHLIGHT, edgecolor=HIGHLIGHT_EDGE, linewidth=1.0, zorder=3)
    outline.boundary.plot(ax=ax, color="#3b2f2f", linewidth=1.6, linestyle=(0, (5, 3)), zorder=4)
    if points:
        xy = gpd.points_from_xy(*zip(*points, strict=True))
        pts = gpd.GeoSeries(xy, crs="EPSG:4326").to_crs(METRIC_CRS)
        ax.scatter(pts.x, pts.y, s=160, c=HIGHLIGHT, edgecolors="white", linewidths=2, zorder=5)
    _fit(ax, outline.total_bounds, fig)

    right, max_width = 0.96, 0.46
    fig.patches.append(_band(fig))
    y = 0.84
    if title_ar:
        y = _fit_text(fig, title_ar, x=right, y=y, size=64, max_width=max_width, ha="right",
                      weight="bold", color=INK) - 0.05
    if title_en:
        y = _fit_text(fig, title_en, x=right, y=y, size=40 if title_ar else 60, max_width=max_width,
                      ha="right", color=INK) - 0.04
    if subtitle:
        _fit_text(fig, subtitle, x=right, y=y, size=26, max_width=max_width, min_size=18, ha="right",
                  color=MUTED)
    lines = (footer or "أحياء · Ahya").splitlines()
    for i, line in enumerate(reversed(lines)):
        fig.text(right, 0.06 + i * 0.065, line, fontsize=20, family=POSTER_FONT_NAME, ha="right", va="bottom",
                 color=MUTED, weight="bold", path_effects=[withStroke(linewidth=3, foreground="white")])
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=_DPI, facecolor="white", metadata={"Software": "Ahya"})
    return out.getvalue()


def _band(fig):
    """A thin accent band along the top: the card reads as Ahya's at a glance in a chat."""
    from matplotlib.patches import Rectangle

    return Rectangle((0, 0.975), 1, 0.025, transform=fig.transFigure, facecolor=HIGHLIGHT, edgecolor="none",
                     zorder=1)
