"""Tables of records that move: updates, "this affects us too" and following by e-mail.

* :class:`ReportUpdate`: a line of a report's timeline, written by an organizer (published at
  once, optionally with the new lifecycle state it set) or suggested by the public (moderated;
  the suggester's contact is private).
* :class:`AffectedArea`: a resident says her own area faces the same challenge (moderated;
  contact private); an organizer can turn it into a challenge of its own (``linked_report_id``).
* :class:`Subscription`: an e-mail address following an area, a category or one report. The
  address is private: never shown, never exported; deleting the row (unsubscribe) removes it.
* :class:`AlertDelivery`: one row per (subscription, item) ever claimed for a mail. Its unique
  key is what makes ``flask alerts send`` idempotent (see :mod:`webapp.store.alerts`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .models import Report, User, utcnow

#: Moderation states of updates and affected areas (like reports, without "archived").
REVIEW_STATUSES = ("pending", "published", "rejected")


class ReportUpdate(db.Model):
    """One entry of a report's timeline."""

    __tablename__ = "report_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20), default="organizer")  # organizer | public
    body: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # The lifecycle state this update set (None: a plain update) and the one before it.
    state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    previous_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    contact: Mapped[str] = mapped_column(String(300), default="")  # private
    reject_reason: Mapped[str] = mapped_column(String(500), default="")  # private
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    report: Mapped[Report] = relationship()
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_report_updates_status_published", "status", "published_at"),)


class AffectedArea(db.Model):
    """"This affects us too": another area facing the same challenge."""

    __tablename__ = "affected_areas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    area: Mapped[str] = mapped_column(String(80))
    contact: Mapped[str] = mapped_column(String(300), default="")  # private
    status: Mapped[str] = mapped_column(String(20), default="pending")
    reject_reason: Mapped[str] = mapped_column(String(500), default="")  # private
    # The challenge an organizer made of this signal, linked to the first one.
    linked_report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    report: Mapped[Report] = relationship(foreign_keys=[report_id])
    linked_report: Mapped[Report | None] = relationship(foreign_keys=[linked_report_id])

    __table_args__ = (Index("ix_affected_areas_status", "status"),)


class Subscription(db.Model):
    """An address following an area, a category (topic) or a report. Private."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))  # private
    scope: Mapped[str] = mapped_column(String(10))  # area | category | report
    target: Mapped[str] = mapped_column(String(80))  # area slug, category id or report id
    lang: Mapped[str] = mapped_column(String(5), default="ar")
    frequency: Mapped[str] = mapped_column(String(10), default="immediate")  # immediate | weekly
    # A random secret: the confirmation and unsubscribe links carry it (nothing else identifies
    # a subscriber, and nothing guessable does).
    token: Mapped[str] = mapped_column(String(64), unique=True)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("email", "scope", "target", name="uq_subscriptions_email_scope_target"),)


class AlertDelivery(db.Model):
    """A (subscription, item) claimed for a mail; ``sent_at`` once the mail went out."""

    __tablename__ = "alert_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(40))  # "report:<id>" or "update:<id>"
    batch: Mapped[str] = mapped_column(String(32), index=True)  # one mail
    claimed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("subscription_id", "item", name="uq_alert_deliveries_subscription_item"),)
