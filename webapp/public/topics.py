"""Topic pages /topics/<category>: one challenge category across the whole city.

What an advocate needs to show how big a challenge is and how it changes: the map filtered to
the category with the areas shaded by their count (the ``/embed`` map, with its choropleth), the
trend per year (:func:`webapp.public.charts.trend_figure`), the areas ranked, the initiatives and
organizations working on it, the newest reports, and a poster, a share card and a feed of the
category. Every count goes through ``public_count`` (the small-count suppression of the map);
report fields come from ``reporting.public_dict`` only. An unknown category is a 404 page.
"""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from geo.drawing.trends import sum_map_svg

from ..extensions import db
from ..store import queries, whocanhelp
from ..store.layers import get_display_layers
from ..store.organizations import display_name
from ..store.reporting import get_taxonomy
from ..store.stats import grouped_counts, min_public_count, public_count
from ..store.trends import area_sums, numeric_fields
from ..store.versioning import current_data_version
from ..web.i18n import current_language
from ..web.places import place_name, report_item
from .charts import trend_figure
from .views import bp

#: Areas listed in the ranking, newest reports and initiatives shown: the rest are a click away.
AREA_LIMIT, LIST_LIMIT, INITIATIVE_LIMIT = 25, 10, 10


def _ranking(category: str, field: str | None, lang: str) -> tuple[list[dict], int]:
    """Areas by their number of published challenges of ``category`` (or by the sum of ``field``),
    most first; and the citywide count."""
    filters = queries.ReportFilters(kind="challenge", categories=(category,))
    frame = grouped_counts(filters)
    total = int(frame["count"].sum()) if len(frame) else 0
    rows = []
    for slug, (n, total_value) in area_sums(filters, field).items():
        count = public_count(n)
        hidden = isinstance(count, str)
        # A sum is published only next to a count that is: it would tell what "<k" hides.
        # Hidden areas sort by name alone: an order by their count would tell what "<k" hides.
        rows.append({"slug": slug, "name": place_name(slug, lang), "count": count,
                     "sum": None if hidden or total_value is None else _round(total_value),
                     "order": (-(total_value or 0) if field and not hidden else 0, 0 if hidden else -n)})
    rows.sort(key=lambda r: (r["order"], r["name"]))
    return rows, total


def _sum_map(ranking: list[dict], field_label: str, lang: str) -> dict:
    """The areas shaded by the field's sum (a static SVG: the framed map shades counts only)."""
    k = min_public_count()
    sums = {r["slug"]: r["sum"] for r in ranking if r["sum"] is not None}
    hidden = {r["slug"] for r in ranking if isinstance(r["count"], str)}
    areas = get_display_layers().areas
    names = {slug: place_name(slug, lang) for slug in areas["slug"]}
    svg, legend = sum_map_svg(areas, sums, hidden, names, chart_id="sum-map",
                              title=_("Areas shaded by %(field)s", field=field_label),
                              hidden_text=_("fewer than %(k)d reports", k=k))
    return {"svg": Markup(svg), "legend": legend}  # noqa: S704 - sum_map_svg escapes every text


def _round(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def _initiatives(category: str, lang: str) -> tuple[list[dict], int]:
    addressing = whocanhelp.initiatives_addressing([category], limit=INITIATIVE_LIMIT)
    found, total = addressing.get(category, ([], 0))
    items = []
    for link in found:
        item = report_item(link.report, lang)
        item.update(named=link.named, whole=link.whole_category)
        items.append(item)
    return items, total


def _organizations(category: str, lang: str) -> list[dict]:
    orgs = [{"id": org.id, "name": display_name({"name_ar": org.name_ar, "name_en": org.name_en}, lang)}
            for org, _cats in whocanhelp.organizations_working_on([category])]
    return sorted(orgs, key=lambda o: o["name"].casefold())


def _field_label(f, lang: str) -> str:
    unit = f.unit(lang)
    return f"{f.label(lang)} ({unit})" if unit else f.label(lang)


@bp.get("/topics/<category>")
def topic(category: str):
    """One challenge category citywide; 404 for an id that is not a challenge category."""
    cat = get_taxonomy().get("challenge", category)
    if cat is None:
        abort(404)
    lang = current_language()
    label = cat.label(lang)
    filters = queries.ReportFilters(kind="challenge", categories=(category,))
    fields = numeric_fields("challenge", (category,))
    # A page, not the API: a field it does not know is ignored (the counts are shown instead).
    field = request.args.get("field") if request.args.get("field") in fields else None
    chosen = fields.get(field) if field else None
    ranking, total = _ranking(category, field, lang)
    field_label = _field_label(chosen, lang) if chosen else None
    title = (_("%(topic)s: %(field)s per year", topic=label, field=field_label) if chosen
             else _("%(topic)s: challenges reported per year", topic=label))
    rows = db.session.scalars(queries.public_reports(
        queries.ReportFilters(kind="challenge", categories=(category,), limit=LIST_LIMIT))).all()
    initiatives, initiatives_total = _initiatives(category, lang)
    map_args = {"kind": "challenge", "category": category, "choropleth": "challenge",
                "choropleth_category": category}
    return render_template(
        "public/topic.html", category=cat, label=label, total=public_count(total),
        ranking=ranking[:AREA_LIMIT], ranking_more=max(len(ranking) - AREA_LIMIT, 0),
        trend=trend_figure(filters, lang, chart_id="trend-chart", colour=cat.colour, field=field,
                           field_label=field_label, title=title),
        fields=[{"id": f.id, "label": _field_label(f, lang),
                 "url": url_for("public.topic", category=category, field=f.id)} for f in fields.values()],
        field=field, field_label=field_label,
        counts_url=url_for("public.topic", category=category),
        sum_map=_sum_map(ranking, field_label, lang) if field else None,
        newest=[report_item(r, lang) for r in rows[:LIST_LIMIT]], has_more=total > LIST_LIMIT,
        initiatives=initiatives, initiatives_more=max(initiatives_total - len(initiatives), 0),
        organizations=_organizations(category, lang),
        embed_url=url_for("exports.embed", **map_args), map_url=url_for("public.index", **map_args),
        list_url=url_for("public.report_list", kind="challenge", category=category),
        poster_url=url_for("exports.poster", fmt="pdf", kind="challenge", category=category, trend="year"),
        poster_png_url=url_for("exports.poster", fmt="png", kind="challenge", category=category,
                               trend="year"),
        feed_url=url_for("public.topic_feed", category=category, lang=lang),
        card_url=url_for("cards.topic", category=category, v=current_data_version().version, _external=True),
        min_count=min_public_count(),
    )
