"""``/admin/users``: accounts and invitations, for admins.

Every change goes through ``store.accounts`` / ``store.account_links`` (the same functions as
``flask users …``) and is audited there. A refused change re-renders the page with a 400 and
changes nothing.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..store import account_links
from ..store.accounts import AccountError, AccountExists, LastAdmin, set_active, set_role
from ..store.models import AccountEvent, User
from ..web.i18n import current_language
from ..web.roles import admin_required
from .forms import ROLE_LABELS, ActionForm, ActiveForm, InviteForm, RoleForm
from .views import bp

#: Audit rows shown under the accounts.
EVENTS_SHOWN = 50


def _page(status: int = 200, invite_form: InviteForm | None = None, shown_link: str | None = None,
          error: str | None = None):
    users = list(db.session.scalars(db.select(User).order_by(User.email)))
    events = list(db.session.scalars(db.select(AccountEvent).order_by(
        AccountEvent.created_at.desc(), AccountEvent.id.desc()).limit(EVENTS_SHOWN)))
    return render_template(
        "admin/users.html", users=users, invitations=account_links.pending_invitations(),
        events=events, invite_form=invite_form or InviteForm(formdata=None), role_labels=ROLE_LABELS,
        role_form=RoleForm, active_form=ActiveForm, action_form=ActionForm(), shown_link=shown_link,
        error=error, mail=account_links.mail_enabled()), status


def _me() -> User:
    return current_user._get_current_object()


@bp.get("/users")
@admin_required
def users():
    """Accounts, pending invitations, the invite form and the latest account events."""
    return _page()


def _deliver(raw: str, link, again: bool = False):
    """Mail the invitation when a mail server is set, else show its link once, on this answer."""
    if account_links.send(link, raw):
        flash(_("A new invitation was mailed to %(email)s.", email=link.email) if again
              else _("The invitation was mailed to %(email)s.", email=link.email))
        return redirect(url_for("admin.users"), 303)
    error = None
    if account_links.mail_enabled():  # a mail server is set but refused: the link is passed on by hand
        error = _("The mail could not be sent; pass the link on yourself.")
    return _page(shown_link=account_links.url(link, raw), error=error)


@bp.post("/users/invite")
@admin_required
def invite():
    """Invite an address as organizer or admin (a link valid 7 days, used once)."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _page(400, invite_form=form)
    try:
        raw, link = account_links.invite(form.email.data, form.role.data, _me(), current_language())
    except AccountExists:
        form.email.errors.append(_("This address already has an account."))
        return _page(400, invite_form=form)
    return _deliver(raw, link)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _refused(exc: AccountError):
    message = _("There must always be at least one active admin.") if isinstance(exc, LastAdmin) \
        else _("This change was refused.")
    return _page(400, error=message)


@bp.post("/users/<id:user_id>/role")
@admin_required
def change_role(user_id: int):
    """Make an account an organizer or an admin."""
    user = _user(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _page(400, error=_("Please choose a role."))
    try:
        set_role(user.email, form.role.data, actor=_me())
    except AccountError as exc:
        return _refused(exc)
    flash(_("%(email)s is now: %(role)s.", email=user.email, role=ROLE_LABELS[form.role.data]))
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<id:user_id>/active")
@admin_required
def change_active(user_id: int):
    """Deactivate an account (its sessions end at once) or activate it again."""
    user = _user(user_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        return _page(400, error=_("This change was refused."))
    active = form.active.data == "1"
    try:
        set_active(user.email, active, actor=_me())
    except AccountError as exc:
        return _refused(exc)
    flash(_("%(email)s can log in again.", email=user.email) if active
          else _("%(email)s is deactivated; its sessions have ended.", email=user.email))
    if not active and user.id == _me().id:
        return redirect(url_for("public.index"), 303)
    return redirect(url_for("admin.users"), 303)


@bp.post("/invitations/<id:link_id>/resend")
@admin_required
def resend(link_id: int):
    """A new link for an invitation; the old one stops working."""
    if not ActionForm().validate_on_submit():
        return _page(400, error=_("The form expired. Please try again."))
    try:
        raw, link = account_links.resend(link_id, _me(), current_language())
    except account_links.LinkError:
        abort(404)
    except AccountExists:
        return _page(400, error=_("This address already has an account."))
    return _deliver(raw, link, again=True)


@bp.post("/invitations/<id:link_id>/revoke")
@admin_required
def revoke(link_id: int):
    """Withdraw an invitation: its link stops working."""
    if not ActionForm().validate_on_submit():
        return _page(400, error=_("The form expired. Please try again."))
    try:
        link = account_links.revoke(link_id, _me())
    except account_links.LinkError:
        abort(404)
    flash(_("The invitation of %(email)s was withdrawn.", email=link.email))
    return redirect(url_for("admin.users"), 303)
