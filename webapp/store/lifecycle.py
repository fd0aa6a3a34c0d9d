"""The public state of a report: where a challenge or an initiative stands now.

A challenge is *reported*, then *ongoing* (the problem is there and being dealt with or
contested), and ends *resolved* or *no longer relevant*; an initiative is *active*, *paused* or
*ended*. Organizers set it (:func:`set_state`), with an optional note that becomes an update on
the report's timeline; every change is in the audit log. This is not the moderation status
(pending, published...), which only says whether a report is shown at all.

``status`` in the public API, the map, the list and the exports filters on this state; ``open``
and ``closed`` group the states (Open311's ``status`` is the same split).
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from ..extensions import db
from .models import AuditEvent, Report, ReportUpdate, User, utcnow
from .versioning import bump_data_version

STATES = {
    "challenge": ("reported", "ongoing", "resolved", "no_longer_relevant"),
    "initiative": ("active", "paused", "ended"),
}
ALL_STATES = tuple(dict.fromkeys(s for states in STATES.values() for s in states))
#: States in which the matter is settled: Open311 "closed", drawn faded on the map.
CLOSED = ("resolved", "no_longer_relevant", "ended")
OPEN = tuple(s for s in ALL_STATES if s not in CLOSED)
#: What the ``status`` filter accepts: a state, or a group of states.
GROUPS = {"open": OPEN, "closed": CLOSED}
STATUS_VALUES = (*GROUPS, *ALL_STATES)

# Arabic wording (see the catalog): مُبلَّغ عنه، قائم (مستمر)، حُلّ، لم يعد قائمًا؛
# نشطة، متوقفة مؤقتًا، انتهت.
LABELS = {
    "reported": _l("Reported"),
    "ongoing": _l("Ongoing"),
    "resolved": _l("Resolved"),
    "no_longer_relevant": _l("No longer relevant"),
    "active": _l("Active"),
    "paused": _l("Paused"),
    "ended": _l("Ended"),
    "open": _l("Still open"),
    "closed": _l("Closed (resolved or ended)"),
}


def default_state(kind: str) -> str:
    """The state a new report of ``kind`` starts in."""
    return STATES.get(kind, STATES["challenge"])[0]


def states_for(kind: str) -> tuple[str, ...]:
    """The states a report of ``kind`` can be in."""
    return STATES.get(kind, ())


def is_closed(state: str | None) -> bool:
    """Whether ``state`` is a settled one (resolved, no longer relevant, ended)."""
    return state in CLOSED


def expand(value: str) -> tuple[str, ...]:
    """The states a ``status`` filter value stands for (``open``/``closed`` are groups)."""
    return GROUPS.get(value, (value,))


def label(state: str | None) -> str:
    """The state's label in the current language."""
    return str(LABELS.get(state or "", state or ""))


def fit_to_kind(report: Report) -> None:
    """Keep the state valid for the report's kind (a new report, or a kind changed by an edit)."""
    if report.lifecycle not in states_for(report.kind):
        report.lifecycle = default_state(report.kind)


def set_state(report: Report, state: str, user: User, note: str = "", photo: str | None = None,
              happened_on: dt.date | None = None):
    """Set the public state of ``report`` and add the change to its timeline; commits.

    Parameters
    ----------
    report : Report
    state : str
        One of ``states_for(report.kind)``; anything else raises ValueError.
    user : User
        The organizer (audited).
    note : str
        Optional text of the update that goes with the change.
    photo : str, optional
        A stored photo name (already cleaned by ``store.photos``).
    happened_on : datetime.date, optional
        When the event the update tells of happened (None: its publication date stands for it).

    Returns
    -------
    ReportUpdate or None
        The published update, or None when nothing changed (same state, no note, no photo).
    """

    if state not in states_for(report.kind):
        raise ValueError(f"{state!r} is not a state of a {report.kind}")
    previous = report.lifecycle
    if state == previous and not note and not photo:
        return None
    now = utcnow()
    update = ReportUpdate(report=report, source="organizer", body=note, photo=photo, happened_on=happened_on,
                          state=state if state != previous else None,
                          previous_state=previous if state != previous else None,
                          status="published", created_by=user, created_at=now, published_at=now)
    db.session.add(update)
    if state != previous:
        report.lifecycle = state
        db.session.add(AuditEvent(report=report, user=user, action="state", detail=f"{previous} → {state}"))
    report.changed_version = bump_data_version()
    db.session.commit()
    return update
