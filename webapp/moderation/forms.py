"""Moderation forms: CSRF-checked status actions, the rejection reason, and the edit form."""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..web.report_form import ReportForm, valid_text

REASON_MAX = 500  # Report.reject_reason is String(500)


class ActionForm(FlaskForm):
    """Publish and archive carry no data, only the CSRF token."""


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for rejection"),
        validators=[valid_text, DataRequired(message=_l("Please give a reason for the rejection.")),
                    Length(max=REASON_MAX, message=_l("At most %(max)d characters, please."))],
    )


class EditReportForm(ReportForm):
    """The shared report form, plus what only a moderator needs: taking a photo down."""

    # A photo can show a face or a house number; organizers must be able to remove it.
    remove_photo = BooleanField(_l("Remove the current photo"))


def posted_reason(action: str) -> tuple[str, RejectForm | None]:
    """Check a moderation POST (publish, reject or archive, of a report or an organization).

    Returns ``(reason, None)`` when it is valid (the reason is "" unless rejecting), or
    ``("", form)`` with the rejection form to show again with its message. A publish or archive
    without a valid form is refused outright (400).
    """
    if action == "reject":
        form = RejectForm()
        if not form.validate_on_submit():
            return "", form
        return form.reason.data.strip(), None
    if not ActionForm().validate_on_submit():
        abort(400)
    return "", None
