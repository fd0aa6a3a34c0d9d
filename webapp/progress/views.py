"""Views of records that move.

Public (CSRF, rate limit, honeypot, only published reports): suggest an update, say "this
affects us too", see an update's photo. Organizers: set a report's state with an update, review
suggested updates and signals, turn a signal into a challenge of its own. The views only parse
and render: the rules are in ``store.lifecycle``, ``store.updates`` and ``store.affected``.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db, limiter
from ..store import affected, lifecycle, photos, queries, updates
from ..store.layers import get_layers, place_names
from ..store.models import AffectedArea, Report, ReportUpdate
from ..store.report_rules import EARLIEST_EVENT_DATE, jerusalem_today
from ..web.i18n import current_language
from ..web.images import send_image
from ..web.roles import organizer_required
from ..web.timeline import area_joined, progress_context, state_badge, timeline_item
from .forms import AffectsUsForm, ReviewForm, StateForm, SuggestUpdateForm, choices

bp = Blueprint("progress", __name__)


def _rate_limit() -> str:
    return current_app.config["UPDATE_RATE_LIMIT"]


def _published(report_id: int, kind: str | None = None) -> Report:
    stmt = queries.published_report(report_id)
    if kind:
        stmt = stmt.where(Report.kind == kind)
    report = db.session.scalars(stmt).first()
    if report is None:
        abort(404)
    return report


def _area_choices(lang: str, exclude: str | None) -> list[tuple[str, str]]:
    names = place_names()
    slugs = [s for s in get_layers().areas["slug"] if s != exclude]
    labelled = [(s, names.get(s, {}).get(lang) or names.get(s, {}).get("en") or s) for s in slugs]
    return choices([("", _("Choose…"))] + sorted(labelled, key=lambda c: c[1].casefold()))


def _date_bounds() -> dict:
    # The date picker's bounds: the same rule the form checks on the server (report_rules).
    return {"today": jerusalem_today().isoformat(), "earliest": EARLIEST_EVENT_DATE.isoformat()}


# --- public ----------------------------------------------------------------------------------

@bp.route("/reports/<id:report_id>/suggest-update", methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def suggest_update(report_id: int):
    """Anyone suggests an update to a published report; it waits for review."""
    report = _published(report_id)
    form = SuggestUpdateForm()
    if request.method == "POST" and form.website.data:
        # A bot filled the hidden field: answer like a success, store nothing.
        return render_template("progress/thanks.html", report=report, what="update"), 200
    if form.validate_on_submit():
        updates.suggest_update(report, form.body.data, form.contact.data or "", form.happened_on.data)
        return render_template("progress/thanks.html", report=report, what="update"), 200
    return render_template("progress/suggest.html", form=form, report=report, **_date_bounds(),
                           limits={"body": updates.MAX_BODY, "contact": updates.MAX_CONTACT}), \
        400 if request.method == "POST" else 200


@bp.route("/reports/<id:report_id>/affects-us", methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def affects_us(report_id: int):
    """A resident of another area says this challenge affects her area too; it waits for review."""
    report = _published(report_id, "challenge")
    form = AffectsUsForm()
    form.area.choices = _area_choices(current_language(), report.area)
    if request.method == "POST" and form.website.data:
        return render_template("progress/thanks.html", report=report, what="signal"), 200
    if form.validate_on_submit():
        affected.add_signal(report, form.area.data, form.contact.data or "")
        return render_template("progress/thanks.html", report=report, what="signal"), 200
    return render_template("progress/affects.html", form=form, report=report,
                           limits={"contact": affected.MAX_CONTACT}), \
        400 if request.method == "POST" else 200


@bp.get("/updates/photos/<filename>")
def update_photo(filename: str):
    """An update's photo, only while the update and its report are published."""
    if not photos.NAME.match(filename) or updates.published_photo_owner(filename) is None:
        abort(404)
    return send_image(filename)


# --- organizers ------------------------------------------------------------------------------

def _render_manage(report: Report, form: StateForm, status: int = 200):
    history = db.session.scalars(db.select(ReportUpdate).where(ReportUpdate.report_id == report.id)
                                 .order_by(ReportUpdate.created_at, ReportUpdate.id)).all()
    return render_template("progress/manage.html", report=report, form=form, **_date_bounds(),
                           state=state_badge(report.lifecycle),
                           history=[timeline_item(u) for u in history]), status


def _state_form(report: Report) -> StateForm:
    form = StateForm()
    form.state.choices = choices((s, lifecycle.label(s)) for s in lifecycle.states_for(report.kind))
    if request.method == "GET":
        form.state.data = report.lifecycle
    return form


@bp.route("/moderation/<id:report_id>/progress", methods=["GET", "POST"])
@organizer_required
def manage(report_id: int):
    """Set a report's public state, with an optional update (text and photo)."""
    report = db.session.get(Report, report_id)
    if report is None:
        abort(404)
    form = _state_form(report)
    if not form.validate_on_submit():
        return _render_manage(report, form, 400 if request.method == "POST" else 200)
    clean = None
    upload = form.photo.data
    if upload is not None and getattr(upload, "filename", ""):
        try:
            clean = photos.process(upload.stream)
        except photos.PhotoError as exc:
            form.photo.errors = [str(exc)]
            return _render_manage(report, form, 400)
    photos_dir = current_app.config["PHOTOS_DIR"]
    if clean is not None:
        photos.store(clean, photos_dir)
    try:
        done = lifecycle.set_state(report, form.state.data, current_user._get_current_object(),
                                   form.note.data or "", clean.name if clean else None,
                                   form.happened_on.data)
    except Exception:
        db.session.rollback()
        photos.discard(clean.name if clean else None, photos_dir)
        raise
    if done is None:
        flash(_("Nothing changed: choose another state or write an update."))
    else:
        flash(_("The state of “%(title)s” is now “%(state)s”.", title=report.title,
                state=lifecycle.label(report.lifecycle)))
    return redirect(url_for("progress.manage", report_id=report.id))


@bp.get("/moderation/updates")
@organizer_required
def queue():
    """Suggested updates and "this affects us too" signals waiting for review."""
    lang = current_language()
    names = place_names()

    def name(slug):
        return names.get(slug or "", {}).get(lang) or slug or ""

    return render_template("progress/queue.html", form=ReviewForm(),
                           updates=[(u, timeline_item(u)) for u in updates.pending_updates()],
                           signals=affected.pending_signals(), promotable=affected.promotable_signals(),
                           area_name=name)


def _review_or_409(review, obj, action: str):
    if not ReviewForm().validate_on_submit():
        abort(400)
    try:
        review(obj, action, current_user._get_current_object())
    except ValueError:
        db.session.rollback()
        flash(_("Nothing was changed: it was already reviewed."))
        return redirect(url_for("progress.queue")), 409
    flash(_("Published.") if action == "publish" else _("Rejected."))
    return redirect(url_for("progress.queue"))


@bp.post("/moderation/updates/<id:update_id>/<any(publish, reject):action>")
@organizer_required
def review_update(update_id: int, action: str):
    update = db.session.get(ReportUpdate, update_id)
    if update is None:
        abort(404)
    return _review_or_409(updates.review_update, update, action)


@bp.post("/moderation/signals/<id:signal_id>/<any(publish, reject):action>")
@organizer_required
def review_signal(signal_id: int, action: str):
    signal = db.session.get(AffectedArea, signal_id)
    if signal is None:
        abort(404)
    return _review_or_409(affected.review_signal, signal, action)


@bp.post("/moderation/signals/<id:signal_id>/promote")
@organizer_required
def promote_signal(signal_id: int):
    """Turn a signal into a published challenge of its own, linked to the first."""
    signal = db.session.get(AffectedArea, signal_id)
    if signal is None:
        abort(404)
    if not ReviewForm().validate_on_submit():
        abort(400)
    try:
        report = affected.promote(signal, current_user._get_current_object())
    except (ValueError, KeyError):
        db.session.rollback()
        flash(_("Nothing was changed: this signal is already a challenge of its own."))
        return redirect(url_for("progress.queue")), 409
    flash(_("“%(title)s” is now a challenge of its own.", title=report.title))
    return redirect(url_for("moderation.detail", report_id=report.id))


@bp.app_template_global("report_progress")
def report_progress(report_id: int) -> dict:
    """For report pages: state, timeline and joined areas of a published report (by id)."""
    report = db.session.get(Report, report_id)
    if report is None or report.status != queries.PUBLIC_STATUS:
        return {"state": state_badge(None), "timeline": [], "joined": [], "joined_from": None}
    return progress_context(report, current_language())


@bp.app_template_global("state_label")
def state_label(state: str | None) -> str:
    """The label of a public state (reported, ongoing, resolved...) in the current language."""
    return lifecycle.label(state)


@bp.app_template_global("area_joined")
def area_joined_global(slug: str) -> dict:
    """For area pages: "this affects us too" links from and to the area (published only)."""
    return area_joined(slug, current_language())
