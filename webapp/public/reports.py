"""Public report pages: the permalink /reports/<id>, published photos, and the map layer's settings.

Only published reports exist here: anything else is a plain 404, so a pending,
rejected or archived report cannot be told apart from one that never existed.
Fields come from ``reporting.public_dict``; the exact point, contact and author
never reach a template.
"""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from geo.spatial.demo import DEMO_PREFIX, demo_title

from ..extensions import db
from ..store import lifecycle, photos, queries, sitesettings
from ..store.demotext import localized, localized_title
from ..store.layers import place_names
from ..store.models import Report
from ..store.organizations import display_name, public_lookup
from ..store.public_fields import public_field_defs
from ..store.report_fields import display_fields
from ..store.reporting import get_taxonomy, public_dict
from ..web.i18n import current_language
from ..web.images import send_image
from ..web.links import safe_link
from .views import bp
from .whocanhelp import who_can_help

KIND_LABELS = {"challenge": _l("Challenge"), "initiative": _l("Initiative")}


def _fields(report: Report) -> dict:
    """What ``localized_title`` needs of a report."""
    return {"title": report.title, "is_demo": report.is_demo, "kind": report.kind,
            "category": report.category, "area": report.area}


def _summary(report: Report, lang: str) -> dict:
    """What a list item on a report page shows about a related report."""
    cat = get_taxonomy().get(report.kind, report.category)
    names = place_names().get(report.area or "", {})
    return {"id": report.id, "title": localized_title(_fields(report), lang), "is_demo": report.is_demo,
            "category": cat.label(lang) if cat else report.category,
            "colour": cat.colour if cat else "#4a4e69",
            "area": names.get(lang) or names.get("en") or ""}


def _related(report: Report, lang: str) -> dict:
    """The networking lists: who works on a challenge, what an initiative works on."""
    taxonomy = get_taxonomy()
    if report.kind == "challenge":
        found = db.session.scalars(queries.initiatives_for_challenge(report)).all()
        named_ids = {r.id for r in report.addressed_by}
        return {
            "named": [_summary(r, lang) for r in found if r.id in named_ids],
            "by_category": [_summary(r, lang) for r in found if r.id not in named_ids],
        }
    challenges = db.session.scalars(queries.challenges_for_initiative(report)).all()
    cats = [taxonomy.get("challenge", a.category) for a in report.addressed_categories]
    return {"challenges": [_summary(r, lang) for r in challenges],
            "categories": sorted(c.label(lang) for c in cats if c)}


def _organization(data: dict, lang: str) -> dict | None:
    """The initiative's published organization: id and name in ``lang`` (None when not linked)."""
    org = public_lookup().get(data.get("organization_id")) if data.get("organization_id") else None
    return {"id": org["id"], "name": display_name(org, lang)} if org else None


@bp.get("/reports/<id:id>")
def report_detail(id: int):
    report = db.session.scalars(queries.published_report(id)).first()
    if report is None:
        abort(404)
    lang = current_language()
    data = public_dict(report)
    data.update(localized(data, lang))  # a demo report in the page's language
    cat = get_taxonomy().get(report.kind, report.category)
    names = place_names().get(report.area or "")
    point = {"lat": data["lat"], "lon": data["lon"], "zoom": 16 if report.precision == "exact" else 15,
             "colour": cat.colour if cat else "#4a4e69",
             "tiles": sitesettings.get("TILE_URL"),
             "attribution": sitesettings.get("TILE_ATTRIBUTION")}
    photo = url_for("public.photo", filename=data["photo"]) if data.get("photo") else None
    return render_template(
        "public/report.html", report=data, kind_label=KIND_LABELS.get(report.kind, report.kind),
        category_label=cat.label(lang) if cat else report.category, category=cat,
        area_names=names, link=safe_link(data["link"]), photo_url=photo, point=point,
        related=_related(report, lang), organization=_organization(data, lang),
        who=who_can_help([report.category], (report.public_lon, report.public_lat), report.area, lang)
        if report.kind == "challenge" else None,
        observed_label=format_date(report.observed_on, "long") if report.observed_on else "",
        figures=display_fields(report.kind, report.category, data["fields"], lang),
    )


@bp.get("/photos/<filename>")
def photo(filename: str):
    """A photo, only while the report it belongs to is published."""
    # Only names the app generates (hex + extension): no path tricks reach the disk.
    if not photos.NAME.match(filename):
        abort(404)
    owner = db.session.scalars(
        queries.published().where(Report.photo == filename).limit(1)).first()
    if owner is None:
        abort(404)
    return send_image(filename)


@bp.app_template_global("reports_layer_config")
def reports_layer_config() -> dict:
    """Settings for ``static/js/reports-layer.js`` (embedded once in the map page).

    Constant size: the reports themselves are fetched from the API, never inlined.
    """
    lang = current_language()
    return {
        "api": url_for("api.reports"),
        "limit": queries.MAX_LIMIT,
        "lang": lang,
        "categories": get_taxonomy().as_dict(lang),
        # Public structured fields, for popups: label, unit, choices in the page's language, and
        # the taxonomy's order (JSON objects reach the page with sorted keys).
        "fields": {f.id: {"type": f.type, "label": f.label(lang), "unit": f.unit(lang), "order": n,
                          "choices": {c.id: c.label(lang) for c in f.choices}}
                   for n, f in enumerate(public_field_defs().values())},
        # The legend links each challenge category to its topic page (/topics/<id>).
        "topicUrl": url_for("public.topic", category="x").rsplit("/", 1)[0] + "/",
        "strings": {
            "challenge": _("Challenges"), "initiative": _("Initiatives"),
            "challengeOne": _("Challenge"), "initiativeOne": _("Initiative"),
            "legend": _("Legend"), "demo": _("Demo"),
            "more": _("Read more"), "loadError": _("The reports could not be loaded."),
            "truncated": _("Only the newest reports are shown."),
            "organization": _("Organization"),
            "yes": _("Yes"), "no": _("No"),
            "symbols": _("Symbols"),
            "clusterHelp": _("A group of reports, with their number: circle for challenges, square for "
                             "initiatives, in the colour of their most frequent category. Zoom in to "
                             "see each report."),
            "placeHelp": _("A neighborhood or village without a mapped boundary"),
            "eastHelp": _("Area of East Jerusalem"),
            "otherHelp": _("Other area (West Jerusalem, or outside the municipal boundary)"),
            "boundaryHelp": _("Municipal boundary"),
            "demoHelp": _("Dashed outline: demo report"),
            "topic": _("%(topic)s across the city"),
        },
        "dir": "rtl" if lang == "ar" else "ltr",
        # Public states (store.lifecycle): popups name them, settled ones are drawn faded.
        "states": {state: lifecycle.label(state) for state in lifecycle.ALL_STATES},
        "closedStates": list(lifecycle.CLOSED),
        # Demo reports are shown in the page's language: their title patterns in both (the
        # prefix's word apart, so the page holds no demo title, nor a look-alike).
        "demoTitles": {code: {"prefix": DEMO_PREFIX[code].strip("[]"),
                              **{kind: demo_title(kind, "{cat}", "{area}", code)[len(DEMO_PREFIX[code]) + 1:]
                                 for kind in ("challenge", "initiative")}} for code in ("ar", "en")},
    }
