"""Moderation moves, one rule for everything moderated: reports, organizations, requests to connect.

A table of moves says, for each action, the status it sets and the statuses it may start from;
:func:`transition` checks a move against it and makes it (an illegal move raises ``ValueError``,
which the views answer with 409). Publishing stamps ``published_at`` and clears the rejection
reason; rejecting keeps the reason. The callers add their audit event and commit.
"""

from __future__ import annotations

from .models import utcnow

#: action → (status it sets, statuses it may start from)
Moves = dict[str, tuple[str, frozenset[str]]]

#: Reports and organizations: reviewed the same way.
REVIEW: Moves = {
    "publish": ("published", frozenset({"pending", "rejected", "archived"})),
    "reject": ("rejected", frozenset({"pending", "published"})),
    "archive": ("archived", frozenset({"pending", "published", "rejected"})),
}
#: Requests to connect in the organizers' inbox: any of these moves, from any status.
_INBOX = frozenset({"new", "read", "archived"})
MESSAGES: Moves = {"read": ("read", _INBOX), "archive": ("archived", _INBOX), "new": ("new", _INBOX)}


def allowed_actions(status: str, moves: Moves = REVIEW) -> list[str]:
    """The actions that may start from ``status``, in the table's order."""
    return [action for action, (_target, start) in moves.items() if status in start]


def target(action: str, moves: Moves = REVIEW) -> str:
    """The status ``action`` sets."""
    return moves[action][0]


def transition(record, action: str, moves: Moves = REVIEW, reason: str = "") -> str:
    """Move ``record.status`` by ``action``; return the status it had.

    Parameters
    ----------
    record : Report, Organization or ConnectRequest
        Anything with a ``status`` (and, for publish/reject, ``published_at``/``reject_reason``).
    action : str
        A key of ``moves``.
    moves : dict
        :data:`REVIEW` or :data:`MESSAGES`.
    reason : str
        Why it is rejected (kept, cut to 500 characters).

    Raises
    ------
    ValueError
        An unknown action, or one that may not start from the record's status.
    """
    if action not in moves:
        raise ValueError(f"unknown action {action!r}")
    status, start = moves[action]
    if record.status not in start:
        raise ValueError(f"cannot {action} a {record.status} {type(record).__name__}")
    before, record.status = record.status, status
    if action == "publish":
        record.published_at = utcnow()
        record.reject_reason = ""
    elif action == "reject":
        record.reject_reason = reason[:500]
    return before
