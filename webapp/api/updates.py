"""/api/v1/reports/<id>/updates: the timeline of a published report, and its counts."""

from __future__ import annotations

from flask import url_for

from ..extensions import db
from ..store import queries
from ..store.affected import joined_areas
from ..store.updates import public_update, published_updates
from .cache import cached_json
from .geojson import json_response as _json
from .views import bp


@bp.get("/v1/reports/<id:report_id>/updates")
@cached_json
def report_updates(report_id: int):
    """The published updates of one published report, oldest first (404 otherwise).

    Also the report's public state and, for a challenge, the areas that said "this affects
    us too" (``affected_areas``, with the challenge made of a signal when there is one).
    """
    report = db.session.scalars(queries.published_report(report_id)).first()
    if report is None:
        return _json({"error": "no such published report", "status": 404}, status=404)
    updates = []
    for update in published_updates(report.id):
        item = public_update(update)
        name = item.pop("photo")
        item["photo_url"] = url_for("progress.update_photo", filename=name) if name else None
        updates.append(item)
    areas = joined_areas(report.id) if report.kind == "challenge" else []
    return _json({"report_id": report.id, "status": report.lifecycle, "count": len(updates),
                  "updates": updates, "affected_areas": areas})
