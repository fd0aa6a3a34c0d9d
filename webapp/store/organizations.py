"""Organization domain logic shared by the forms, moderation, the API, exports, demo data and the CLI.

Views stay thin: they validate input into plain dicts and call these functions, which
write the audit log (``OrganizationEvent``) and bump the data version in the same
transaction, so every API cache and ETag follows the change.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from geo.reference.search import normalize

from ..extensions import db
from ..state import app_state
from .models import (
    ORG_KINDS,
    Organization,
    OrganizationArea,
    OrganizationCategory,
    OrganizationEvent,
    Report,
    User,
)
from .moderation import REVIEW, transition
from .organization_names import match_name, name_index, unmatched_names
from .versioning import bump_data_version, current_data_version

ORG_STATUSES = ("pending", "published", "rejected", "archived")
#: Fields a public page, API or export may show. ``created_by``, ``reject_reason``, the audit
#: log and the status are private.
PUBLIC_FIELDS = ("id", "name_ar", "name_en", "kind", "description", "website", "public_phone",
                 "public_email", "is_demo", "published_at")
SIMPLE = ("name_ar", "name_en", "kind", "description", "website", "public_phone", "public_email",
          "logo", "is_demo")


def audit(org: Organization, action: str, user: User | None, detail: str = "") -> None:
    db.session.add(OrganizationEvent(organization=org, user=user, action=action, detail=detail[:2000]))


def _apply(org: Organization, fields: dict) -> list[str]:
    """Copy validated fields onto the organization; return the names that changed."""
    changed = []
    for name in SIMPLE:
        if name in fields and getattr(org, name) != fields[name]:
            setattr(org, name, fields[name])
            changed.append(name)
    if "kind" in fields and fields["kind"] not in ORG_KINDS:
        raise ValueError("kind")
    if "areas" in fields:
        new = sorted(set(fields["areas"] or []))
        if sorted(a.area for a in org.areas) != new:
            org.areas = [OrganizationArea(area=a) for a in new]
            changed.append("areas")
    if "categories" in fields:
        new = sorted(set(fields["categories"] or []))
        if sorted(c.category for c in org.categories) != new:
            org.categories = [OrganizationCategory(category=c) for c in new]
            changed.append("categories")
    return changed


def create_organization(fields: dict, *, user: User | None, detail: str = "") -> Organization:
    """Store a new organization (fields already validated) as pending, and log it."""
    org = Organization(status="pending", created_by=user)
    _apply(org, fields)
    db.session.add(org)
    audit(org, "create", user, detail)
    bump_data_version()
    db.session.commit()
    return org


def update_organization(org: Organization, fields: dict, user: User | None) -> list[str]:
    """Edit an organization; logs an "edit" event naming the changed fields."""
    changed = _apply(org, fields)
    if changed:
        audit(org, "edit", user, ", ".join(changed))
        bump_data_version()
        db.session.commit()
    return changed


def change_status(org: Organization, action: str, user: User | None, reason: str = "") -> int:
    """Publish, reject (with a reason) or archive; illegal moves raise ValueError.

    Publishing also links the initiatives whose free-text organization is this one's name
    and that have no organization yet; returns how many were linked.
    """
    transition(org, action, REVIEW, reason)  # the same moves as reports
    linked = 0
    bump_data_version()
    audit(org, action, user, reason)
    if action == "publish":
        db.session.flush()
        linked = len(_link(name_index([(org.id, org.name_ar, org.name_en)])))
    db.session.commit()
    return linked


# --- reading -------------------------------------------------------------------------------------

def published_query():
    return select(Organization).where(Organization.status == "published")


#: Ids are 32-bit integers (PostgreSQL ``integer``): a larger number in a URL names nothing,
#: and must not reach the database driver (SQLite raises OverflowError on 64-bit overflow).
MAX_ID = 2**31 - 1


def get(org_id: int) -> Organization | None:
    """Any organization by id (None for an id no row can have)."""
    return db.session.get(Organization, org_id) if 0 < org_id <= MAX_ID else None


def get_published(org_id: int) -> Organization | None:
    if not 0 < org_id <= MAX_ID:
        return None
    return db.session.scalars(published_query().where(Organization.id == org_id)).first()


def display_name(org, lang: str) -> str:
    """The name in ``lang``, else the other one (an organization may have only one)."""
    ar, en = (org["name_ar"], org["name_en"]) if isinstance(org, dict) else (org.name_ar, org.name_en)
    return (en or ar) if lang == "en" else (ar or en)


def public_lookup() -> dict[int, dict]:
    """``{id: {id, name_ar, name_en}}`` of published organizations, rebuilt per data version.

    Report serializers call it for every linked initiative; every organization change bumps
    the data version, so the table is never older than the data it labels.
    """
    version = current_data_version()
    cached = app_state().organization_lookup
    if cached is None or cached[0] != version:
        rows = db.session.execute(select(Organization.id, Organization.name_ar, Organization.name_en)
                                  .where(Organization.status == "published")).all()
        cached = (version, {r.id: {"id": r.id, "name_ar": r.name_ar, "name_en": r.name_en} for r in rows})
        app_state().organization_lookup = cached
    return cached[1]


def public_dict(org: Organization) -> dict:
    """The public view of an organization: public fields, areas, categories, logo name.

    Every public page, API response and export goes through this function.
    """
    out = {name: getattr(org, name) for name in PUBLIC_FIELDS}
    if isinstance(out["published_at"], dt.datetime):
        out["published_at"] = out["published_at"].isoformat()
    out["areas"] = sorted(a.area for a in org.areas)
    out["categories"] = sorted(c.category for c in org.categories)
    out["logo"] = org.logo or None
    return out


def published_initiatives(org_id: int, limit: int | None = None) -> list[Report]:
    stmt = (select(Report).where(Report.organization_id == org_id, Report.status == "published",
                                 Report.kind == "initiative").order_by(Report.id.desc()))
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def matches(org: dict, *, area: str | None = None, category: str | None = None, kind: str | None = None,
            q: str | None = None) -> bool:
    """Whether a :func:`public_dict` result passes the directory's / API's filters."""
    if area and area not in org["areas"]:
        return False
    if category and category not in org["categories"]:
        return False
    if kind and org["kind"] != kind:
        return False
    if q:
        text = normalize(" ".join((org["name_ar"], org["name_en"], org["description"])))
        if not all(word in text for word in normalize(q).split()):
            return False
    return True


def published_dicts() -> list[dict]:
    """Every published organization's public view, newest id first (organizations are few)."""
    orgs = db.session.scalars(published_query().order_by(Organization.id.desc())).unique().all()
    return [public_dict(o) for o in orgs]


def published_choices(lang: str) -> list[tuple[int, str]]:
    """(id, name) of published organizations sorted by name in ``lang``, for the report form."""
    rows = public_lookup().values()
    return sorted(((r["id"], display_name(r, lang)) for r in rows), key=lambda p: p[1].casefold())


# --- linking initiatives ---------------------------------------------------------------------------

def _link(index: dict[str, int], *, dry_run: bool = False) -> list[tuple[int, int]]:
    """Link initiatives without an organization whose free-text name is in ``index``."""
    if not index:
        return []
    rows = db.session.scalars(select(Report).where(Report.kind == "initiative",
                                                   Report.organization_id.is_(None),
                                                   Report.organization != "")).all()
    links = []
    for report in rows:
        org_id = match_name(report.organization, index)
        if org_id is not None:
            links.append((report.id, org_id))
            if not dry_run:
                report.organization_id = org_id
    return links


def link_initiatives(*, create_missing: bool = False, dry_run: bool = False) -> dict:
    """Link existing initiatives to organizations by name (the ``link-initiatives`` CLI).

    Matches initiatives without an organization whose free-text ``organization`` is the
    Arabic or English name of an organization (any status but rejected: a pending one is
    linked and shows once published). ``create_missing`` creates a pending organization
    for each name that matches nothing, and links to it. ``dry_run`` changes nothing.

    Returns ``{"linked": [(report_id, org_id)], "created": [names]}``.
    """
    orgs = db.session.execute(select(Organization.id, Organization.name_ar, Organization.name_en)
                              .where(Organization.status != "rejected")).all()
    index = name_index(orgs)
    created: list[str] = []
    if create_missing:
        texts = db.session.scalars(select(Report.organization).where(
            Report.kind == "initiative", Report.organization_id.is_(None), Report.organization != "")).all()
        created = unmatched_names(texts, index)
        if not dry_run:
            for name in created:
                arabic = any("\u0600" <= ch <= "\u06ff" for ch in name)
                org = Organization(status="pending", name_ar=name if arabic else "",
                                   name_en="" if arabic else name, kind="other")
                db.session.add(org)
                audit(org, "create", None, "link-initiatives --create-missing")
            db.session.flush()
            index = name_index(db.session.execute(
                select(Organization.id, Organization.name_ar, Organization.name_en)
                .where(Organization.status != "rejected")).all())
    links = _link(index, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    elif links or created:
        bump_data_version()
        db.session.commit()
    return {"linked": links, "created": created}
