"""Column charts of counts over time (one bar per year or month) as inline SVG text.

Pure: no web framework, no JavaScript, no chart library. The ``<svg>`` is an image whose
``<title>`` and ``<desc>`` carry every number, each bar carries its period and value as
``data-`` attributes, and the pages print the same numbers in a table next to it. In a
right-to-left page time runs from right to left, as the page reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

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
