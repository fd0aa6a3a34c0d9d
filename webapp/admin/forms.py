"""The accounts page's forms: invite an address, change a role, (de)activate, act on an invitation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from ..store.accounts import valid_address
from ..store.models import ROLES
from ..web.report_form import valid_text

try:  # WTForms >= 3.2 prefers SelectChoice to (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    SelectChoice = None

ROLE_LABELS = {"organizer": _l("Organizer"), "admin": _l("Administrator")}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _address(form, field) -> None:
    if not valid_address(field.data or ""):
        raise ValidationError(_l("Please write an e-mail address such as name@example.org."))


def _roles():
    return [SelectChoice(role, ROLE_LABELS[role]) if SelectChoice else (role, ROLE_LABELS[role])
            for role in ROLES]


class InviteForm(FlaskForm):
    """An address and the role it is invited to."""

    email = EmailField(_l("E-mail"), filters=[_strip], validators=[
        DataRequired(_l("Please write an e-mail address.")), Length(max=254), valid_text, _address])
    role = SelectField(_l("Role"), choices=_roles(), default="organizer", validate_choice=True)


class RoleForm(FlaskForm):
    """The new role of an account."""

    role = SelectField(_l("Role"), choices=_roles(), validate_choice=True)


class ActiveForm(FlaskForm):
    """``1`` activates the account, ``0`` deactivates it (and ends its sessions)."""

    active = HiddenField(validators=[DataRequired(), AnyOf(("0", "1"))])


class ActionForm(FlaskForm):
    """CSRF only: the invitation is named in the URL."""
