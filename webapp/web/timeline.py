"""What report pages show of a report's progress: its state badge, timeline and joined areas.

Shared by the public report page and the organizers' progress page (two blueprints), so it
lives here; the data comes from ``store.updates``, ``store.affected`` and ``store.lifecycle``.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import format_date

from ..store import affected, lifecycle, updates
from ..store.layers import place_names
from ..store.models import ReportUpdate


def _area_name(slug: str, lang: str) -> str:
    names = place_names().get(slug or "", {})
    return names.get(lang) or names.get("en") or slug or ""


def state_badge(state: str | None) -> dict:
    """``{key, label, closed}`` of a report's public state."""
    return {"key": state or "", "label": lifecycle.label(state), "closed": lifecycle.is_closed(state)}


def timeline_item(update: ReportUpdate) -> dict:
    """One timeline entry, ready for a template (public fields only)."""
    return {
        "id": update.id, "source": update.source, "text": update.body, "status": update.status,
        "state": state_badge(update.state) if update.state else None,
        "previous": state_badge(update.previous_state) if update.previous_state else None,
        "photo_url": url_for("progress.update_photo", filename=update.photo) if update.photo else None,
        # The date of the event when the author gave one, else when the update was published.
        "date": update.happened_on or update.published_at or update.created_at,
        "date_label": format_date(update.happened_on or update.published_at or update.created_at, "long"),
        "happened_on": update.happened_on,
    }


def timeline(report_id: int) -> list[dict]:
    """The published timeline of a published report, oldest first."""
    return [timeline_item(u) for u in updates.published_updates(report_id)]


def joined(report_id: int, lang: str) -> list[dict]:
    """Areas that said "this affects us too" (published), with their names and linked challenge."""
    return [{**a, "name": _area_name(a["area"], lang)} for a in affected.joined_areas(report_id)]


def progress_context(report, lang: str) -> dict:
    """Everything the report page's progress sections need."""
    first = affected.first_of(report.id) if report.kind == "challenge" else None
    return {"state": state_badge(report.lifecycle), "timeline": timeline(report.id),
            "joined": joined(report.id, lang) if report.kind == "challenge" else [],
            "joined_from": {"id": first.id, "title": first.title} if first else None}


def area_joined(slug: str, lang: str) -> dict:
    """For an area page: challenges here that other areas joined, and challenges it joined."""
    data = affected.joined_for_area(slug)
    return {
        "here": [{"id": e["report"].id, "title": e["report"].title,
                  "areas": [{"slug": a, "name": _area_name(a, lang)} for a in e["areas"]]}
                 for e in data["here"]],
        "elsewhere": [{"id": r.id, "title": r.title, "area": r.area, "area_name": _area_name(r.area, lang)}
                      for r in data["elsewhere"]],
    }
