"""Report domain logic shared by forms, moderation, demo data and the API.

Views stay thin: they validate input into plain dicts and call these functions,
which derive the area and the public point in geo/ and write the audit log.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import insert
from sqlalchemy.orm import make_transient_to_detached

from geo.reference.fields import public_values
from geo.reference.taxonomy import Taxonomy, load_taxonomy
from geo.spatial.assign import AreaIndex
from geo.spatial.privacy import PRECISIONS, public_point

from ..extensions import db
from ..state import app_state
from .layers import get_layers
from .lifecycle import default_state, fit_to_kind
from .models import AddressedCategory, AuditEvent, Report, User, utcnow
from .moderation import REVIEW, transition
from .organizations import public_lookup
from .versioning import bump_data_version

ROOT = Path(__file__).resolve().parents[2]
#: Fields a public page, API or export may show. Everything else is private.
PUBLIC_FIELDS = ("id", "kind", "category", "title", "description", "area", "precision",
                 "observed_on", "organization", "link", "is_demo", "published_at")


def get_taxonomy() -> Taxonomy:
    state = app_state()
    if state.taxonomy is None:
        path = current_app.config.get("TAXONOMY_PATH") or ROOT / "data" / "categories.yaml"
        state.taxonomy = load_taxonomy(path)
    return state.taxonomy


def get_area_index() -> AreaIndex:
    state = app_state()
    if state.area_index is None:
        state.area_index = AreaIndex(get_layers().areas)
    return state.area_index


def locate(lon: float, lat: float) -> str | None:
    """Area slug for a point: inside a polygon, or the nearest within 250 m; None outside."""
    return get_area_index().assign_one(lon, lat)


#: ``_derive_location``'s default: look the area up (callers that resolved the point pass it).
_LOOKUP = object()


def _derive_location(report: Report, area=_LOOKUP) -> None:
    index = get_area_index()
    # The form and the import have just found the area of this very point (report_rules.
    # resolve_point): passing it saves a second point-in-polygon search per report.
    report.area = index.assign_one(report.lon, report.lat) if area is _LOOKUP else area
    if not report.privacy_seed:
        report.privacy_seed = secrets.token_hex(16)
    report.public_lon, report.public_lat = public_point(
        report.lon, report.lat, report.precision, report.area, report.privacy_seed, index)


def audit(report: Report, action: str, user: User | None, detail: str = "") -> None:
    db.session.add(AuditEvent(report=report, user=user, action=action, detail=detail[:2000]))


def _apply(report: Report, fields: dict) -> list[str]:
    """Copy validated fields onto the report; return the names that changed."""
    changed = []
    simple = ("kind", "category", "title", "description", "lon", "lat", "precision", "observed_on",
              "organization", "organization_id", "link", "contact", "photo", "is_demo", "client_key")
    for name in simple:
        if name in fields and getattr(report, name) != fields[name]:
            setattr(report, name, fields[name])
            changed.append(name)
    if "fields" in fields:
        values = dict(fields["fields"] or {})
        if (report.fields or {}) != values:
            report.fields = values  # a new dict: the JSON column sees the change
            changed.append("fields")
    elif {"kind", "category"} & set(changed) and report.fields:
        # Moved to another category without new values: keep only what the new one declares.
        declared = {f.id for f in get_taxonomy().fields(report.kind, report.category)}
        kept = {k: v for k, v in report.fields.items() if k in declared}
        if kept != report.fields:
            report.fields = kept
            changed.append("fields")
    if "addresses" in fields:
        ids = sorted(set(fields["addresses"] or []))
        challenges = db.session.scalars(
            db.select(Report).where(Report.id.in_(ids), Report.kind == "challenge")).all() if ids else []
        if sorted(c.id for c in report.addresses) != sorted(c.id for c in challenges):
            report.addresses = list(challenges)
            changed.append("addresses")
    if "addressed_categories" in fields:
        new = sorted(set(fields["addressed_categories"] or []))
        if sorted(a.category for a in report.addressed_categories) != new:
            report.addressed_categories = [AddressedCategory(category=c) for c in new]
            changed.append("addressed_categories")
    if report.kind != "initiative":
        report.organization_id = None
        # Only when there is something to drop: assigning an empty list to a new report's
        # collections still gives the flush two relationships to process (the form's hot path).
        if report.addresses:
            report.addresses = []
        if report.addressed_categories:
            report.addressed_categories = []
    return changed


def create_report(fields: dict, *, user: User | None, source: str, publish: bool) -> Report:
    """Store a new report (fields already validated) and log it.

    ``fields`` may carry ``area``: the area slug of (lon, lat) when the caller has found it
    already (``report_rules.resolve_point``); otherwise it is looked up here.
    """
    if fields.get("precision", "approximate") not in PRECISIONS:
        raise ValueError("precision")
    report = Report(source=source, created_by_id=user.id if user is not None else None,
                    status="pending", privacy_seed="", precision=fields.get("precision", "approximate"))
    _apply(report, fields)
    fit_to_kind(report)
    _derive_location(report, fields.get("area", _LOOKUP))
    events = [("create", source)]
    if publish:
        report.status = "published"
        report.published_at = utcnow()
        events.append(("publish", ""))
    report.changed_version = bump_data_version()
    if report.addresses or report.addressed_categories:
        db.session.add(report)
        db.session.flush()  # the report's id, for its audit events; the links' rows with it
    else:
        _insert_plain(report)
    # The audit events as one Core executemany INSERT (the form's hot path): the same rows
    # audit() writes (created_at from the column default), without an ORM unit of work and a
    # RETURNING per event.
    db.session.execute(insert(AuditEvent.__table__), [
        {"report_id": report.id, "user_id": user.id if user is not None else None, "action": action,
         "detail": detail[:2000]} for action, detail in events])
    _commit_keeping_loaded()
    return report


def _insert_plain(report: Report) -> None:
    """INSERT a new report without links as one Core statement, then hand it to the session.

    The form's hot path: the ORM's unit of work for one row (its dependency processors for
    every relationship of ``Report``) cost more than the INSERT itself. Every column gets its
    value here (the column defaults applied as the ORM would), so the object comes back to the
    session complete and clean, exactly as if it had been flushed.
    """
    table = Report.__table__
    values = {}
    for column in table.columns:
        if column.primary_key:
            continue
        if column.key in report.__dict__:
            values[column.key] = report.__dict__[column.key]
        elif column.default is not None:
            default = column.default
            values[column.key] = default.arg(None) if default.is_callable else default.arg
        else:
            values[column.key] = None
        setattr(report, column.key, values[column.key])
    # changed_version is among the values: versioning's statement watch trusts this INSERT.
    report.id = db.session.execute(insert(table).returning(table.c.id), values).scalar_one()
    make_transient_to_detached(report)
    db.session.add(report)


def _commit_keeping_loaded() -> None:
    """Commit without expiring the session's objects.

    The caller goes on to read the report it just wrote (its id and status for the redirect),
    and every value of it is known: expiring would only cost a SELECT to load them again.
    """
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def update_report(report: Report, fields: dict, user: User) -> list[str]:
    """Edit a report; the area and public point follow a moved point or new precision."""
    changed = _apply(report, fields)
    fit_to_kind(report)  # a challenge edited into an initiative cannot stay "resolved"
    if {"lon", "lat", "precision"} & set(changed):
        _derive_location(report, fields["area"] if {"lon", "lat"} <= fields.keys() and "area" in fields
                         else _LOOKUP)
    if changed:
        audit(report, "edit", user, ", ".join(changed))
        report.changed_version = bump_data_version()
        db.session.commit()
    return changed


def change_status(report: Report, action: str, user: User, reason: str = "") -> None:
    """Publish, reject (with a reason) or archive a report; illegal moves raise ValueError."""
    transition(report, action, REVIEW, reason)
    audit(report, action, user, reason)
    report.changed_version = bump_data_version()
    db.session.commit()


def _published_organization(org_id: int | None) -> int | None:
    """``org_id`` if that organization is published; a pending or archived one is not shown."""
    if org_id is None:
        return None
    return org_id if org_id in public_lookup() else None


def public_dict(report: Report) -> dict:
    """The public view of a report: public fields and the public point, nothing else.

    Every public page, JSON response and export goes through this function, so
    contact details, the exact point and the privacy seed cannot leak.
    """
    out = {name: getattr(report, name) for name in PUBLIC_FIELDS}
    for name in ("observed_on", "published_at"):
        if isinstance(out[name], dt.date | dt.datetime):
            out[name] = out[name].isoformat()
    # Structured fields: the public ones of the report's category only (report_fields.public_fields).
    out["fields"] = public_values(get_taxonomy().fields(report.kind, report.category), report.fields)
    out["status"] = report.lifecycle or default_state(report.kind)
    out["lon"], out["lat"] = report.public_lon, report.public_lat
    if report.photo:
        out["photo"] = report.photo
    if report.kind == "initiative":
        out["organization_id"] = _published_organization(report.organization_id)
        out["addresses"] = sorted(c.id for c in report.addresses if c.status == "published")
        out["addressed_categories"] = sorted(a.category for a in report.addressed_categories)
    return out
