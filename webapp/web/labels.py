"""Human labels for what the database stores as ids (categories, areas, statuses, actions, kinds
of organization), and the ``?status=`` tab of a moderation list."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..store.layers import place_names
from ..store.reporting import get_taxonomy
from .i18n import current_language
from .report_form import KIND_LABELS, PRECISION_LABELS  # one wording everywhere

STATUS_LABELS = {"pending": _l("Pending"), "published": _l("Published"),
                 "rejected": _l("Rejected"), "archived": _l("Archived")}
SOURCE_LABELS = {"organizer": _l("Organizer"), "public": _l("Public suggestion"),
                 "import": _l("Imported file")}
ORG_KIND_LABELS = {"community_group": _l("Community group"), "ngo": _l("NGO / association"),
                   "school": _l("School or university"),
                   "service": _l("Service (clinic, centre, library…)"),
                   "cooperative": _l("Cooperative"), "religious": _l("Religious institution"),
                   "other": _l("Other")}
# Verbs, not participles: in Arabic the audit log reads as verbal nouns (نشر، رفض…).
ACTION_LABELS = {"create": _l("Create"), "edit": _l("Edit"), "publish": _l("Publish"), "import": _l("Import"),
                 "reject": _l("Reject"), "archive": _l("Archive")}


def category_label(kind: str, category: str) -> str:
    cat = get_taxonomy().get(kind, category)
    # A category removed from the taxonomy still shows its stored id rather than nothing.
    return cat.label(current_language()) if cat else category


def area_label(slug: str | None) -> str:
    if not slug:
        return str(_l("Outside the mapped areas"))
    names = place_names().get(slug, {})
    return names.get(current_language()) or names.get("en") or slug


def label(table: dict, key: str | None) -> str:
    return str(table.get(key, key or ""))


def template_helpers() -> dict:
    """Passed to the moderation templates so they never show raw ids."""
    return {"category_label": category_label, "area_label": area_label,
            "status_label": lambda s: label(STATUS_LABELS, s),
            "kind_label": lambda k: label(KIND_LABELS, k),
            "source_label": lambda s: label(SOURCE_LABELS, s),
            "action_label": lambda a: label(ACTION_LABELS, a),
            "precision_label": lambda p: label(PRECISION_LABELS, p),
            "org_kind_label": lambda k: label(ORG_KIND_LABELS, k)}


def status_tab(default: str, choices) -> tuple[str, tuple | None]:
    """The ``?status=`` tab of a moderation list: ``(status, None)``, or ``(status, refusal)``
    with the 400 page to return when the value is not one of ``choices``."""
    status = request.args.get("status", default)
    if status in choices:
        return status, None
    message = _("Unknown status “%(status)s”. Choose one of: %(choices)s.",
                status=status[:40], choices=", ".join(choices))
    return status, (render_template("error.html", code=400, message=message), 400)
