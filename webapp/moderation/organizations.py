"""The Organizations tab of moderation: queue per status, one organization in full, actions.

Status changes go through ``store.organizations.change_status``, so each lands in the
organization's audit log and bumps the data version; a move that is not allowed is 409.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..store import photos
from ..store.models import Organization, OrganizationEvent
from ..store.moderation import allowed_actions, target
from ..store.organizations import ORG_STATUSES, change_status, display_name, get, public_dict
from ..web.i18n import current_language
from ..web.images import send_image
from ..web.labels import STATUS_LABELS, label, status_tab
from ..web.organization_card import card
from ..web.roles import organizer_required
from .forms import ActionForm, RejectForm, posted_reason
from .views import bp


def _get(org_id: int) -> Organization:
    org = get(org_id)
    if org is None:
        abort(404)
    return org


@bp.get("/organizations")
@organizer_required
def organizations():
    status, refused = status_tab("pending", ORG_STATUSES)
    if refused:
        return refused
    query = db.select(Organization).where(Organization.status == status)
    query = query.order_by(Organization.created_at.asc(), Organization.id.asc()) if status == "pending" else \
        query.order_by(Organization.updated_at.desc(), Organization.id.desc())
    orgs = db.session.scalars(query.limit(500)).all()
    counts = dict(db.session.execute(
        db.select(Organization.status, db.func.count()).group_by(Organization.status)).all())
    lang = current_language()
    return render_template("moderation/organizations.html", orgs=orgs, status=status, statuses=ORG_STATUSES,
                           counts=counts, name=lambda o: display_name(o, lang) or f"#{o.id}")


def render_detail(org: Organization, *, reject_form=None, error=None, status=200):
    events = db.session.scalars(
        db.select(OrganizationEvent).where(OrganizationEvent.organization_id == org.id)
        .order_by(OrganizationEvent.created_at, OrganizationEvent.id)).all()
    data = card(public_dict(org), current_language())
    if org.logo and photos.NAME.match(org.logo):
        data["logo_url"] = url_for("moderation.organization_logo", filename=org.logo)
    return render_template("moderation/organization.html", org=org, data=data, events=events,
                           action_form=ActionForm(), reject_form=reject_form or RejectForm(), error=error,
                           allowed=allowed_actions(org.status)), status


@bp.get("/organizations/<id:org_id>")
@organizer_required
def organization_detail(org_id: int):
    return render_detail(_get(org_id))


@bp.post("/organizations/<id:org_id>/<any(publish, reject, archive):action>")
@organizer_required
def organization_act(org_id: int, action: str):
    org = _get(org_id)
    reason, refused = posted_reason(action)
    if refused is not None:
        return render_detail(org, reject_form=refused, status=400)
    name = display_name(org, current_language())
    try:
        linked = change_status(org, action, current_user._get_current_object(), reason)
    except ValueError:
        db.session.rollback()
        message = _("This organization cannot be moved to “%(action)s”: its status is “%(status)s”. "
                    "Nothing was changed.", action=label(STATUS_LABELS, target(action)),
                    status=label(STATUS_LABELS, org.status))
        return render_detail(org, error=message, status=409)
    if action == "publish":
        flash(_("“%(name)s” is published.", name=name))
        if linked:
            flash(_("Initiatives linked to it by name: %(n)d.", n=linked))
    elif action == "reject":
        flash(_("“%(name)s” is rejected.", name=name))
    else:
        flash(_("“%(name)s” is archived.", name=name))
    return redirect(url_for("moderation.organizations"))


@bp.get("/organizations/logos/<filename>")
@organizer_required
def organization_logo(filename: str):
    if not photos.NAME.match(filename):
        abort(404)
    return send_image(filename, private=True)
