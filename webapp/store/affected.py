""""This affects us too": residents of another area join a challenge.

A resident picks her own area on a challenge's page (:func:`add_signal`): the signal waits for
review (:func:`review_signal`), its optional contact stays private. Once published, the
challenge page and the areas' "same challenge elsewhere" sections show the areas that joined
(:func:`joined_areas`, :func:`joined_for_area`). An organizer can turn a signal into a challenge
of its own in that area, linked to the first (:func:`promote`).
"""

from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from .models import AffectedArea, Report, User, utcnow
from .moderation import Moves, transition
from .queries import PUBLIC_STATUS
from .reporting import audit, create_report
from .versioning import bump_data_version
from .whocanhelp import area_points

MAX_CONTACT = 300
#: Suggestions are published or rejected (no archive): the moves of ``store.moderation``.
REVIEW_ACTIONS: Moves = {"publish": ("published", frozenset({"pending", "rejected"})),
                         "reject": ("rejected", frozenset({"pending", "published"}))}


def add_signal(report: Report, area: str, contact: str = "") -> AffectedArea:
    """Store a pending "this affects us too" from ``area`` on the challenge ``report``; commits."""
    if report.kind != "challenge":
        raise ValueError("only a challenge can be joined")
    signal = AffectedArea(report=report, area=area, contact=contact[:MAX_CONTACT], status="pending")
    db.session.add(signal)
    db.session.commit()
    return signal


def review_signal(signal: AffectedArea, action: str, user: User, reason: str = "") -> None:
    """Publish or reject a signal (audited on its challenge); illegal moves raise ValueError."""
    transition(signal, action, REVIEW_ACTIONS, reason)  # ValueError for an illegal move
    audit(signal.report, f"signal {action}", user, f"{signal.area}")
    signal.report.changed_version = bump_data_version()
    db.session.commit()


def promote(signal: AffectedArea, user: User) -> Report:
    """A published challenge of its own in the signal's area, linked to the first; commits.

    The new challenge takes the first one's kind, category and title, and the area's
    representative point with precision ``area`` (only the area is known). The signal is
    published too: the first challenge then links to the new one.
    """
    if signal.linked_report_id is not None:
        raise ValueError("already a challenge of its own")
    first = signal.report
    lon, lat = area_points()[signal.area]
    report = create_report({
        "kind": "challenge", "category": first.category, "title": first.title,
        "description": first.description, "lon": lon, "lat": lat, "precision": "area",
        "observed_on": None, "organization": "", "link": "", "contact": "", "is_demo": first.is_demo,
    }, user=user, source="organizer", publish=True)
    signal.linked_report_id = report.id
    if signal.status != "published":
        signal.status, signal.published_at = "published", utcnow()

    audit(first, "signal promote", user, f"{signal.area} → {report.id}")
    first.changed_version = bump_data_version()
    db.session.commit()
    return report


def _published():
    return (select(AffectedArea).join(Report, AffectedArea.report_id == Report.id)
            .where(AffectedArea.status == PUBLIC_STATUS, Report.status == PUBLIC_STATUS))


def joined_areas(report_id: int) -> list[dict]:
    """The areas that joined a challenge: ``{area, linked_report_id}`` once per area, oldest first.

    ``linked_report_id`` is the published challenge made of a signal from that area, if any.
    """
    out: dict[str, int | None] = {}
    for signal in db.session.scalars(_published().where(AffectedArea.report_id == report_id)
                                     .order_by(AffectedArea.published_at, AffectedArea.id)):
        linked = signal.linked_report if signal.linked_report is not None \
            and signal.linked_report.status == PUBLIC_STATUS else None
        if out.get(signal.area) is None:
            out[signal.area] = linked.id if linked else None
    return [{"area": a, "linked_report_id": r} for a, r in out.items()]


def first_of(report_id: int) -> Report | None:
    """The published challenge a challenge was made from ("this affects us too"), if any."""
    return db.session.scalars(
        select(Report).join(AffectedArea, AffectedArea.report_id == Report.id)
        .where(AffectedArea.linked_report_id == report_id, Report.status == PUBLIC_STATUS)).first()


def joined_for_area(area: str) -> dict[str, list]:
    """For an area page: ``here`` = challenges of this area others joined (with their areas),
    ``elsewhere`` = challenges of other areas this area joined."""
    here: dict[int, dict] = {}
    elsewhere: dict[int, Report] = {}
    for signal in db.session.scalars(_published().order_by(AffectedArea.id)):
        report = signal.report
        if report.area == area and signal.area != area:
            entry = here.setdefault(report.id, {"report": report, "areas": []})
            if signal.area not in entry["areas"]:
                entry["areas"].append(signal.area)
        elif signal.area == area and report.area != area:
            elsewhere[report.id] = report
    return {"here": list(here.values()), "elsewhere": list(elsewhere.values())}


def signal_counts(report_ids: list[int]) -> dict[int, int]:
    """Distinct published areas that joined, per challenge id (one grouped query)."""
    if not report_ids:
        return {}
    stmt = (select(AffectedArea.report_id, func.count(func.distinct(AffectedArea.area)))
            .where(AffectedArea.report_id.in_(report_ids), AffectedArea.status == PUBLIC_STATUS)
            .group_by(AffectedArea.report_id))
    return dict(db.session.execute(stmt).all())


def pending_signals() -> list[AffectedArea]:
    """Signals waiting for review, oldest first (for organizers)."""
    return list(db.session.scalars(select(AffectedArea).where(AffectedArea.status == "pending")
                                   .order_by(AffectedArea.created_at, AffectedArea.id)))


def promotable_signals(limit: int = 100) -> list[AffectedArea]:
    """Published signals not yet made a challenge of their own, newest first (for organizers)."""
    return list(db.session.scalars(_published().where(AffectedArea.linked_report_id.is_(None))
                                   .order_by(AffectedArea.published_at.desc(), AffectedArea.id.desc())
                                   .limit(limit)))
