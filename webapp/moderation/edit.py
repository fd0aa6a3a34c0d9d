"""Editing a report from the moderation pages (GET/POST /moderation/<id>/edit).

The page reuses the shared ``ReportForm``; the edit goes through
``reporting.update_report``, which re-derives the area and the public point when the
point or the precision changes and writes an "edit" audit event naming the fields.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..store import photos, sitesettings
from ..store.area_names import area_options
from ..store.reporting import update_report
from ..web.i18n import current_language
from ..web.report_form import PRECISION_HINTS, form_to_fields, jerusalem_today
from ..web.roles import organizer_required
from .forms import EditReportForm
from .views import bp, get_report


@bp.route("/<id:report_id>/edit", methods=["GET", "POST"])
@organizer_required
def edit(report_id: int):
    report = get_report(report_id)
    form = EditReportForm(obj=report)
    if form.validate_on_submit():
        fields = form_to_fields(form)
        if form.remove_photo.data and "photo" not in fields:
            fields["photo"] = None
        photos_dir = current_app.config["PHOTOS_DIR"]
        old_photo, new_photo = report.photo, form.clean_photo
        if new_photo is not None:
            photos.store(new_photo, photos_dir)
        try:
            changed = update_report(report, fields, current_user._get_current_object())
        except Exception:
            # Nothing half-saved: no database change and no orphaned photo file.
            db.session.rollback()
            photos.discard(new_photo.name if new_photo else None, photos_dir)
            raise
        if "photo" in changed:
            # Replaced or removed, usually for privacy: the old file must not linger on disk.
            photos.discard(old_photo, photos_dir)
        flash(_("“%(title)s” is saved.", title=report.title) if changed else _("Nothing was changed."))
        return redirect(url_for("moderation.detail", report_id=report.id))
    status = 400 if request.method == "POST" else 200
    return render_template("moderation/edit.html", report=report, form=form,
                           areas=area_options(current_language()), precision_hints=PRECISION_HINTS,
                           today=jerusalem_today().isoformat(),
                           tile_url=sitesettings.get("TILE_URL"),
                           tile_attribution=sitesettings.get("TILE_ATTRIBUTION")), status
