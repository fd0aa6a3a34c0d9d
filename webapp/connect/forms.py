"""The request-to-connect form: who writes, how to answer them, and the message."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..web.report_form import valid_text

LIMITS = {"sender_name": 120, "reply_channel": 300, "message": 2000}
_TOO_LONG = _l("At most %(max)d characters, please.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ConnectForm(FlaskForm):
    """Every field is required and bounded; ``website`` is the honeypot (must stay empty)."""

    sender_name = StringField(_l("Your name or your group's name"), filters=[_strip], validators=[
        DataRequired(_l("Please write your name.")), Length(max=LIMITS["sender_name"], message=_TOO_LONG),
        valid_text])
    reply_channel = StringField(_l("How to reach you (phone, e-mail or other)"), filters=[_strip],
                                validators=[
        DataRequired(_l("Please say how they can answer you.")),
        Length(max=LIMITS["reply_channel"], message=_TOO_LONG), valid_text])
    message = TextAreaField(_l("Message"), filters=[_strip], validators=[
        DataRequired(_l("Please write a message.")), Length(max=LIMITS["message"], message=_TOO_LONG),
        valid_text])
    website = StringField(_l("Leave this field empty"))


class StatusForm(FlaskForm):
    """CSRF only: the new status is in the URL."""
