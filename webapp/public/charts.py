"""Charts as inline SVG, drawn on the server: horizontal bars (pure: no Flask, no JavaScript), and
the trend figures of area and topic pages (:func:`trend_figure`: counts per period from
:mod:`webapp.store.trends`, drawn by :func:`geo.drawing.trends.column_chart_svg`).

A chart is a few dozen elements, readable without JavaScript, printable, and
accessible: the ``<svg>`` is an image whose title and description carry every
number, and each bar carries its key and value as ``data-`` attributes.
Labels sit above their bars, so a long Arabic category name never collides with a bar.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from markupsafe import Markup, escape

from geo.drawing.trends import Column, column_chart_svg

from ..store.trends import public_table, published_trend


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


def trend_figure(filters, lang: str, *, title: str, chart_id: str, by: str = "year",
                 field: str | None = None, field_label: str | None = None, colour: str = "#0b5563") -> dict:
    """A trend chart for a page: the SVG, its table rows (suppressed as in the API) and links.

    Parameters
    ----------
    filters : webapp.store.queries.ReportFilters
        Which published reports are counted (as on the map and in /api/v1/trends).
    lang : str
        Page language (right-to-left for Arabic).
    title, chart_id : str
        Accessible name, and an id unique in the page.
    by : {"year", "month"}
    field : str, optional
        A public numeric field to sum; the bars then show its sums.
    field_label : str, optional
        Its name (and unit) for the table's heading.

    Returns
    -------
    dict
        ``svg`` (Markup, None when nothing is counted), ``rows`` (period, start, end, count, sum),
        ``title``, ``total`` and ``lower_bound`` (see ``public_table``), ``undated``, ``api_url``,
        ``csv_url`` and ``field``.
    """
    table = public_table(published_trend(filters, by, field))
    columns = []
    for row in table["periods"]:
        hidden = isinstance(row["count"], str)
        shown = row["sum"] if field else row["count"]
        # A suppressed count is drawn at a fixed low height: the bar must not reveal what the text hides.
        value = 0.5 if hidden else float(shown or 0)
        text = row["count"] if hidden else _number(shown)
        key = row["period"]
        label = key if by == "year" else f"{key[5:7]}/{key[:4]}"
        columns.append(Column(key=key, label=label, value=value, text=str(text), approximate=hidden))
    has_data = any(c.value for c in columns)
    svg = Markup(column_chart_svg(columns, chart_id=chart_id, title=title, rtl=lang == "ar",  # noqa: S704
                                  colour=colour)) if has_data else None
    args = [*filters.to_args(), ("by", by), *([("field", field)] if field else [])]
    return {"svg": svg, "rows": table["periods"], "title": title, "total": table["total"],
            "lower_bound": table["total_is_lower_bound"], "undated": table["undated"], "field": field,
            "field_label": field_label,
            "api_url": url_for("api.trends", **_multi(args)),
            "csv_url": url_for("api.trends_csv", **_multi(args))}


def _number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{float(value):.6g}"


def _multi(pairs: list[tuple[str, str]]) -> dict:
    """Query pairs as url_for arguments (a repeated key becomes a list)."""
    out: dict = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in out.items()}
