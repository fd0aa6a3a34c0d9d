"""Updates: the timeline of a report.

Organizers write updates directly (``lifecycle.set_state`` with a note, published at once).
The public suggests updates through a form (:func:`suggest_update`): they wait in the
moderation queue like suggested reports (:func:`review_update`), and the suggester's contact is
private. Only published updates of published reports are public (:func:`published_updates`,
:func:`public_update`); everything public goes through :func:`public_update`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, func, select

from ..extensions import db
from .models import Report, ReportUpdate, User
from .moderation import Moves, transition
from .queries import PUBLIC_STATUS
from .reporting import audit
from .versioning import bump_data_version

#: Longest update text (characters) and longest private contact.
MAX_BODY, MAX_CONTACT = 2000, 300
#: Suggestions are published or rejected (no archive): the moves of ``store.moderation``.
REVIEW_ACTIONS: Moves = {"publish": ("published", frozenset({"pending", "rejected"})),
                         "reject": ("rejected", frozenset({"pending", "published"}))}


def suggest_update(report: Report, body: str, contact: str = "",
                   happened_on: dt.date | None = None) -> ReportUpdate:
    """Store an update suggested by the public, pending review; commits.

    ``happened_on`` is the optional date of the event (checked by the form with
    ``report_rules.event_date_error``).
    """
    update = ReportUpdate(report=report, source="public", body=body[:MAX_BODY],
                          contact=contact[:MAX_CONTACT], happened_on=happened_on, status="pending")
    db.session.add(update)
    db.session.commit()
    return update


def review_update(update: ReportUpdate, action: str, user: User, reason: str = "") -> None:
    """Publish or reject a suggested update (audited on its report); illegal moves raise ValueError."""
    transition(update, action, REVIEW_ACTIONS, reason)  # ValueError for an illegal move
    audit(update.report, f"update {action}", user, f"update {update.id}")
    # Feeds, the API and the report page show updates: their caches follow the data version.
    update.report.changed_version = bump_data_version()
    db.session.commit()


def published_updates_query() -> Select:
    """Published updates of published reports (the only ones anybody outside may see)."""
    return (select(ReportUpdate).join(Report, ReportUpdate.report_id == Report.id)
            .where(ReportUpdate.status == PUBLIC_STATUS, Report.status == PUBLIC_STATUS))


def published_updates(report_id: int) -> list[ReportUpdate]:
    """The timeline of one report, oldest first."""
    stmt = published_updates_query().where(ReportUpdate.report_id == report_id).order_by(
        ReportUpdate.published_at, ReportUpdate.id)
    return list(db.session.scalars(stmt))


def update_counts(report_ids: list[int]) -> dict[int, int]:
    """Published updates per report id (one grouped query)."""
    if not report_ids:
        return {}
    stmt = (select(ReportUpdate.report_id, func.count()).where(
        ReportUpdate.report_id.in_(report_ids), ReportUpdate.status == PUBLIC_STATUS)
        .group_by(ReportUpdate.report_id))
    return dict(db.session.execute(stmt).all())


def _iso(value: dt.datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() if value else None


def public_update(update: ReportUpdate) -> dict:
    """The public fields of an update: never its contact, author or rejection reason."""
    return {"id": update.id, "report_id": update.report_id, "source": update.source,
            "text": update.body, "state": update.state, "previous_state": update.previous_state,
            "photo": update.photo, "published_at": _iso(update.published_at),
            "happened_on": update.happened_on.isoformat() if update.happened_on else None}


def pending_updates() -> list[ReportUpdate]:
    """Suggested updates waiting for review, oldest first (for organizers)."""
    return list(db.session.scalars(select(ReportUpdate).where(ReportUpdate.status == "pending")
                                   .order_by(ReportUpdate.created_at, ReportUpdate.id)))


def published_photo_owner(filename: str) -> ReportUpdate | None:
    """The published update (of a published report) that shows ``filename``, if any."""
    return db.session.scalars(published_updates_query().where(ReportUpdate.photo == filename)
                              .limit(1)).first()
