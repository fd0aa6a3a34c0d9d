"""Admin pages: backups (download, restore with confirmation), demo data, site settings, test mail.

Thin views over the store: ``store.backup`` (the same backup and restore as ``flask backup`` and
``flask restore``), ``store.demo`` (as ``flask demo``), ``store.sitesettings``. Every action is
in the admin log (``site_events``). A restore's upload waits for its confirmation in the file
store (``cache/restore-…``, tied to the admin who sent it) so that any app server can take the
confirmation; restore refuses a database that holds anything but accounts, and the admin who
restores keeps her account and her session.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import tempfile
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import func, select

from ..extensions import db
from ..store import files, sitesettings
from ..store.backup import BackupError, backup, inspect, restore
from ..store.demo import clear_demo, demo_counts, load_demo
from ..store.models import User, utcnow
from ..store.pointcache import store_snapshot
from ..web.i18n import current_language
from ..web.roles import admin_required
from . import mailcheck
from .forms import (
    BackupForm,
    DemoClearForm,
    DemoLoadForm,
    MailTestForm,
    RestoreConfirmForm,
    RestoreUploadForm,
    SettingsForm,
)

bp = Blueprint("site", __name__, url_prefix="/admin")

#: Where an upload waits for its confirmation: rows the backup leaves out and a restore clears.
PENDING = files.CACHE_PREFIX + "restore-"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
#: Unconfirmed uploads older than this are deleted at the next upload.
PENDING_HOURS = 24
GPKG_TYPE = "application/geopackage+sqlite3"


def _user_id() -> int:
    return int(current_user.id)


# --- backups -----------------------------------------------------------------------------------


def _backup_page(status: int = 200, error: str | None = None, upload: RestoreUploadForm | None = None):
    return render_template("site/backup.html", form=BackupForm(formdata=None),
                           upload=upload or RestoreUploadForm(formdata=None), error=error,
                           last_backup=sitesettings.last_backup(),
                           max_upload=current_app.config.get("MAX_CONTENT_LENGTH")), status


@bp.route("/backup", methods=["GET"])
@admin_required
def backup_page():
    return _backup_page()


@bp.route("/backup/download", methods=["POST"])
@admin_required
def backup_download():
    form = BackupForm()
    if not form.validate_on_submit():
        return _backup_page(400, _("The form expired. Please try again."))
    with_users = bool(form.with_users.data)
    work = tempfile.mkdtemp(prefix="ahya-backup-")
    path = Path(work) / "ahya.gpkg"
    try:
        backup(path, with_users=with_users, user_id=_user_id())
        handle = path.open("rb")
    except (BackupError, OSError) as exc:
        return _backup_page(503, _("The backup could not be written: %(reason)s", reason=str(exc)))
    finally:
        # The open handle keeps the bytes readable; nothing stays on this machine's disk.
        if path.exists():
            path.unlink()
        os.rmdir(work)
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    response = send_file(handle, mimetype=GPKG_TYPE, as_attachment=True,
                         download_name=f"ahya-backup-{stamp}.gpkg", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


def _pending_name(token: str) -> str:
    return f"{PENDING}u{_user_id()}-{token}.gpkg"


def _keep() -> dict:
    """The signed-in admin's account, column by column (restore keeps it)."""
    user = current_user._get_current_object()
    return {c.name: getattr(user, c.key) for c in User.__table__.columns if c.name != "id"}


@bp.route("/backup/restore", methods=["POST"])
@admin_required
def restore_upload():
    form = RestoreUploadForm()
    if not form.validate_on_submit():
        return _backup_page(400, _("The form expired. Please try again."), form)
    sent = form.file.data
    if sent is None or not getattr(sent, "filename", ""):
        return _backup_page(400, _("Choose a backup file to restore."), form)
    data = sent.stream.read()
    with tempfile.TemporaryDirectory(prefix="ahya-restore-") as work:
        path = Path(work) / "upload.gpkg"
        path.write_bytes(data)
        try:
            found = inspect(path, accounts_ok=True)
        except BackupError as exc:
            return _backup_page(400, _("This file cannot be restored here: %(reason)s",
                                       reason=str(exc).replace(str(path) + ": ", "")), form)
    files.remove_older(PENDING, files.utcnow() - dt.timedelta(hours=PENDING_HOURS))
    token = secrets.token_urlsafe(24)
    files.put(_pending_name(token), data, GPKG_TYPE)
    db.session.commit()
    meta, counts = found["meta"], found["counts"]
    accounts = db.session.scalar(select(func.count()).select_from(User))
    confirm = RestoreConfirmForm(formdata=None, token=token)
    return render_template("site/restore_confirm.html", form=confirm, meta=meta, counts=counts,
                           accounts=accounts, with_users=meta.get("with_users") == "1"), 200


@bp.route("/backup/restore/confirm", methods=["POST"])
@admin_required
def restore_confirm():
    form = RestoreConfirmForm()
    if not form.validate_on_submit():
        return _backup_page(400, _("The form expired. Please try again."))
    token = form.token.data or ""
    data = files.read(_pending_name(token)) if _TOKEN.match(token) else None
    if data is None:
        return _backup_page(400, _("This upload is no longer available: upload the file again."))
    if not form.confirm.data:
        return _backup_page(400, _("Nothing was restored: tick the box to confirm the restore."))
    keep = _keep()
    with tempfile.TemporaryDirectory(prefix="ahya-restore-") as work:
        path = Path(work) / "upload.gpkg"
        path.write_bytes(data)
        try:
            counts = restore(path, keep=keep)
        except BackupError as exc:
            return _backup_page(400, _("Nothing was restored: %(reason)s",
                                       reason=str(exc).replace(str(path) + ": ", "")))
    store_snapshot()  # restore deleted every snapshot: the next worker starts from this one
    kept = db.session.get(User, counts.pop("kept_user_id"))
    login_user(kept)  # her account may have a new id: the session follows it
    locked = db.session.scalar(select(func.count()).select_from(User).where(User.password_hash == ""))
    sitesettings.log_event("restore", json.dumps(counts, sort_keys=True), kept.id)
    db.session.commit()
    return render_template("site/restore_done.html", counts=counts, locked=locked), 200


# --- demo data ---------------------------------------------------------------------------------


def _demo_page(status: int = 200, load: DemoLoadForm | None = None, error: str | None = None):
    load = load or DemoLoadForm(formdata=None)
    return render_template("site/demo.html", counts=demo_counts(), error=error, load=load,
                           clear=DemoClearForm(formdata=None)), status


@bp.route("/demo", methods=["GET"])
@admin_required
def demo_page():
    return _demo_page()


@bp.route("/demo/load", methods=["POST"])
@admin_required
def demo_load():
    form = DemoLoadForm()
    if not form.validate_on_submit():
        return _demo_page(400, form)
    seed = secrets.randbelow(2**31)
    ids = load_demo(form.count.data, seed)
    store_snapshot()  # as `flask demo load`: the next worker starts from it
    sitesettings.log_event("demo-load", f"{len(ids)} reports (seed {seed})", _user_id())
    db.session.commit()
    flash(_("Loaded %(count)s demo reports.", count=len(ids)))
    return redirect(url_for("site.demo_page"), 303)


@bp.route("/demo/clear", methods=["POST"])
@admin_required
def demo_clear():
    form = DemoClearForm()
    if not form.validate_on_submit():
        return _demo_page(400, error=_("The form expired. Please try again."))
    if not form.confirm.data:
        return _demo_page(400, error=_("Nothing was removed: tick the box to confirm."))
    n = clear_demo()
    store_snapshot()  # deletes: without it the next worker would load every row again
    sitesettings.log_event("demo-clear", f"{n} reports", _user_id())
    db.session.commit()
    flash(_("Removed %(count)s demo reports and the demo organizations.", count=n))
    return redirect(url_for("site.demo_page"), 303)


# --- settings and the test e-mail --------------------------------------------------------------


def _settings_page(form: SettingsForm | None = None, status: int = 200,
                   mail_form: MailTestForm | None = None, mail_result: tuple[bool, str] | None = None):
    if form is None:
        stored = sitesettings.overrides()
        form = SettingsForm(formdata=None, data={n: "" if stored.get(n) is None else str(stored[n])
                                                 for n in sitesettings.NAMES})
    mail_form = mail_form or MailTestForm(formdata=None, to=current_user.email)
    return render_template("site/settings.html", form=form, defaults=sitesettings.defaults(),
                           stored=sitesettings.overrides(), mail_form=mail_form, mail_result=mail_result,
                           mail_server=current_app.config.get("MAIL_SERVER"),
                           events=sitesettings.recent_events()), status


@bp.route("/settings", methods=["GET"])
@admin_required
def settings_page():
    return _settings_page()


@bp.route("/settings", methods=["POST"])
@admin_required
def settings_save():
    form = SettingsForm()
    if not form.validate_on_submit():
        return _settings_page(form, 400)
    try:
        values = sitesettings.validate({n: getattr(form, n).data or "" for n in sitesettings.NAMES})
    except sitesettings.SettingsError as exc:
        for name, message in exc.errors.items():
            getattr(form, name).errors = [_message(message)]
        return _settings_page(form, 400)
    changed = sitesettings.save(values, _user_id())
    flash(_("Settings saved.") if changed else _("Nothing changed."))
    return redirect(url_for("site.settings_page"), 303)


def _message(text: str) -> str:
    """The store's message in the page's language (its rules speak English)."""
    known = {
        "must start with https://": _("must start with https://"),
        "the server name is not valid": _("the server name is not valid"),
        "the path holds characters a tile URL cannot have":
            _("the path holds characters a tile URL cannot have"),
        "not an e-mail address": _("not an e-mail address"),
        "contains control characters or line breaks": _("contains control characters or line breaks"),
        "a whole number from 1 to 1000": _("a whole number from 1 to 1000"),
        "a link is not closed": _("a link is not closed"),
    }
    if text in known:
        return known[text]
    if text.startswith("must contain "):
        return _("must contain %(names)s", names=text[len("must contain "):])
    if text.startswith("at most "):
        return _("at most %(n)s characters", n=text.split()[2])
    # Attribution HTML and unknown placeholders: the store's text names the offending part.
    return _("not allowed here: %(detail)s", detail=text)


@bp.route("/settings/test-mail", methods=["POST"])
@admin_required
def settings_test_mail():
    form = MailTestForm()
    if not form.validate_on_submit():
        return _settings_page(status=400, mail_form=form,
                              mail_result=(False, _("The form expired. Please try again.")))
    to = (form.to.data or "").strip() or current_user.email
    if not sitesettings.EMAIL.match(to):
        form.to.errors = [_("not an e-mail address")]
        return _settings_page(status=400, mail_form=form)
    name = sitesettings.get("SITE_NAME_EN" if current_language() == "en" else "SITE_NAME_AR")
    problem = mailcheck.send_test(to, str(name))
    sitesettings.log_event("test-mail", "sent" if problem is None else "failed", _user_id())
    db.session.commit()
    if problem is None:
        sent = _("The test e-mail was sent to %(to)s.", to=to)
        return _settings_page(mail_form=form, mail_result=(True, sent))
    return _settings_page(mail_form=form, mail_result=(False, problem))
