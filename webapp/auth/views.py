"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from ..extensions import client_key, db, limiter, login_manager
from ..state import app_state
from ..store.accounts import LOCK_MINUTES, MAX_FAILURES, any_account, authenticate, end_sessions
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
    # The token changes on logout, password change and deactivation: a copied cookie then fails.
    if user is None or not user.active or not token or user.session_token != token:
        return None
    return user


def start_session(user: User) -> None:
    """Log ``user`` in on a fresh session (no fixation), keeping the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user)


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let phishing pages borrow our name.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("public.index")


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _failed(response) -> bool:
    # Only failed attempts count towards the client's limit: an office behind one address where
    # organizers log in all day is not throttled, a client trying many accounts is.
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data, client=client_key())
        if user:
            start_session(user)
            return redirect(_safe_next(request.args.get("next")))
        # One answer for an unknown account, a wrong password and a throttled pair: nothing
        # tells a stranger which accounts exist.
        status = 401
        form.form_errors.append(_("Wrong e-mail or password. After %(count)s failed attempts, "
                                  "wait %(minutes)s minutes before trying again.",
                                  count=MAX_FAILURES, minutes=LOCK_MINUTES))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, setup=setup_open_cached()), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Ends the session on the server too: a copy of this cookie no longer logs anyone in.
        end_sessions(current_user._get_current_object())
        db.session.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are logged out."))
    return redirect(url_for("public.index"))


@bp.app_context_processor
def _accounts_context():
    return {"setup_open": setup_open_cached}


def setup_open_cached() -> bool:
    """Whether pages offer "Set up Ahya": no account yet. Once one exists the answer is kept."""
    state = app_state()
    if state.accounts_exist:
        return False
    if any_account():
        state.accounts_exist = True
        return False
    return True


def init_login(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
