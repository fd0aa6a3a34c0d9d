"""The "Who can help" section of challenge and area pages: template data from ``store.whocanhelp``.

Organizations show only what they chose to publish (website, public phone and e-mail);
initiatives only their public link. Every entry links to its request-to-connect form.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from ..store import whocanhelp as helpers
from ..store.demotext import localized_title
from ..store.layers import place_names
from ..store.reporting import get_taxonomy
from ..web.links import safe_link


def organization_url(org_id: int) -> str:
    """The public page of an organization."""
    return url_for("organizations.organization_page", org_id=org_id)


def _distance_label(metres: float) -> str:
    if metres == float("inf"):
        return ""
    if metres >= 1000:
        return _("%(n)s km", n=format_decimal(round(metres / 1000, 1)))
    return _("%(n)s m", n=format_decimal(round(metres / 10) * 10))


def _entry(helper: helpers.Helper, lang: str) -> dict:
    taxonomy = get_taxonomy()
    cats = [taxonomy.get("challenge", c) for c in helper.categories]
    common = {"kind": helper.kind, "here": helper.here, "distance": _distance_label(helper.distance_m),
              "categories": [c.label(lang) for c in cats if c]}
    names = place_names()
    if helper.organization is not None:
        org = helper.organization
        own, other = (org.name_ar, org.name_en) if lang == "ar" else (org.name_en, org.name_ar)
        return {**common, "id": org.id, "name": own or other,
                "other_name": other if own and other != own else "",
                "is_demo": org.is_demo, "url": organization_url(org.id),
                "website": safe_link(org.website), "phone": org.public_phone,
                "email": org.public_email,
                "connect_url": url_for("connect.organization", id=org.id),
                "areas": sorted(n for n in ((names.get(a.area) or {}).get(lang, "") for a in org.areas) if n)}
    report = helper.report
    area = (names.get(report.area or "") or {}).get(lang, "")
    shown = localized_title({"title": report.title, "is_demo": report.is_demo, "kind": report.kind,
                             "category": report.category, "area": report.area}, lang)
    return {**common, "id": report.id, "name": shown, "other_name": "", "is_demo": report.is_demo,
            "url": url_for("public.report_detail", id=report.id), "website": safe_link(report.link),
            "phone": "", "email": "", "connect_url": url_for("connect.initiative", id=report.id),
            "areas": [area] if area else []}


def who_can_help(categories: list[str], origin: tuple[float, float], area: str | None, lang: str) -> dict:
    """Template data for ``public/_who_can_help.html``."""
    found = helpers.who_can_help(categories, origin, area=area)
    return {"helpers": [_entry(h, lang) for h in found.helpers],
            "organizations_total": found.organizations_total,
            "initiatives_total": found.initiatives_total, "more": found.more}
