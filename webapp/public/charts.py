"""Horizontal bar charts as inline SVG, drawn on the server (pure: no Flask, no JavaScript).

A chart is a few dozen elements, readable without JavaScript, printable, and
accessible: the ``<svg>`` is an image whose title and description carry every
number, and each bar carries its key and value as ``data-`` attributes.
Labels sit above their bars, so a long Arabic category name never collides with a bar.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Bar:
    """One bar.

    Attributes
    ----------
    label : str
        Shown above the bar (escaped).
    value : float
        Length of the bar, in the chart's units.
    text : str
        The number printed after the bar, e.g. ``"12"`` or a suppressed ``"<3"``.
    colour : str
        ``#rrggbb`` fill.
    key : str
        Stable identifier (a category id) for ``data-key``.
    approximate : bool
        The bar stands for a suppressed count: drawn hatched-light, not solid.
    """

    label: str
    value: float
    text: str
    colour: str = "#0b5563"
    key: str = ""
    approximate: bool = False


def _attrs(**attrs) -> str:
    return " ".join(f'{k.rstrip("_").replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())


def bar_chart_svg(bars: list[Bar], *, chart_id: str, title: str, rtl: bool = False,
                  width: int = 360, row_height: int = 38) -> Markup:
    """An accessible horizontal bar chart as an inline ``<svg>`` element.

    Parameters
    ----------
    bars : list of Bar
        In display order (top to bottom).
    chart_id : str
        Unique within the page; prefixes the ids of ``<title>`` and ``<desc>``.
    title : str
        Accessible name of the chart.
    rtl : bool
        Right-to-left: labels and bars start at the right edge (Arabic pages).
    width, row_height : int
        Size of the drawing in SVG units; the chart scales to its container.

    Returns
    -------
    markupsafe.Markup
        The SVG markup, every text escaped.
    """
    pad, number_room = 4, 44
    span = width - 2 * pad - number_room
    top = max((b.value for b in bars), default=0) or 1
    height = max(len(bars), 1) * row_height + pad
    direction = "rtl" if rtl else "ltr"
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    svg = _attrs(xmlns="http://www.w3.org/2000/svg", viewBox=f"0 0 {width} {height}", class_="bar-chart",
                 role="img", id=chart_id, aria_labelledby=f"{chart_id}-title {chart_id}-desc")
    parts = [
        f"<svg {svg}>",
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]
    # "start" is the right edge in right-to-left text, so one anchor serves both directions.
    edge = width - pad if rtl else pad
    sign = -1 if rtl else 1
    for i, bar in enumerate(bars):
        y = pad + i * row_height
        length = max(span * bar.value / top, 2.0) if bar.value > 0 else 0.0
        x = edge - length if rtl else edge
        bar_y = y + 19
        rect = _attrs(x=f"{x:.1f}", y=bar_y, width=f"{length:.1f}", height=13, fill=bar.colour,
                      class_="bar bar-approximate" if bar.approximate else "bar",
                      data_key=bar.key, data_count=bar.text)
        label = _attrs(x=edge, y=y + 13, direction=direction, text_anchor="start", class_="bar-label")
        value = _attrs(x=f"{edge + sign * (length + 6):.1f}", y=bar_y + 11, direction=direction,
                       text_anchor="start", class_="bar-value")
        parts += [
            f'<g class="bar-row" data-key="{escape(bar.key)}">',
            f"<text {label}>{escape(bar.label)}</text>",
            f"<rect {rect}></rect>",
            f"<text {value}>{escape(bar.text)}</text>",
            "</g>",
        ]
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece above is escaped
