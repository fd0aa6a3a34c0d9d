"""The follow form: an e-mail address and how often; ``website`` is the honeypot."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..store.alerts import valid_email

try:  # WTForms >= 3.2 prefers SelectChoice to (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    SelectChoice = None

FREQUENCY_LABELS = (("immediate", _l("A mail for each new report or update")),
                    ("weekly", _l("One mail a week")))
FREQUENCY_CHOICES = [SelectChoice(v, label) if SelectChoice else (v, label) for v, label in FREQUENCY_LABELS]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email(form, field) -> None:
    if not valid_email(field.data or ""):
        raise ValidationError(_l("Please write an e-mail address such as name@example.org."))


class FollowForm(FlaskForm):
    email = StringField(_l("Your e-mail address"), filters=[_strip], validators=[
        DataRequired(_l("Please write your e-mail address.")), Length(max=254), _email])
    frequency = RadioField(_l("How often"), choices=FREQUENCY_CHOICES, default="immediate",
                           validate_choice=True)
    website = StringField(_l("Leave this field empty"))


class TokenForm(FlaskForm):
    """CSRF only: the subscription is named by the token in the URL."""
