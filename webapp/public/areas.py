"""Area profiles /areas/<slug>: one page per gazetteer place, joined with its reports.

Every one of the 137 places has a page: the 102 with a polygon show it and the
reports assigned to it; the 35 points without one show the point and name the
area their reports are counted in. Counts come from ``stats.grouped_counts`` (numpy over
the in-memory points of ``webapp.store.pointcache``) and go through ``public_count`` suppression; report
fields come from ``reporting.public_dict`` only, so nothing private reaches the page.
"""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from geo.reference.search import normalize

from ..extensions import db
from ..store import queries, sitesettings, whocanhelp
from ..store.demotext import localized_title
from ..store.organizations import display_name, matches, published_dicts
from ..store.reporting import get_taxonomy, locate, public_dict
from ..store.stats import area_totals, grouped_counts, min_public_count, public_count
from ..store.versioning import current_data_version
from ..web.i18n import current_language
from ..web.places import area_outline, category_style, place_name, places, report_item
from .charts import Bar, bar_chart_svg, trend_figure
from .reports import KIND_LABELS
from .views import bp
from .whocanhelp import who_can_help

#: Report markers embedded in the page: an area has tens of reports, a cap keeps a busy one light.
MAP_LIMIT = 500
#: Newest reports listed per kind; the rest are one click away in the list view.
LIST_LIMIT = 10
PLACE_KINDS = {"neighborhood": _l("Neighborhood"), "village": _l("Village"),
               "historic_village": _l("Village or neighborhood before 1948"),
               "old_city_quarter": _l("Quarter of the Old City"), "refugee_camp": _l("Refugee camp")}
SECTORS = {"east": _l("East Jerusalem"), "west": _l("West Jerusalem"),
           "outside": _l("Outside the municipal boundary")}


def list_url(**args: str) -> str:
    """A link to the public list view ``/reports`` filtered by ``args`` (e.g. area and kind)."""
    return url_for("public.report_list", **args)


def _chart(kind: str, by_category: dict[str, int], lang: str, title: str) -> dict:
    """Bars and table rows for one kind, most reported first, after suppression."""
    threshold = min_public_count()
    order = [c.id for c in get_taxonomy().categories(kind)]
    rows = []
    for key, n in by_category.items():
        shown = public_count(n)
        label, colour, _icon = category_style(kind, key, lang)
        # A suppressed count is drawn at a fixed length: the bar must not reveal what the text hides.
        value = threshold / 2 if isinstance(shown, str) else n
        rows.append(Bar(label=label, value=value, text=str(shown), colour=colour, key=key,
                        approximate=isinstance(shown, str)))
    rows.sort(key=lambda b: (-b.value, order.index(b.key) if b.key in order else len(order)))
    svg = bar_chart_svg(rows, chart_id=f"chart-{kind}", title=title, rtl=lang == "ar") if rows else None
    return {"svg": svg, "rows": rows, "title": title}


def _map_data(place: dict, lang: str) -> tuple[dict, bool]:
    """Settings for static/js/area-map.js: outline, point and the area's public report points."""
    rows = db.session.scalars(queries.public_reports(
        queries.ReportFilters(area=place["slug"], limit=MAP_LIMIT))).all()
    prefix = url_for("public.report_detail", id=0).rsplit("/", 1)[0] + "/"
    reports = []
    for report in rows[:MAP_LIMIT]:
        data = public_dict(report)
        label, colour, icon = category_style(data["kind"], data["category"], lang)
        reports.append({"id": data["id"], "kind": data["kind"], "lat": data["lat"], "lon": data["lon"],
                        "title": localized_title(data, lang), "category": label, "colour": colour,
                        "icon": icon,
                        "demo": data["is_demo"], "url": f"{prefix}{data['id']}"})
    config = {"tiles": sitesettings.get("TILE_URL"), "attribution": sitesettings.get("TILE_ATTRIBUTION"),
              "outline": area_outline(place["slug"]), "point": {"lat": place["lat"], "lon": place["lon"]},
              "reports": reports, "dir": "rtl" if lang == "ar" else "ltr",
              "strings": {"demo": _("Demo"), "more": _("Read more"),
                          "challenge": _("Challenge"), "initiative": _("Initiative")}}
    return config, len(rows) > MAP_LIMIT


def _listing(slug: str, kind: str, lang: str) -> list[dict]:
    rows = db.session.scalars(queries.public_reports(
        queries.ReportFilters(area=slug, kind=kind, limit=LIST_LIMIT))).all()
    return [report_item(r, lang) for r in rows[:LIST_LIMIT]]


def _network(slug: str, challenge_counts: dict[str, int], lang: str) -> list[dict]:
    """The "same challenge elsewhere" section, one entry per challenge category of the area."""
    order = [c.id for c in get_taxonomy().categories("challenge")]
    categories = sorted(challenge_counts, key=lambda c: (-challenge_counts[c],
                                                         order.index(c) if c in order else len(order)))
    out = []
    for net in whocanhelp.same_challenge_elsewhere(slug, categories):
        label, colour, _icon = category_style("challenge", net.category, lang)
        initiatives = []
        for link in net.initiatives:
            item = report_item(link.report, lang)
            item.update(named=link.named, whole=link.whole_category, facing=link.in_facing_area)
            initiatives.append(item)
        out.append({
            "key": net.category, "label": label, "colour": colour,
            "here": public_count(challenge_counts[net.category]),
            "areas": [{"slug": a.slug, "name": place_name(a.slug, lang), "count": public_count(a.count)}
                      for a in net.areas],
            "areas_more": net.areas_total - len(net.areas),
            "list_url": list_url(kind="challenge", category=net.category),
            "initiatives": initiatives, "initiatives_more": net.initiatives_total - len(initiatives),
        })
    return out


@bp.get("/areas/<slug>")
def area_profile(slug: str):
    """The profile of one neighborhood, village or place; 404 for a slug not in the gazetteer."""
    place = places().get(slug)
    if place is None:
        abort(404)
    lang = current_language()
    totals = area_totals(grouped_counts(queries.ReportFilters(area=slug))).get(
        slug, {"challenge": 0, "initiative": 0, "by_category": {"challenge": {}, "initiative": {}}})
    counted_in = None
    if not place["has_area"]:
        # Reports are assigned to polygons only, so a point-only place points to the area that holds it.
        host = locate(place["lon"], place["lat"])
        counted_in = {"slug": host, "name": place_name(host, lang)} if host else None
    map_config, truncated = _map_data(place, lang)
    charts = {kind: _chart(kind, totals["by_category"][kind], lang, title)
              for kind, title in (("challenge", _("Challenges by category")),
                                  ("initiative", _("Initiatives by category")))}
    return render_template(
        "public/area.html", place=place, names=place["names"],
        kind_label=PLACE_KINDS.get(place["kind"], place["kind"]),
        sector_label=SECTORS.get(place["sector"], place["sector"]),
        totals={k: public_count(totals[k]) for k in ("challenge", "initiative")},
        has_more={k: totals[k] > LIST_LIMIT for k in ("challenge", "initiative")},
        charts=charts, kind_labels=KIND_LABELS, counted_in=counted_in,
        lists={k: _listing(slug, k, lang) for k in ("challenge", "initiative")},
        more_urls={k: list_url(area=slug, kind=k) for k in ("challenge", "initiative")},
        network=_network(slug, totals["by_category"]["challenge"], lang),
        who=who_can_help(list(totals["by_category"]["challenge"]), (place["lon"], place["lat"]), slug, lang),
        map_config=map_config, map_truncated=truncated, map_limit=MAP_LIMIT,
        card_version=current_data_version().version,
        serving=_serving(slug, lang),
        trend=trend_figure(queries.ReportFilters(area=slug, kind="challenge"), lang, chart_id="trend-chart",
                           title=_("Challenges reported per year in %(name)s",
                                   name=place_name(slug, lang))),
    )


def _serving(slug: str, lang: str) -> list[dict]:
    """The published organizations that serve this area, by name: whatever they work on."""
    orgs = [{"id": o["id"], "name": display_name(o, lang), "kind": o["kind"]}
            for o in published_dicts() if matches(o, area=slug)]
    return sorted(orgs, key=lambda o: normalize(o["name"]))
