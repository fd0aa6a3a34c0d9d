"""Thin moderation views: the queue, one report in full, status actions, photos.

Status changes go through ``reporting.change_status`` and edits through
``reporting.update_report``, so every change lands in the audit log.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..store import photos, sitesettings
from ..store.models import STATUSES, AuditEvent, Report
from ..store.moderation import allowed_actions, waiting_counts
from ..store.report_fields import display_fields
from ..store.reporting import change_status
from ..web.i18n import current_language
from ..web.images import send_image
from ..web.labels import STATUS_LABELS, label, page_number, status_tab, template_helpers
from ..web.roles import organizer_required
from .forms import ActionForm, RejectForm, posted_reason

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

PER_PAGE = 50


@bp.context_processor
def helpers():
    return template_helpers()


def moderation_waiting() -> dict[str, int] | None:
    """The menu's counts of what waits, for a logged-in organizer (one query, run on demand)."""
    if not current_user.is_authenticated or current_user.role not in ("organizer", "admin"):
        return None
    return waiting_counts()


@bp.app_context_processor
def menu_helpers():
    # A callable, so pages that show no menu (errors without a user, feeds) run no query.
    return {"moderation_waiting": moderation_waiting}


def get_report(report_id: int) -> Report:
    report = db.session.get(Report, report_id)
    if report is None:
        abort(404)
    return report


def render_detail(report: Report, *, reject_form: RejectForm | None = None, error: str | None = None,
                  status: int = 200):
    """The detail page; actions that fail re-render it with their errors and an HTTP error code."""
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.report_id == report.id)
        .order_by(AuditEvent.created_at, AuditEvent.id)).all()
    map_data = {
        "exact": [report.lat, report.lon], "public": [report.public_lat, report.public_lon],
        "tileUrl": sitesettings.get("TILE_URL"),
        "tileAttribution": sitesettings.get("TILE_ATTRIBUTION"),
        "exactLabel": _("Exact point (private)"), "publicLabel": _("Public point"),
    }
    return render_template(
        "moderation/detail.html", report=report, events=events, map_data=map_data,
        action_form=ActionForm(), reject_form=reject_form or RejectForm(), error=error,
        photo_ok=bool(report.photo and photos.NAME.match(report.photo)),
        allowed=allowed_actions(report.status),
        figures=display_fields(report.kind, report.category, report.fields, current_language()),
        private_figures=display_fields(report.kind, report.category, report.fields, current_language(),
                                       private=True),
    ), status


@bp.get("/")
@organizer_required
def queue():
    status, refused = status_tab("pending", STATUSES)
    if refused:
        return refused
    query = db.select(Report).where(Report.status == status)
    if status == "pending":
        # Oldest first: whoever waited longest is reviewed first.
        query = query.order_by(Report.created_at.asc(), Report.id.asc())
    else:
        query = query.order_by(Report.updated_at.desc(), Report.id.desc())
    page, refused = page_number()
    if refused:
        return refused
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    counts = dict(db.session.execute(
        db.select(Report.status, db.func.count()).group_by(Report.status)).all())
    return render_template("moderation/queue.html", pagination=pagination, status=status,
                           statuses=STATUSES, counts=counts)


@bp.get("/<id:report_id>")
@organizer_required
def detail(report_id: int):
    return render_detail(get_report(report_id))


@bp.post("/<id:report_id>/<any(publish, reject, archive):action>")
@organizer_required
def act(report_id: int, action: str):
    report = get_report(report_id)
    # CSRFProtect has already refused a POST without a valid token (400).
    reason, refused = posted_reason(action)
    if refused is not None:
        return render_detail(report, reject_form=refused, status=400)
    try:
        change_status(report, action, current_user._get_current_object(), reason)
    except ValueError:
        db.session.rollback()
        status = label(STATUS_LABELS, report.status)
        if action == "publish":
            message = _("This report cannot be published: its status is “%(status)s”. "
                        "Nothing was changed.", status=status)
        elif action == "reject":
            message = _("This report cannot be rejected: its status is “%(status)s”. "
                        "Nothing was changed.", status=status)
        else:
            message = _("This report cannot be archived: its status is “%(status)s”. "
                        "Nothing was changed.", status=status)
        return render_detail(report, error=message, status=409)
    if action == "publish":
        flash(_("“%(title)s” is published.", title=report.title))
    elif action == "reject":
        flash(_("“%(title)s” is rejected.", title=report.title))
    else:
        flash(_("“%(title)s” is archived.", title=report.title))
    return redirect(url_for("moderation.queue"))


@bp.get("/photos/<filename>")
@organizer_required
def photo(filename: str):
    # Only names the app generates (hex + extension): no path tricks reach the disk.
    if not photos.NAME.match(filename):
        abort(404)
    return send_image(filename, private=True)


