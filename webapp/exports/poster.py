"""``/export/poster.png`` and ``.pdf``: a printable campaign map of the filtered reports.

With ``MIN_PUBLIC_COUNT=k`` the areas counted 1..k-1 share one shade and the legend label "<k"
(:func:`geo.spatial.aggregate.choropleth_classes`, the web map's classes), and a line under the map
says so. The points mode draws public points, each at its public location precision, as the
map does.
"""

from __future__ import annotations

from threading import Lock

from cachetools import LRUCache
from flask import request
from flask_babel import gettext as _

from geo.drawing.poster import render_poster
from geo.reference.taxonomy import KINDS

from ..extensions import limiter
from ..state import app_state
from ..store.filters import ParameterError
from ..store.layers import get_layers
from ..store.queries import ReportFilters
from ..store.reporting import get_taxonomy
from ..store.stats import grouped_counts, min_public_count
from ..store.trends import public_table, published_trend
from ..store.versioning import current_data_version
from ..web.i18n import current_language
from . import data
from .params import PosterOptions, export_filters, poster_options
from .responses import attachment, file_name, refuse_parameter, refuse_too_many
from .views import bp, export_rate_limit

MEDIA_TYPES = {"png": "image/png", "pdf": "application/pdf"}
_lock = Lock()


def default_title(filters: ReportFilters) -> str:
    """A title from the filters' kind, or from their categories when those belong to one kind."""
    taxonomy = get_taxonomy()
    kinds = {k for c in filters.categories for k in KINDS if taxonomy.is_valid(k, c)}
    kind = filters.kind or (kinds.pop() if len(kinds) == 1 else None)
    if kind == "challenge":
        return _("Challenges reported in Jerusalem's neighborhoods and villages")
    if kind == "initiative":
        return _("Community initiatives in Jerusalem's neighborhoods and villages")
    return _("Challenges and initiatives in Jerusalem's neighborhoods and villages")


def _cache() -> LRUCache:
    return app_state().posters


def poster_inputs(filters: ReportFilters, options: PosterOptions, lang: str) -> dict:
    """What :func:`geo.drawing.poster.render_poster` draws for these filters and options (but the layers
    and the format): exact counts per area and/or public points, and every text in ``lang``.

    Raises :class:`data.TooManyRows` when the points mode would need more than ``EXPORT_MAX_ROWS``.
    """
    counts = points = None
    if options.mode in ("choropleth", "both"):
        frame = grouped_counts(filters)
        counts = {str(k): int(v) for k, v in frame.groupby("area")["count"].sum().items()}
    if options.mode in ("points", "both"):
        points = data.poster_points(data.labelled(data.public_rows(filters, data.cap()), lang))
    sources = data.sources_lines()
    if data.has_demo(filters):
        sources.append(_("Includes demonstration data, not real reports."))
    k = min_public_count()
    if counts is not None and k > 1:
        sources.append(_("Areas with fewer than %(k)d reports share one shade, shown as \"<%(k)d\".", k=k))
    return {"points": points, "counts": counts, "title": options.title or default_title(filters),
            "subtitle": options.subtitle or data.filter_summary(filters, lang), "lang": lang,
            "paper": options.paper, "orientation": options.orientation,
            "legend_title": _("Categories") if options.mode == "points" else _("Reports per area"),
            "sources_text": "\n".join(sources), "date_text": data.date_text(), "min_count": k,
            **_trend_inputs(filters, options.trend)}


def _trend_inputs(filters: ReportFilters, by: str) -> dict:
    """The poster's trend chart (``trend=year|month``): the public table of /api/v1/trends, suppressed
    the same way (a "<k" period is a light bar of fixed height)."""
    if by == "none":
        return {}
    table = public_table(published_trend(filters, by))
    rows = [{"label": r["period"] if by == "year" else f'{r["period"][5:7]}/{r["period"][:4]}',
             "value": 0 if isinstance(r["count"], str) else r["count"], "text": str(r["count"]),
             "approximate": isinstance(r["count"], str)} for r in table["periods"]]
    title = _("Reports per year") if by == "year" else _("Reports per month")
    return {"trend": rows, "trend_title": title} if rows else {}


def _render(filters: ReportFilters, options: PosterOptions, fmt: str, lang: str) -> bytes:
    layers = get_layers()
    return render_poster(layers.areas, layers.boundary, fmt=fmt, **poster_inputs(filters, options, lang))


@bp.get("/export/poster.<any(png, pdf):fmt>")
@limiter.limit(export_rate_limit)
def poster(fmt: str):
    """The poster in the page language; ``paper``, ``orientation``, ``mode``, ``title``, ``subtitle``
    and the report filters come from the query string (see ``params.poster_options``)."""
    try:
        filters = export_filters(request.args)
        options = poster_options(request.args)
    except ParameterError as exc:
        return refuse_parameter(exc)
    lang = current_language()
    # The version is read before the data (see versioning): a cached poster never shows older
    # data than its key names. The date is in the key because it is printed on the poster.
    key = (tuple(current_data_version()), data.today(), lang, fmt, options, tuple(filters.to_args()),
           min_public_count())
    cache = _cache()
    with _lock:
        body = cache.get(key)
    if body is None:
        try:
            body = _render(filters, options, fmt, lang)
        except data.TooManyRows as exc:
            return refuse_too_many(exc)
        with _lock:
            cache[key] = body
    return attachment(body, MEDIA_TYPES[fmt], file_name("poster", f".{fmt}"), inline=True)
