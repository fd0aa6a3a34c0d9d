"""The one-time links' pages: the first run's setup, an invitation, a password reset.

The secrets travel in the URL path and are checked against their hashes
(``store.account_links``); an unknown, used, revoked or expired link gets one 404 page. The
reset request answers with the same page and status for any address, and the link is made
and mailed after the answer.
"""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import limiter
from ..store import account_links
from ..store.accounts import MIN_PASSWORD, AccountError
from ..web.i18n import current_language
from .forms import PasswordForm, ResetRequestForm, SetupForm
from .views import bp, start_session


@bp.before_request
def _private_pages():
    # The links' pages carry a secret in their URL: never cached, and never sent as a Referer,
    # not even to our own origin (its stylesheets, a proxy's access log, a link followed).
    if request.endpoint in ("auth.setup_link", "auth.invitation", "auth.reset_link", "auth.reset"):
        g.behind_login = True  # no-store (web.security)
    if request.endpoint in ("auth.setup_link", "auth.invitation", "auth.reset_link"):
        g.no_referrer = True  # Referrer-Policy: no-referrer (web.security)


def _gone():
    """One answer for every link that does not work (nothing tells used from unknown)."""
    return render_template("auth/link_gone.html"), 404


@bp.get("/setup")
def setup():
    """Before the first account: how to set Ahya up (the link is in the server's log)."""
    if not account_links.setup_open():
        return redirect(url_for("auth.login"))
    return render_template("auth/setup.html")


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup_link(token: str):
    """The setup link: create the first admin (e-mail, password twice) and log her in."""
    if account_links.find("setup", token) is None or not account_links.setup_open():
        return _gone()
    form = SetupForm()
    if form.validate_on_submit():
        try:
            user = account_links.complete_setup(token, form.email.data, form.password.data)
        except account_links.LinkError:
            return _gone()
        except AccountError:
            form.email.errors.append(_("Please write an e-mail address such as name@example.org."))
        else:
            start_session(user)
            flash(_("Welcome! You are Ahya's first admin. Invite organizers from the accounts page."))
            return redirect(url_for("admin.users") if "admin.users" in current_app.view_functions
                            else url_for("public.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/setup_link.html", form=form, min_password=MIN_PASSWORD), status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """An invitation: its owner chooses a password; the account is made and logged in."""
    link = account_links.find("invite", token)
    if link is None:
        return _gone()
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            user = account_links.accept(token, form.password.data)
        except AccountError:
            return _gone()
        start_session(user)
        flash(_("Welcome to Ahya! Your account is ready."))
        return redirect(url_for("public.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/invitation.html", form=form, email=link.email, role=link.role,
                           min_password=MIN_PASSWORD), status


def _reset_rate_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_reset_rate_limit, methods=["POST"])
def reset():
    """Ask for a password reset link. The same page, status and work for every address."""
    if not account_links.mail_enabled():
        # No mail server: nothing can be sent; an admin can invite again or use the CLI.
        return render_template("auth/reset.html", form=None, sent=False), 200
    form = ResetRequestForm()
    if form.validate_on_submit():
        # Looked up, written and mailed after the answer: its time tells nothing either.
        account_links.reset_later(form.email.data, current_language())
        return render_template("auth/reset.html", form=None, sent=True), 200
    status = 400 if request.method == "POST" else 200
    return render_template("auth/reset.html", form=form, sent=False), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_link(token: str):
    """A reset link: choose a new password (every session of the account ends)."""
    if account_links.find("reset", token) is None:
        return _gone()
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            account_links.complete_reset(token, form.password.data)
        except AccountError:
            return _gone()
        if current_user.is_authenticated:
            session.clear()
        flash(_("Your password was changed. Log in with it."))
        return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/reset_link.html", form=form, min_password=MIN_PASSWORD), status

