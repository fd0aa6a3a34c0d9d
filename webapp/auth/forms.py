"""The forms of the one-time links: the first admin, a new password, a reset request."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..store.accounts import MIN_PASSWORD, valid_address
from ..web.report_form import valid_text


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _address(form, field) -> None:
    if not valid_address(field.data or ""):
        raise ValidationError(_l("Please write an e-mail address such as name@example.org."))


def _email_field(label):
    # valid_text: the address is looked up in the database, where a null byte is an error.
    return EmailField(label, filters=[_strip], validators=[
        DataRequired(_l("Please write an e-mail address.")), Length(max=254), valid_text, _address])


class PasswordForm(FlaskForm):
    """A new password, typed twice (an invitation, a reset)."""

    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Please choose a password.")),
        Length(min=MIN_PASSWORD, max=200, message=_l("Between %(min)d and %(max)d characters, please.")),
    ])
    confirm = PasswordField(_l("The same password again"), validators=[
        DataRequired(_l("Please type the password again.")),
        EqualTo("password", message=_l("The two passwords differ.")),
    ])


class SetupForm(PasswordForm):
    """The first admin: an address and a password typed twice."""

    email = _email_field(_l("Your e-mail address"))


class ResetRequestForm(FlaskForm):
    """The address of an account whose password was forgotten."""

    email = _email_field(_l("Your e-mail address"))
