"""Report queries for public output, as functions on SQLAlchemy ``select()`` statements.

Every public listing starts from :func:`published`, so a pending, rejected or
archived report can never reach a public page or API response by mistake.
Filters are applied in SQL (indexes ``ix_reports_status_kind_cat`` and
``ix_reports_public_point``), never by loading rows and dropping them in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import AddressedCategory, Report, report_addresses

PUBLIC_STATUS = "published"
DEFAULT_LIMIT = 500
MAX_LIMIT = 5000


@dataclass(frozen=True)
class ReportFilters:
    """What a public listing asks for; values are already validated.

    ``bbox`` is ``(min_lon, min_lat, max_lon, max_lat)`` and applies to the
    public point (the only point a public listing may know about).
    """

    kind: str | None = None
    categories: tuple[str, ...] = ()
    bbox: tuple[float, float, float, float] | None = None
    limit: int = DEFAULT_LIMIT
    area: str | None = None
    since: dt.date | None = None  # observed on or after
    until: dt.date | None = None  # observed on or before
    q: str | None = None  # words that must all appear in the title
    #: Public states (``store.lifecycle``); ``status_arg`` is the value asked for (a state or a
    #: group such as ``open``), kept to rebuild the link.
    status: tuple[str, ...] = ()
    status_arg: str | None = None

    def to_args(self, *, with_limit: bool = False) -> list[tuple[str, str]]:
        """The filters as query-string pairs: a link that reproduces the same view."""
        args: list[tuple[str, str]] = []
        if self.kind:
            args.append(("kind", self.kind))
        args.extend(("category", c) for c in self.categories)
        if self.area:
            args.append(("area", self.area))
        if self.since:
            args.append(("since", self.since.isoformat()))
        if self.until:
            args.append(("until", self.until.isoformat()))
        if self.q:
            args.append(("q", self.q))
        if self.status_arg:
            args.append(("status", self.status_arg))
        if self.bbox:
            args.append(("bbox", ",".join(f"{v:.6f}".rstrip("0").rstrip(".") for v in self.bbox)))
        if with_limit and self.limit != DEFAULT_LIMIT:
            args.append(("limit", str(self.limit)))
        return args


def published() -> Select:
    """All published reports."""
    return select(Report).where(Report.status == PUBLIC_STATUS)


def apply_filters(stmt: Select, filters: ReportFilters) -> Select:
    """Add the kind, category and bounding-box conditions of ``filters`` to ``stmt``."""
    if filters.kind:
        stmt = stmt.where(Report.kind == filters.kind)
    if filters.categories:
        stmt = stmt.where(Report.category.in_(filters.categories))
    if filters.area:
        stmt = stmt.where(Report.area == filters.area)
    if filters.status:
        stmt = stmt.where(Report.lifecycle.in_(filters.status))
    if filters.since:
        stmt = stmt.where(Report.observed_on >= filters.since)
    if filters.until:
        stmt = stmt.where(Report.observed_on <= filters.until)
    if filters.q:
        for word in filters.q.split():
            # LIKE wildcards in the user's words are escaped: they search for themselves.
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            stmt = stmt.where(Report.title.ilike(pattern, escape="\\"))
    if filters.bbox:
        min_lon, min_lat, max_lon, max_lat = filters.bbox
        stmt = stmt.where(Report.public_lon.between(min_lon, max_lon),
                          Report.public_lat.between(min_lat, max_lat))
    return stmt


def with_public_relations(stmt: Select) -> Select:
    """Load what ``reporting.public_dict`` reads, in two queries instead of one per initiative."""
    return stmt.options(selectinload(Report.addresses), selectinload(Report.addressed_categories))


def public_reports(filters: ReportFilters) -> Select:
    """Published reports matching ``filters``, newest first, ``limit + 1`` rows.

    The extra row tells the caller whether the listing was truncated without a
    second COUNT query. Ordering by id keeps pages stable for a later cursor.
    """
    stmt = apply_filters(published(), filters).order_by(Report.id.desc()).limit(filters.limit + 1)
    return with_public_relations(stmt)


def published_rows(ids) -> list[SimpleNamespace]:
    """The published reports ``ids``, in the order of ``ids``, as plain rows for ``public_dict``.

    Each row has every column of ``reports`` as an attribute, plus ``addresses`` (the challenges
    an initiative names: ``id``, ``status``) and ``addressed_categories`` (``category``): what
    ``reporting.public_dict`` reads, without building ORM objects. Three queries whatever the page
    size; at 500 reports the ORM cost ~0.25 ms per report, most of an API page's time.
    A report unpublished since ``ids`` were chosen is simply left out.
    """
    wanted = [int(i) for i in ids]
    if not wanted:
        return []
    table = Report.__table__
    # By id alone, the status checked here: with ``status = 'published'`` in the query SQLite chose
    # the status index and scanned every published report (60 ms at 100k) instead of 500 lookups.
    rows = db.session.execute(select(table).where(table.c.id.in_(wanted))).mappings().all()
    by_id = {r["id"]: SimpleNamespace(**r, addresses=[], addressed_categories=[])
             for r in rows if r["status"] == PUBLIC_STATUS}
    initiatives = [i for i, r in by_id.items() if r.kind == "initiative"]
    if initiatives:
        named = (select(report_addresses.c.initiative_id, Report.id, Report.status)
                 .join(Report, Report.id == report_addresses.c.challenge_id)
                 .where(report_addresses.c.initiative_id.in_(initiatives)).order_by(Report.id))
        for initiative_id, challenge_id, status in db.session.execute(named):
            by_id[initiative_id].addresses.append(SimpleNamespace(id=challenge_id, status=status))
        whole = (select(AddressedCategory.report_id, AddressedCategory.category)
                 .where(AddressedCategory.report_id.in_(initiatives)))
        for report_id, category in db.session.execute(whole):
            by_id[report_id].addressed_categories.append(SimpleNamespace(category=category))
    return [by_id[i] for i in wanted if i in by_id]


def published_report(report_id: int) -> Select:
    """One report, only if it is published."""
    return with_public_relations(published().where(Report.id == report_id))


def initiatives_for_challenge(challenge: Report) -> Select:
    """Published initiatives that name this challenge or address its whole category."""
    named = select(report_addresses.c.initiative_id).where(
        report_addresses.c.challenge_id == challenge.id)
    by_category = select(AddressedCategory.report_id).where(
        AddressedCategory.category == challenge.category)
    return (published().where(Report.kind == "initiative",
                              or_(Report.id.in_(named), Report.id.in_(by_category)))
            .order_by(Report.id.desc()))


def challenges_for_initiative(initiative: Report) -> Select:
    """Published challenges this initiative names."""
    named = select(report_addresses.c.challenge_id).where(
        report_addresses.c.initiative_id == initiative.id)
    return published().where(Report.kind == "challenge", Report.id.in_(named)).order_by(Report.id.desc())
