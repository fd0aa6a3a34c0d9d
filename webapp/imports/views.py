"""Thin views over ``webapp.store.report_import``: upload → preview (change the mapping) → confirm.

The preview always opens once the file is readable, even when no column gives a place: the
organizer maps the columns there. The mapping they import with is remembered for the next file
with the same columns (``webapp.store.import_mappings``).
"""

from __future__ import annotations

from pathlib import PurePath

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from geo.formats.tabular import MAX_BYTES

from ..extensions import db
from ..store import import_mappings
from ..store.models import Report
from ..store.report_import import (
    FIELD_LABELS,
    ImportError_,
    Plan,
    category_error,
    field_choices,
    prepare,
    read,
    store,
)
from ..store.report_rows import FIELDS
from ..web.i18n import current_language
from ..web.roles import organizer_required
from . import pending
from .forms import ConfirmForm, UploadForm

bp = Blueprint("imports", __name__)

#: Rows shown in the preview table, and bad rows listed (the counts cover every row).
PREVIEW_ROWS = 20
MAX_LISTED = 200
#: Imported reports linked from the result page (the moderation queue or the list has the rest).
IMPORTED_LINKS = 50


def _can_publish() -> bool:
    return not current_app.config["REQUIRE_REVIEW"]


def _labels() -> dict:
    return {**FIELD_LABELS, **dict(field_choices(current_language()))}


def _allowed() -> set[str]:
    return {*FIELDS, *(fid for fid, _label in field_choices(current_language()))}


def _upload_page(form: UploadForm, status: int, error: str | None = None):
    return render_template("imports/upload.html", form=form, error=error, fields=FIELDS,
                           field_labels=_labels()), status


def _preview_page(plan: Plan, form: ConfirmForm, status: int, error: str | None = None,
                  remembered: bool = False):
    return render_template("imports/preview.html", plan=plan, form=form, error=error, fields=FIELDS,
                           structured=field_choices(current_language()), field_labels=_labels(),
                           preview_rows=plan.table.rows[:PREVIEW_ROWS],
                           preview_lines=plan.table.lines[:PREVIEW_ROWS], invalid=plan.invalid[:MAX_LISTED],
                           can_publish=_can_publish(), remembered=remembered), status


def _display_name(name: str | None) -> str:
    # Shown and written in the audit log only; the stored file is named by a token.
    return PurePath((name or "").replace("\\", "/")).name[:200] or "upload"


@bp.route("/reports/import", methods=["GET", "POST"])
@organizer_required
def upload():
    form = UploadForm()
    if request.method == "GET":
        return _upload_page(form, 200)
    if not form.validate_on_submit():
        # Only a forged or stale post gets here (the lists offer valid choices): say which part.
        wrong = form.kind.errors or form.category.errors
        return _upload_page(form, 400, _("Choose the type and category from the lists.") if wrong else None)
    sent = form.file.data
    if sent is None or not getattr(sent, "filename", ""):
        return _upload_page(form, 400, _("Choose a file to import."))
    data = sent.stream.read(MAX_BYTES + 1)
    filename = _display_name(sent.filename)
    kind, category = form.kind.data or "", form.category.data or ""
    try:
        table = read(data, filename)
        memory = import_mappings.recall(table.headers, _allowed())
        if memory:  # the same form exported again: its last mapping and defaults
            kind, category = kind or memory["kind"], category or memory["category"]
            if category_error(kind or None, category):  # removed from the taxonomy since
                category = ""
        plan = prepare(data, filename, table=table, mapping=memory and memory["mapping"],
                       default_kind=kind or None, default_category=category or None, preview=True)
    except ImportError_ as exc:
        return _upload_page(form, 400, str(exc))
    token = pending.save(data, filename, current_user.id)
    confirm = ConfirmForm(formdata=None, token=token, kind=kind, category=category)
    return _preview_page(plan, confirm, 200, remembered=bool(memory))


@bp.route("/reports/import/confirm", methods=["POST"])
@organizer_required
def confirm():
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _upload_page(UploadForm(formdata=None), 400, _("The form expired. Please try again."))
    loaded = pending.load(form.token.data, current_user.id)
    if loaded is None:
        return _upload_page(UploadForm(formdata=None), 400,
                            _("This upload is no longer available: upload the file again."))
    data, filename = loaded
    mapping = _posted_mapping()
    if mapping is None:
        return _upload_page(UploadForm(formdata=None), 400, _("Unknown field in the mapping."))
    try:
        plan = prepare(data, filename, mapping=mapping, default_kind=form.kind.data or None,
                       default_category=form.category.data or None, preview=True)
    except ImportError_ as exc:
        return _upload_page(UploadForm(formdata=None), 400, str(exc))
    if request.form.get("action") != "import":
        return _preview_page(plan, form, 200)  # the organizer changed the mapping: show it again
    before = db.session.scalar(select(func.max(Report.id))) or 0
    try:
        stored = store(plan, user=current_user._get_current_object(),
                       publish=bool(form.publish.data) and _can_publish(),
                       skip_invalid=bool(form.skip_invalid.data))
    except ImportError_ as exc:
        return _preview_page(plan, form, 400, str(exc))
    import_mappings.remember(plan.table.headers, plan.mapping, kind=form.kind.data,
                             category=form.category.data)
    pending.discard(form.token.data)
    # The rows this import stored: newer than any report before it, from an import.
    imported = db.session.execute(select(Report.id, Report.title).where(
        Report.id > before, Report.source == "import").order_by(Report.id).limit(IMPORTED_LINKS)).all()
    return render_template("imports/done.html", plan=plan, stored=stored, imported=imported,
                           published=bool(form.publish.data) and _can_publish()), 200


def _posted_mapping() -> list[str | None] | None:
    """One field (a report field or a structured one) per column from the preview's selects; a
    field taken twice keeps its first column."""
    taken, out, allowed = set(), [], _allowed()
    for value in request.form.getlist("map"):
        if value and value not in allowed:
            return None
        if value in taken:
            value = ""
        taken.add(value)
        out.append(value or None)
    return out
