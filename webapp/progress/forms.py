"""Forms of the progress blueprint: the organizer's state and update, the public's suggestions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..store.report_rules import event_date_error
from ..store.updates import MAX_BODY, MAX_CONTACT
from ..web.report_form import valid_text

_TOO_LONG = _l("At most %(max)d characters, please.")

try:  # WTForms >= 3.2 prefers SelectChoice to (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    SelectChoice = None


def choices(pairs) -> list:
    """(value, label) pairs in the form this WTForms version prefers."""
    return [SelectChoice(v, label) if SelectChoice else (v, label) for v, label in pairs]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _event_date(form, field):
    # The report form's date rule (store.report_rules), shared so both forms refuse the same dates.
    error = event_date_error(field.data)
    if error:
        raise ValidationError(error)


def _event_date_field():
    return DateField(_l("When did it happen? (optional)"), validators=[Optional(), _event_date])


class StateForm(FlaskForm):
    """An organizer sets the state and/or writes an update (text, optional photo)."""

    state = RadioField(_l("State"), validate_choice=True)
    note = TextAreaField(_l("Update (optional)"), filters=[_strip], validators=[
        Optional(), Length(max=MAX_BODY, message=_TOO_LONG), valid_text])
    photo = FileField(_l("Photo (optional)"))
    happened_on = _event_date_field()


class SuggestUpdateForm(FlaskForm):
    """Anyone suggests an update; ``website`` is the honeypot (must stay empty)."""

    body = TextAreaField(_l("What happened?"), filters=[_strip], validators=[
        DataRequired(_l("Please write the update.")), Length(max=MAX_BODY, message=_TOO_LONG), valid_text])
    happened_on = _event_date_field()
    contact = StringField(_l("How to reach you (optional, never published)"), filters=[_strip],
                          validators=[Optional(), Length(max=MAX_CONTACT, message=_TOO_LONG), valid_text])
    website = StringField(_l("Leave this field empty"))


class AffectsUsForm(FlaskForm):
    """A resident says her area faces the same challenge; ``website`` is the honeypot."""

    area = SelectField(_l("Your neighborhood or village"), validate_choice=True,
                       validators=[DataRequired(_l("Please choose your area."))])
    contact = StringField(_l("How to reach you (optional, never published)"), filters=[_strip],
                          validators=[Optional(), Length(max=MAX_CONTACT, message=_TOO_LONG), valid_text])
    website = StringField(_l("Leave this field empty"))


class ReviewForm(FlaskForm):
    """CSRF only: the action is in the URL."""
