"""Organizer forms: create (/organizations/new) and edit (/organizations/<id>/edit).

New organizations wait for review in the moderation area's Organizations tab.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..store import photos
from ..store.organizations import create_organization, display_name, get, update_organization
from ..web.i18n import current_language
from ..web.roles import organizer_required
from .forms import EditOrganizationForm, OrganizationForm, form_to_fields
from .views import bp


def _store_then(form, write):
    """Write the new logo, then the rows; if the rows fail, the logo goes too."""
    folder = current_app.config["PHOTOS_DIR"]
    logo = form.clean_logo
    if logo is not None:
        photos.store(logo, folder)
    try:
        return write()
    except Exception:
        db.session.rollback()
        photos.discard(logo.name if logo else None, folder)
        raise


@bp.route("/organizations/new", methods=["GET", "POST"])
@organizer_required
def new_organization():
    form = OrganizationForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        org = _store_then(form, lambda: create_organization(form_to_fields(form), user=user))
        flash(_("The organization is saved and waits for review."))
        return redirect(url_for("moderation.organization_detail", org_id=org.id))
    return render_template("organizations/form.html", form=form, org=None), \
        400 if request.method == "POST" else 200


@bp.route("/organizations/<id:org_id>/edit", methods=["GET", "POST"])
@organizer_required
def edit_organization(org_id: int):
    org = get(org_id)
    if org is None:
        abort(404)
    form = EditOrganizationForm(obj=org)
    if form.validate_on_submit():
        fields = form_to_fields(form)
        if form.remove_logo.data and "logo" not in fields:
            fields["logo"] = None
        old_logo = org.logo
        user = current_user._get_current_object()
        changed = _store_then(form, lambda: update_organization(org, fields, user))
        if "logo" in changed:
            photos.discard(old_logo, current_app.config["PHOTOS_DIR"])
        name = display_name(org, current_language())
        flash(_("“%(name)s” is saved.", name=name) if changed else _("Nothing was changed."))
        return redirect(url_for("moderation.organization_detail", org_id=org.id))
    return render_template("organizations/form.html", form=form, org=org), \
        400 if request.method == "POST" else 200
