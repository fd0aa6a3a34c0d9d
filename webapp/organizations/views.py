"""Public pages: the directory /organizations, one page per organization, and logos.

Only published organizations exist here: anything else is a plain 404. Fields come from
``store.organizations.public_dict``; who created an organization, its rejection reason and its audit
log never reach a template.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..store import photos, sitesettings
from ..store.models import ORG_KINDS, Organization
from ..store.organization_filters import directory_filters
from ..store.organizations import (
    get_published,
    matches,
    public_dict,
    published_dicts,
    published_initiatives,
)
from ..store.reporting import get_taxonomy
from ..store.reporting import public_dict as report_public_dict
from ..store.versioning import current_data_version
from ..web.i18n import current_language
from ..web.images import send_image
from ..web.organization_card import card
from ..web.places import area_outline, category_style, places, report_item
from .forms import KIND_LABELS, area_choices

bp = Blueprint("organizations", __name__)

#: Initiatives listed (and drawn) on an organization's page.
INITIATIVE_LIMIT = 50


@bp.get("/organizations")
def directory():
    lang = current_language()
    filters, problems = directory_filters(request.args, lenient=True)
    # A directory reads alphabetically (in the page's language); the API pages by id instead.
    orgs = sorted((card(o, lang) for o in published_dicts() if matches(o, **filters)),
                  key=lambda o: o["name"].casefold())
    taxonomy = get_taxonomy()
    return render_template(
        "organizations/directory.html", orgs=orgs, filters=filters, problems=problems,
        areas=area_choices(lang), kinds=[(k, KIND_LABELS[k]) for k in ORG_KINDS],
        categories=[(c.id, c.label(lang)) for c in taxonomy.categories("challenge")])


def _map_config(org: dict, initiatives: list[dict], lang: str) -> dict:
    """Settings for static/js/org-map.js: outlines of the areas served, points of the others."""
    outlines, points = [], []
    for slug in org["areas"]:
        place = places().get(slug)
        if place is None:
            continue
        shape = area_outline(slug)
        name = place["names"].get(lang) or place["names"].get("en") or slug
        if shape is not None:
            outlines.append({"type": "Feature", "geometry": shape, "properties": {"name": name}})
        else:
            points.append({"lat": place["lat"], "lon": place["lon"], "name": name})
    reports = []
    for item in initiatives:
        reports.append({"id": item["id"], "lat": item["lat"], "lon": item["lon"], "title": item["title"],
                        "colour": item["colour"], "url": url_for("public.report_detail", id=item["id"])})
    return {"tiles": sitesettings.get("TILE_URL"), "attribution": sitesettings.get("TILE_ATTRIBUTION"),
            "outlines": outlines, "points": points, "reports": reports,
            "dir": "rtl" if lang == "ar" else "ltr",
            "strings": {"initiative": _("Initiative")}}


@bp.get("/organizations/<id:org_id>")
def organization_page(org_id: int):
    org = get_published(org_id)
    if org is None:
        abort(404)
    lang = current_language()
    data = card(public_dict(org), lang)
    initiatives = []
    for report in published_initiatives(org.id, INITIATIVE_LIMIT):
        item = report_item(report, lang)
        public = report_public_dict(report)
        item.update(lat=public["lat"], lon=public["lon"])
        initiatives.append(item)
    category_links = [{"id": c, "label": label, "colour": category_style("challenge", c, lang)[1],
                       "map_url": url_for("public.index", kind="challenge", category=c),
                       "list_url": url_for("public.report_list", kind="challenge", category=c)}
                      for c, label in data["category_labels"]]
    return render_template("organizations/page.html", org=data, initiatives=initiatives,
                           category_links=category_links, map_config=_map_config(data, initiatives, lang),
                           card_version=current_data_version().version)


@bp.get("/organizations/logos/<filename>")
def logo(filename: str):
    """A logo, only while its organization is published."""
    if not photos.NAME.match(filename):
        abort(404)
    owner = db.session.scalars(db.select(Organization.id).where(
        Organization.logo == filename, Organization.status == "published").limit(1)).first()
    if owner is None:
        abort(404)
    return send_image(filename)
