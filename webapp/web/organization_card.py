"""An organization as pages show it (the directory, its page, the moderation tab): names in the
page's language, labels of its kind, areas and categories, its logo and website as safe links."""

from __future__ import annotations

from flask import url_for

from ..store.layers import place_names
from ..store.organizations import display_name
from ..store.reporting import get_taxonomy
from .labels import ORG_KIND_LABELS
from .links import safe_link


def card(org: dict, lang: str) -> dict:
    """What the directory and other pages show about an organization."""
    names = place_names()
    taxonomy = get_taxonomy()
    return {**org, "name": display_name(org, lang),
            "other_name": (org["name_ar"] if lang == "en" else org["name_en"])
            if org["name_ar"] and org["name_en"] else "",
            "kind_label": str(ORG_KIND_LABELS.get(org["kind"], org["kind"])),
            "area_names": [(s, names.get(s, {}).get(lang) or names.get(s, {}).get("en") or s)
                           for s in org["areas"]],
            "category_labels": [(c, cat.label(lang) if (cat := taxonomy.get("challenge", c)) else c)
                                for c in org["categories"]],
            "logo_url": url_for("organizations.logo", filename=org["logo"]) if org["logo"] else None,
            "website_url": safe_link(org["website"])}
