"""Thin views: the organizer form (/reports/new) and public suggestions (/suggest).

Validation lives in ``forms.py`` and storage in ``reporting.create_report``; a view only
decides who may post, what status the report gets and where the user goes next.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..extensions import db, limiter
from ..store import photos, sitesettings
from ..store.area_names import area_options
from ..store.models import Report, User
from ..store.reporting import create_report
from ..web.i18n import current_language
from ..web.report_form import (
    PRECISION_HINTS,
    NewReportForm,
    ReportForm,
    SuggestionForm,
    form_to_fields,
    jerusalem_today,
)
from ..web.roles import organizer_required
from .idempotency import json_outcome, json_refusal, posted_key, stored_report, wants_json

bp = Blueprint("contribute", __name__)


def save_report(form: ReportForm, *, user: User | None, source: str, publish: bool) -> Report:
    """Write the photo, then the report; if the report fails, the photo goes too.

    A post whose client key another post stored in the meantime (a race of two retries) fails
    on the unique index: the caller then answers as for a repeat (``stored_once``).
    """
    photos_dir = current_app.config["PHOTOS_DIR"]
    photo = form.clean_photo
    fields = form_to_fields(form)
    key = getattr(form, "client_key", None)
    if key is not None and key.data:
        fields["client_key"] = key.data
    if photo is not None:
        photos.store(photo, photos_dir)
    try:
        return create_report(fields, user=user, source=source, publish=publish)
    except Exception:
        db.session.rollback()
        photos.discard(photo.name if photo else None, photos_dir)
        raise


def render_form(form: ReportForm, template: str, status: int):
    return render_template(template, form=form, areas=area_options(current_language()),
                           precision_hints=PRECISION_HINTS, today=jerusalem_today().isoformat(),
                           tile_url=sitesettings.get("TILE_URL"),
                           tile_attribution=sitesettings.get("TILE_ATTRIBUTION")), status


#: Flashed messages kept in the session until a page shows them (the newest ones).
MAX_FLASHES = 3


def flash_latest(message: str) -> None:
    """``flash`` that keeps only the newest ``MAX_FLASHES`` messages waiting in the session.

    A client that posts without following the redirect (a script, a benchmark) never shows
    its messages: unbounded, they would pile up in the signed session cookie, which every
    request then decodes and re-signs (the cost grows with each post) and which a browser
    drops once it passes ~4 KB, logging the organizer out.
    """
    waiting = session.get("_flashes")
    if waiting and len(waiting) >= MAX_FLASHES:
        session["_flashes"] = waiting[-(MAX_FLASHES - 1):]
    flash(message)


def stored_once(form: ReportForm, **save):
    """Save the form's report, or None if its client key was stored by a concurrent post."""
    try:
        return save_report(form, **save)
    except IntegrityError:
        if stored_report(posted_key()) is None:
            raise
        return None


def after_save(report: Report):
    """Published reports go to their permalink; held ones to moderation, where they are visible."""
    if report.status == "published":
        flash_latest(_("The report is published."))
        return redirect(url_for("public.report_detail", id=report.id))
    flash_latest(_("The report is saved and waits for review."))
    return redirect(url_for("moderation.detail", report_id=report.id))


@bp.route("/reports/new", methods=["GET", "POST"])
@organizer_required
def new_report():
    form = NewReportForm()
    if request.method == "POST":
        # A repeat of a stored post (an offline retry): the same answer, nothing stored.
        report = stored_report(posted_key())
        if report is not None:
            return organizer_outcome(report, "duplicate")
    if form.validate_on_submit():
        publish = not current_app.config["REQUIRE_REVIEW"] and not form.hold.data
        report = stored_once(form, user=current_user._get_current_object(), source="organizer",
                             publish=publish)
        if report is None:
            return organizer_outcome(stored_report(posted_key()), "duplicate")
        return organizer_outcome(report, "stored")
    if request.method == "POST" and wants_json():
        return json_refusal(form)
    return render_form(form, "contribute/new_report.html", 400 if request.method == "POST" else 200)


def organizer_outcome(report: Report, status: str):
    """Redirect to the report, or (queued posts) say where it is in JSON."""
    response = after_save(report)
    return json_outcome(status, response.location) if wants_json() else response


def suggestion_outcome(status: str):
    if wants_json():
        return json_outcome(status)
    return render_template("contribute/thanks.html"), 200


@bp.route("/suggest", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SUGGEST_RATE_LIMIT"], methods=["POST"])
def suggest():
    form = SuggestionForm()
    if request.method == "POST" and form.website.data:
        # A bot filled the hidden field: answer exactly like a success, store nothing.
        return suggestion_outcome("stored")
    if request.method == "POST" and stored_report(posted_key()) is not None:
        return suggestion_outcome("duplicate")
    if form.validate_on_submit():
        report = stored_once(form, user=None, source="public", publish=False)
        return suggestion_outcome("stored" if report is not None else "duplicate")
    if request.method == "POST" and wants_json():
        return json_refusal(form)
    return render_form(form, "contribute/suggest.html", 400 if request.method == "POST" else 200)
