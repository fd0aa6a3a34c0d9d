"""Demo data: clearly labelled synthetic reports and organizations, loaded and cleared.

Demo reports are never loaded by default. They are real rows with ``is_demo=True`` and a
"[DEMO]"/"[تجريبي]" title prefix, created through ``reporting.create_report`` so that their
area and public point are derived exactly like a real report's. ``flask demo load|clear`` and
the admin page ``/admin/demo`` both call these functions.
"""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select, update

from geo.spatial.demo import demo_reports

from ..extensions import db
from .layers import get_layers
from .models import (
    KINDS,
    AddressedCategory,
    AuditEvent,
    Organization,
    OrganizationArea,
    OrganizationCategory,
    OrganizationEvent,
    Report,
    report_addresses,
    utcnow,
)
from .reporting import create_report, get_taxonomy
from .versioning import bump_data_version

#: Keys of geo.spatial.demo's dicts that are not report fields.
_HINTS = ("area_hint", "addresses_idx")


def load_demo(count: int, seed: int) -> list[int]:
    """Create ``count`` published demo reports; return their ids (challenges first)."""
    taxonomy = get_taxonomy()
    fields = {(kind, c.id): c.fields for kind in KINDS for c in taxonomy.categories(kind) if c.fields}
    rows = demo_reports(get_layers().areas, taxonomy.as_dict(), count, seed, fields=fields)
    ids: list[int] = []
    for row in rows:
        fields = {k: v for k, v in row.items() if k not in _HINTS}
        if row.get("addresses_idx"):
            # Challenges come first in the list, so the ids they point at already exist.
            fields["addresses"] = [ids[i] for i in row["addresses_idx"]]
        report = create_report(fields, user=None, source="organizer", publish=True)
        ids.append(report.id)
    _demo_states(ids, [row["kind"] for row in rows])
    load_demo_organizations(ids)
    return ids


#: Public states of demo reports by position (every n-th of its kind), so the demo map shows
#: faded settled reports and the state filter has something to find. Deterministic.
DEMO_STATES = {"challenge": ((5, "resolved"), (7, "ongoing"), (11, "no_longer_relevant")),
               "initiative": ((4, "paused"), (9, "ended"))}


def _demo_states(ids: list[int], kinds: list[str]) -> None:
    seen = {"challenge": 0, "initiative": 0}
    wanted: dict[str, list[int]] = {}
    for rid, kind in zip(ids, kinds, strict=True):
        seen[kind] = seen.get(kind, 0) + 1
        state = next((s for n, s in DEMO_STATES.get(kind, ()) if seen[kind] % n == 0), None)
        if state:
            wanted.setdefault(state, []).append(rid)
    if not wanted:
        return
    version = bump_data_version()  # the point cache reads the changed rows again
    for state, rids in wanted.items():
        db.session.execute(update(Report).where(Report.id.in_(rids))
                           .values(lifecycle=state, changed_version=version))
    db.session.commit()


#: Demo organizations: (Arabic name, English name, kind). Marked like demo reports.
DEMO_ORGANIZATIONS = (
    ("[تجريبي] لجنة الحي للدفاع عن السكن", "[DEMO] Neighborhood housing committee", "community_group"),
    ("[تجريبي] جمعية المياه والبيئة", "[DEMO] Water and environment association", "ngo"),
    ("[تجريبي] مركز الإرشاد القانوني", "[DEMO] Legal aid centre", "service"),
)


def load_demo_organizations(report_ids: list[int]) -> list[int]:
    """Published demo organizations, each linked to a share of the demo initiatives; their ids.

    Each serves the areas of its initiatives and works on the challenge categories they address.
    """
    initiatives = db.session.scalars(select(Report).where(
        Report.id.in_(report_ids), Report.kind == "initiative").order_by(Report.id)).all()
    if not initiatives:
        return []
    out = []
    for i, (name_ar, name_en, kind) in enumerate(DEMO_ORGANIZATIONS):
        mine = initiatives[i::len(DEMO_ORGANIZATIONS)]
        if not mine:
            break
        areas = sorted({r.area for r in mine if r.area})
        categories = sorted({a.category for r in mine for a in r.addressed_categories}) or ["housing"]
        org = Organization(name_ar=name_ar, name_en=name_en, kind=kind, is_demo=True, status="published",
                           published_at=utcnow(),
                           description="[DEMO] بيانات تجريبية / demonstration data, not a real organization.",
                           areas=[OrganizationArea(area=a) for a in areas[:8]],
                           categories=[OrganizationCategory(category=c) for c in categories])
        db.session.add(org)
        db.session.add(OrganizationEvent(organization=org, action="create", detail="demo"))
        db.session.add(OrganizationEvent(organization=org, action="publish", detail="demo"))
        db.session.flush()
        for report in mine:
            report.organization_id = org.id
        out.append(org.id)
    bump_data_version()
    db.session.commit()
    return out


def clear_demo() -> int:
    """Delete every demo report with its audit events and links; return how many."""
    demo_ids = select(Report.id).where(Report.is_demo.is_(True))
    n = db.session.scalar(select(func.count()).select_from(Report).where(Report.is_demo.is_(True)))
    # Explicit deletes rather than relying on ON DELETE CASCADE, which SQLite only honours
    # with the foreign_keys pragma on.
    db.session.execute(delete(AuditEvent).where(AuditEvent.report_id.in_(demo_ids)))
    db.session.execute(delete(report_addresses).where(or_(report_addresses.c.initiative_id.in_(demo_ids),
                                                          report_addresses.c.challenge_id.in_(demo_ids))))
    db.session.execute(delete(AddressedCategory).where(AddressedCategory.report_id.in_(demo_ids)))
    # Deleted rows leave nothing for the point cache to replay: the session hooks of
    # webapp.store.versioning see this DELETE and make every cache reload in full.
    db.session.execute(delete(Report).where(Report.is_demo.is_(True)))
    version = bump_data_version()
    demo_orgs = select(Organization.id).where(Organization.is_demo.is_(True))
    # A real initiative someone linked to a demo organization keeps its report, not the link.
    db.session.execute(update(Report).where(Report.organization_id.in_(demo_orgs))
                       .values(organization_id=None, changed_version=version))
    for table in (OrganizationEvent, OrganizationArea, OrganizationCategory):
        db.session.execute(delete(table).where(table.organization_id.in_(demo_orgs)))
    db.session.execute(delete(Organization).where(Organization.is_demo.is_(True)))
    db.session.commit()
    return n


def demo_counts() -> dict[str, int]:
    """How many demo reports (by kind) and demo organizations are stored."""
    kinds = dict(db.session.execute(select(Report.kind, func.count()).where(Report.is_demo.is_(True))
                                    .group_by(Report.kind)).all())
    organizations = db.session.scalar(select(func.count()).select_from(Organization)
                                      .where(Organization.is_demo.is_(True)))
    return {"reports": sum(kinds.values()), "challenges": kinds.get("challenge", 0),
            "initiatives": kinds.get("initiative", 0), "organizations": organizations or 0}
