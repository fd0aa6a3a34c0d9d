"""Who can help, and which other areas face the same challenges (the networking of reports).

This is the point of Ahya: a neighbourhood that reports a housing problem should
see the other neighbourhoods that report one too, and the initiatives that work
on housing, so that they can find each other. An initiative "addresses" a
challenge category when it names a published challenge of that category
(``report_addresses``) or addresses the whole category (``AddressedCategory``).

Everything is answered in SQL with ``GROUP BY`` and window functions: the
number of rows loaded is bounded by the caps, never by the size of the database.
Only published reports are ever considered, on both sides of a link.

"Who can help" (:func:`who_can_help`) adds the published organizations working on a category
and ranks them with the initiatives nearest first (:func:`geo.spatial.nearby.rank_nearest`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import Integer, case, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased, selectinload

from geo.spatial.nearby import Candidate, rank_nearest

from ..extensions import db
from ..state import app_state
from .layers import get_layers
from .models import AddressedCategory, Organization, OrganizationCategory, Report, report_addresses
from .queries import PUBLIC_STATUS, ReportFilters, with_public_relations
from .stats import grouped_counts


@dataclass(frozen=True)
class AreaCount:
    """An area and its number of published challenges of one category."""

    slug: str
    count: int


@dataclass(frozen=True)
class LinkedInitiative:
    """A published initiative and how it addresses a challenge category.

    ``named``: it names at least one published challenge of the category;
    ``whole_category``: it addresses the whole category; ``in_facing_area``: it is
    located in an area that reports a challenge of that category itself.
    """

    report: Report
    named: bool
    whole_category: bool
    in_facing_area: bool


@dataclass
class CategoryNetwork:
    """The network of one challenge category, seen from one area."""

    category: str
    areas: list[AreaCount] = field(default_factory=list)
    areas_total: int = 0
    initiatives: list[LinkedInitiative] = field(default_factory=list)
    initiatives_total: int = 0


def challenge_categories(area: str) -> list[str]:
    """Challenge categories with at least one published challenge in ``area``, most reported first.

    Parameters
    ----------
    area : str
        Area slug.

    Returns
    -------
    list of str
        Category ids; ties are broken by id so the order is stable.
    """
    frame = grouped_counts(ReportFilters(kind="challenge", area=area))
    frame = frame.sort_values(["count", "category"], ascending=[False, True])
    return list(dict.fromkeys(frame["category"]))


def areas_facing(categories: list[str], *, exclude: str | None = None,
                 limit: int = 8) -> dict[str, tuple[list[AreaCount], int]]:
    """Other areas with published challenges of each category.

    Parameters
    ----------
    categories : list of str
        Challenge category ids.
    exclude : str, optional
        Area slug to leave out (the area whose page asks).
    limit : int
        At most this many areas per category, those with the most challenges first.

    Returns
    -------
    dict
        ``{category: ([AreaCount, ...], number of areas before the cap)}`` for every
        requested category (empty lists where no other area reports it).
    """
    out: dict[str, tuple[list[AreaCount], int]] = {c: ([], 0) for c in categories}
    if not categories:
        return out
    frame = grouped_counts(ReportFilters(kind="challenge", categories=tuple(categories)))
    frame = frame[frame["area"].notna() & (frame["area"] != exclude)]
    # One row per (category, area): bounded by categories × areas, not by the number of reports.
    frame = frame.sort_values(["category", "count", "area"], ascending=[True, False, True])
    for category, area, count in zip(frame["category"], frame["area"], frame["count"], strict=True):
        shown, total = out[category]
        if len(shown) < limit:
            shown.append(AreaCount(area, int(count)))
        out[category] = (shown, total + 1)
    return out


def _links(categories: list[str]):
    """(category, initiative id, named, whole) for every published link to the categories."""
    challenge = aliased(Report)
    one, zero = literal(1, Integer), literal(0, Integer)
    named = (select(challenge.category.label("category"),
                    report_addresses.c.initiative_id.label("rid"),
                    one.label("named"), zero.label("whole"))
             .join(challenge, challenge.id == report_addresses.c.challenge_id)
             # A link to an unpublished challenge must not reveal that challenge's category.
             .where(challenge.status == PUBLIC_STATUS, challenge.kind == "challenge",
                    challenge.category.in_(categories)))
    whole = (select(AddressedCategory.category, AddressedCategory.report_id, zero, one)
             .where(AddressedCategory.category.in_(categories)))
    links = union_all(named, whole).subquery("links")
    # An initiative can both name a challenge and address its whole category: one row each.
    return (select(links.c.category, links.c.rid, func.max(links.c.named).label("named"),
                   func.max(links.c.whole).label("whole"))
            .group_by(links.c.category, links.c.rid).subquery("pairs"))


def initiatives_addressing(categories: list[str], *, exclude_area: str | None = None,
                           limit: int = 5) -> dict[str, tuple[list[LinkedInitiative], int]]:
    """Published initiatives that address each challenge category.

    Initiatives located in an area that reports the same category come first (they
    are where the problem is shared), then the newest. A window function ranks and
    counts per category, so at most ``limit`` rows per category are loaded.

    Parameters
    ----------
    categories : list of str
        Challenge category ids.
    exclude_area : str, optional
        Leave out initiatives located in this area (the page lists its own already).
    limit : int
        At most this many initiatives per category.

    Returns
    -------
    dict
        ``{category: ([LinkedInitiative, ...], number before the cap)}`` for every
        requested category.
    """
    out: dict[str, tuple[list[LinkedInitiative], int]] = {c: ([], 0) for c in categories}
    if not categories:
        return out
    pairs = _links(categories)
    facing_report = aliased(Report)
    facing = exists().where(facing_report.status == PUBLIC_STATUS, facing_report.kind == "challenge",
                            facing_report.category == pairs.c.category,
                            facing_report.area == Report.area)
    facing_flag = case((facing, 1), else_=0)
    ranked = (select(pairs.c.category, pairs.c.named, pairs.c.whole, Report.id.label("id"),
                     facing_flag.label("facing"),
                     func.row_number().over(partition_by=pairs.c.category,
                                            order_by=(facing_flag.desc(), Report.id.desc())).label("rank"),
                     func.count().over(partition_by=pairs.c.category).label("total"))
              .join(Report, Report.id == pairs.c.rid)
              .where(Report.status == PUBLIC_STATUS, Report.kind == "initiative"))
    if exclude_area:
        ranked = ranked.where(or_(Report.area.is_(None), Report.area != exclude_area))
    ranked = ranked.subquery("ranked")
    stmt = with_public_relations(
        select(ranked.c.category, ranked.c.named, ranked.c.whole, ranked.c.facing, ranked.c.total, Report)
        .join(Report, Report.id == ranked.c.id)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.category, ranked.c.rank))
    for category, named, whole, facing_value, total, report in db.session.execute(stmt):
        shown, _ = out[category]
        shown.append(LinkedInitiative(report, bool(named), bool(whole), bool(facing_value)))
        out[category] = (shown, int(total))
    return out


def same_challenge_elsewhere(area: str, categories: list[str] | None = None, *, area_limit: int = 8,
                             initiative_limit: int = 5) -> list[CategoryNetwork]:
    """For each challenge category of ``area``: the other areas facing it and the initiatives on it.

    Parameters
    ----------
    area : str
        Area slug of the page.
    categories : list of str, optional
        Categories to look at, in display order; by default those of
        :func:`challenge_categories`.
    area_limit, initiative_limit : int
        Caps per category (the totals before the cap are returned too).

    Returns
    -------
    list of CategoryNetwork
        One per category, in the order of ``categories``.
    """
    if categories is None:
        categories = challenge_categories(area)
    areas = areas_facing(categories, exclude=area, limit=area_limit)
    initiatives = initiatives_addressing(categories, exclude_area=area, limit=initiative_limit)
    return [CategoryNetwork(category=c, areas=areas[c][0], areas_total=areas[c][1],
                            initiatives=initiatives[c][0], initiatives_total=initiatives[c][1])
            for c in categories]


# --- who can help --------------------------------------------------------------------------

#: Helpers listed per page: the totals say how many more there are.
HELPERS_LIMIT = 10
PUBLISHED_ORG = "published"


@dataclass(frozen=True)
class Helper:
    """An organization or an initiative that works on the categories asked about.

    Exactly one of ``organization`` and ``report`` is set. ``distance_m`` is from the page's
    point to the nearest area the organization serves or to the initiative's public point;
    ``here``: it works in the page's own area.
    """

    organization: Organization | None
    report: Report | None
    distance_m: float
    here: bool
    categories: tuple[str, ...]

    @property
    def kind(self) -> str:
        return "organization" if self.organization is not None else "initiative"


@dataclass
class WhoCanHelp:
    """Helpers nearest first (at most the limit) and how many of each kind exist in all."""

    helpers: list[Helper] = field(default_factory=list)
    organizations_total: int = 0
    initiatives_total: int = 0

    @property
    def more(self) -> int:
        return self.organizations_total + self.initiatives_total - len(self.helpers)


def area_points() -> dict[str, tuple[float, float]]:
    """``{slug: (lon, lat)}``: the representative point of every gazetteer place, once per app."""
    state = app_state()
    if state.area_points is None:
        places = get_layers().places
        state.area_points = {
            slug: (float(g.x), float(g.y)) for slug, g in zip(places["slug"], places.geometry.values,
                                                               strict=True)}
    return state.area_points


def organizations_working_on(categories: list[str]) -> list[tuple[Organization, tuple[str, ...]]]:
    """Published organizations with at least one of ``categories``, and which ones, oldest first.

    Organizations are a few hundred at most (they are reviewed one by one): all of them are
    loaded, with their areas in one more query.
    """
    if not categories:
        return []
    rows = db.session.execute(
        select(OrganizationCategory.organization_id, OrganizationCategory.category)
        .join(Organization, Organization.id == OrganizationCategory.organization_id)
        .where(Organization.status == PUBLISHED_ORG, OrganizationCategory.category.in_(categories))
        .order_by(OrganizationCategory.organization_id, OrganizationCategory.category)).all()
    matched: dict[int, list[str]] = {}
    for oid, category in rows:
        matched.setdefault(oid, []).append(category)
    if not matched:
        return []
    orgs = db.session.scalars(select(Organization).where(Organization.id.in_(list(matched)))
                              .options(selectinload(Organization.areas))
                              .order_by(Organization.id)).all()
    return [(org, tuple(matched[org.id])) for org in orgs]


def _nearest_initiatives(categories: list[str], origin: tuple[float, float], area: str | None,
                         limit: int) -> tuple[list[Report], dict[int, tuple[str, ...]], int]:
    """The ``limit`` published initiatives on ``categories`` nearest ``origin``, and their total.

    SQL orders by a planar distance (degrees, longitude scaled by cos(latitude)): monotone with
    the true distance at this scale, and cheap enough to sort tens of thousands of candidates
    without loading them. Those in ``area`` come first, as :func:`geo.spatial.nearby.rank_nearest` does.
    """
    pairs = _links(categories)
    linked = select(pairs.c.rid)
    where = (Report.status == PUBLIC_STATUS, Report.kind == "initiative", Report.id.in_(linked))
    total = db.session.scalar(select(func.count(Report.id)).where(*where)) or 0
    if not total or limit <= 0:
        return [], {}, int(total)
    k = math.cos(math.radians(origin[1]))
    dx, dy = (Report.public_lon - origin[0]) * k, Report.public_lat - origin[1]
    here = case((Report.area == area, 0), else_=1) if area else literal(1, Integer)
    reports = db.session.scalars(with_public_relations(
        select(Report).where(*where).order_by(here, dx * dx + dy * dy, Report.id.desc()).limit(limit))).all()
    ids = [r.id for r in reports]
    cats: dict[int, list[str]] = {}
    for rid, category in db.session.execute(select(pairs.c.rid, pairs.c.category)
                                            .where(pairs.c.rid.in_(ids)).order_by(pairs.c.category)):
        cats.setdefault(rid, []).append(category)
    return list(reports), {rid: tuple(c) for rid, c in cats.items()}, int(total)


def who_can_help(categories: list[str], origin: tuple[float, float], *, area: str | None = None,
                 limit: int = HELPERS_LIMIT) -> WhoCanHelp:
    """Published organizations and initiatives working on ``categories``, nearest ``origin`` first.

    Parameters
    ----------
    categories : list of str
        Challenge category ids (a challenge's category, or an area's challenge categories).
    origin : (float, float)
        Longitude and latitude of the page: a challenge's public point or an area's point.
    area : str, optional
        Area slug of the page: who works there is at distance 0.
    limit : int
        At most this many helpers in all.

    Returns
    -------
    WhoCanHelp
        An organization is as near as the nearest area it serves; an initiative is at its
        public point. The query load is bounded by the number of organizations plus ``limit``.
    """
    out = WhoCanHelp()
    if not categories:
        return out
    points = area_points()
    orgs = organizations_working_on(categories)
    reports, report_cats, out.initiatives_total = _nearest_initiatives(categories, origin, area, limit)
    out.organizations_total = len(orgs)
    candidates, by_key = [], {}
    for org, cats in orgs:
        served = frozenset(a.area for a in org.areas)
        key = ("organization", org.id)
        candidates.append(Candidate(key, [points[s] for s in sorted(served) if s in points], served))
        by_key[key] = (org, None, cats, area in served)
    for report in reports:
        key = ("initiative", report.id)
        candidates.append(Candidate(key, [(report.public_lon, report.public_lat)],
                                    frozenset([report.area]) if report.area else frozenset()))
        by_key[key] = (None, report, report_cats.get(report.id, ()), bool(area) and report.area == area)
    for key, metres in rank_nearest(origin, candidates, origin_area=area, limit=limit):
        org, report, cats, here = by_key[key]
        out.helpers.append(Helper(org, report, metres, here, cats))
    return out
