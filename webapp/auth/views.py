"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from ..extensions import db, login_manager
from ..store.accounts import authenticate
from ..store.models import User
from ..web.report_form import valid_text

bp = Blueprint("auth", __name__, url_prefix="/auth")


class LoginForm(FlaskForm):
    # valid_text: the address is looked up in the database, where a null byte is an error.
    # The password is only ever hashed: any character may be in it.
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254), valid_text])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


@login_manager.user_loader
def load_user(user_id: str):
    ident, _sep, token = (user_id or "").partition(":")
    if not ident.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or user.session_token != token:
        return None
    return user


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let phishing pages borrow our name.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("public.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user, reason = authenticate(form.email.data, form.password.data)
        if user:
            lang = session.get("lang")
            session.clear()  # a fresh session on login (no fixation)
            if lang:
                session["lang"] = lang
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        status = 401
        if reason and reason.startswith("locked:"):
            status = 429
            minutes = int(reason.split(":")[1])
            form.form_errors.append(ngettext("Too many failed attempts. This account is locked for "
                                             "%(num)d minute.", "Too many failed attempts. This account "
                                             "is locked for %(num)d minutes.", minutes))
        else:
            form.form_errors.append(_("Wrong e-mail or password."))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are logged out."))
    return redirect(url_for("public.index"))


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
