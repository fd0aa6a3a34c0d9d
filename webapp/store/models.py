"""The store: reports, users and the audit log, organizations, requests to connect, and the
records that move (updates, affected areas, subscriptions, alert deliveries). SQLAlchemy 2,
SQLite or PostgreSQL."""

from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

KINDS = ("challenge", "initiative")
STATUSES = ("pending", "published", "rejected", "archived")
ROLES = ("organizer", "admin")
#: A JSON object column: JSON text on SQLite (read with json_extract), JSONB on PostgreSQL
#: (binary, indexable with GIN, read with ->>).
JSON_OBJECT = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="organizer")
    display_name: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # Changes on password change/logout-everywhere: invalidates existing sessions.
    session_token: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"


#: Initiatives name the challenges they address.
report_addresses = Table(
    "report_addresses", db.metadata,
    Column("initiative_id", ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("challenge_id", ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
)


class AddressedCategory(db.Model):
    """An initiative addresses a whole challenge category (e.g. all housing issues)."""

    __tablename__ = "addressed_categories"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"),
                                           primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)


class Report(db.Model):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    area: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # Private: the exact point and the seed of the public offset.
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    privacy_seed: Mapped[str] = mapped_column(String(64))
    precision: Mapped[str] = mapped_column(String(20), default="approximate")
    public_lon: Mapped[float] = mapped_column(Float)
    public_lat: Mapped[float] = mapped_column(Float)
    observed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # The public state of the thing reported (``store.lifecycle``): reported, ongoing, resolved,
    # no_longer_relevant for a challenge; active, paused, ended for an initiative. Not the
    # moderation ``status`` above, which says whether the report is shown at all.
    lifecycle: Mapped[str] = mapped_column(String(20), default="reported", server_default="reported")
    organization: Mapped[str] = mapped_column(String(200), default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    contact: Mapped[str] = mapped_column(String(300), default="")  # private
    photo: Mapped[str | None] = mapped_column(String(80), nullable=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20), default="organizer")  # organizer | public | import
    reject_reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # The data version (versioning.bump_data_version) of the transaction that last changed the
    # row: the point cache reloads only ``changed_version > the version it holds``.
    changed_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # An initiative's organization as a record; ``organization`` (free text) stays for old data.
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), nullable=True, index=True)
    # The idempotency key a browser sends with a form (a random UUID made when the form is
    # first submitted): an offline-queued form that is sent twice is stored once. Not public.
    client_key: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # An imported row's id in its source file (Kobo ``_uuid``, ODK ``instanceID``, or a hash of
    # the row): a second import of the same file finds it and stores nothing twice.
    source_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # The category's structured fields (``geo.reference.fields``, declared in
    # data/categories.yaml): field id -> int, float, ISO date, choice id, list of ids, bool or str.
    # Always a dict, written only through ``report_fields.clean_fields``; private fields are kept
    # here too and left out by ``report_fields.public_fields``. A new field needs no migration.
    fields: Mapped[dict] = mapped_column(JSON_OBJECT, default=dict, server_default=sql_text("'{}'"))

    created_by: Mapped[User | None] = relationship()
    organization_record: Mapped[Organization | None] = relationship(back_populates="initiatives")
    addresses: Mapped[list[Report]] = relationship(
        secondary=report_addresses,
        primaryjoin=id == report_addresses.c.initiative_id,
        secondaryjoin=id == report_addresses.c.challenge_id,
        backref="addressed_by",
    )
    addressed_categories: Mapped[list[AddressedCategory]] = relationship(
        cascade="all, delete-orphan")
    # Deleting a report (demo clear, tests) takes its audit trail with it; the database's
    # ON DELETE CASCADE does the work, the ORM must not try to blank report_id first.
    events: Mapped[list[AuditEvent]] = relationship(back_populates="report",
                                                    order_by="AuditEvent.created_at",
                                                    cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        Index("ix_reports_status_kind_cat", "status", "kind", "category"),
        Index("ix_reports_public_point", "status", "public_lon", "public_lat"),
        Index("ix_reports_area", "area"),
        Index("ix_reports_created", "created_at"),
        Index("ix_reports_changed_version", "changed_version"),
        Index("ux_reports_client_key", "client_key", unique=True),
        Index("ix_reports_source_id", "source_id", unique=True),
        Index("ix_reports_lifecycle", "lifecycle"),
        # PostgreSQL only: containment queries (``fields @> '{"stage": "demolished"}'``). SQLite's
        # JSON is text: an index on it would cost every insert and serve no query.
        Index("ix_reports_fields_gin", "fields", postgresql_using="gin",
              postgresql_ops={"fields": "jsonb_path_ops"}).ddl_if(dialect="postgresql"),
    )


ORG_KINDS = ("community_group", "ngo", "school", "service", "cooperative", "religious", "other")


class Organization(db.Model):
    """A group that acts: community group, NGO, school, service...

    Only what the organization chooses to publish is stored: its public website, phone and
    e-mail, never a person's private details. Reviewed like reports (``status``).
    """

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_ar: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(30), default="community_group")
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    public_phone: Mapped[str] = mapped_column(String(40), default="")
    public_email: Mapped[str] = mapped_column(String(254), default="")
    logo: Mapped[str | None] = mapped_column(String(80), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    reject_reason: Mapped[str] = mapped_column(String(500), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    created_by: Mapped[User | None] = relationship()
    areas: Mapped[list[OrganizationArea]] = relationship(cascade="all, delete-orphan",
                                                         passive_deletes=True)
    categories: Mapped[list[OrganizationCategory]] = relationship(cascade="all, delete-orphan",
                                                                  passive_deletes=True)
    initiatives: Mapped[list[Report]] = relationship(back_populates="organization_record")
    events: Mapped[list[OrganizationEvent]] = relationship(
        back_populates="organization", order_by="OrganizationEvent.created_at",
        cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (Index("ix_organizations_status", "status"),)


class OrganizationArea(db.Model):
    """An area (place slug) an organization serves."""

    __tablename__ = "organization_areas"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    area: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)


class OrganizationCategory(db.Model):
    """A challenge category an organization works on."""

    __tablename__ = "organization_categories"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class OrganizationEvent(db.Model):
    """Audit log of organizations (create, edit, publish, reject, archive). No IP address."""

    __tablename__ = "organization_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()


class ConnectRequest(db.Model):
    """A message from a resident or group to an organization or an initiative.

    Private: the sender's name, reply channel and message are shown to organizers only and
    forwarded by e-mail when a mail server is configured. Exactly one target is set.
    """

    __tablename__ = "connect_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=True, index=True)
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), nullable=True, index=True)
    sender_name: Mapped[str] = mapped_column(String(120))
    reply_channel: Mapped[str] = mapped_column(String(300))  # private
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="new")  # new | read | archived
    forwarded_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    organization: Mapped[Organization | None] = relationship()
    report: Mapped[Report | None] = relationship()

    __table_args__ = (
        CheckConstraint("(organization_id IS NULL) <> (report_id IS NULL)",
                        name="ck_connect_requests_one_target"),
        Index("ix_connect_requests_status", "status"),
    )


class AuditEvent(db.Model):
    """Who did what to which report, and when. Never holds an IP address."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(20))  # create, edit, publish, reject, archive
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()


class DataVersion(db.Model):
    """One row (id 1): a counter bumped in the same transaction as every change to reports.

    API validators (ETag, Last-Modified) and the response cache are keyed on it, so
    one primary-key read tells whether anything public may have changed.
    """

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    # Whole seconds, strictly increasing per version (see versioning.bump_data_version).
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # A cache of reports at a version <= this one must reload in full instead of replaying
    # ``Report.changed_version``: set by deletes, restores and changes that were not stamped.
    reload_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    __table_args__ = (CheckConstraint("id = 1", name="ck_data_version_single_row"),)


# --- records that move (issue 21): updates, "this affects us too", following by e-mail ---------
#
# ReportUpdate: a line of a report's timeline, written by an organizer (published at once,
# optionally with the lifecycle state it set) or suggested by the public (moderated; contact
# private). AffectedArea: a resident says her own area faces the same challenge (moderated;
# contact private). Subscription: an address following an area, a category or a report (private:
# never shown, never exported; unsubscribing deletes the row). AlertDelivery: one row per
# (subscription, item) ever claimed for a mail: its unique key makes ``alerts send`` idempotent.

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
    # When what the update tells happened (None: the publication date stands for it).
    happened_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
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


from .files import StoredFile  # noqa: E402,F401,I001  (the files table is part of the schema)
