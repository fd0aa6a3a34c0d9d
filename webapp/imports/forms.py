"""The import page's forms: the upload, and the confirm form that carries the upload's token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField

from ..store.models import KINDS
from ..web.fields import choices
from ..web.report_form import KIND_LABELS


def _kind_choices():
    return choices([("", _l("From the file (or the category)")), *((k, KIND_LABELS[k]) for k in KINDS)])


class UploadForm(FlaskForm):
    file = FileField(_l("File (CSV, XLSX, GeoJSON, KoboToolbox or ODK export)"))
    kind = SelectField(_l("Type of rows that give none"), choices=_kind_choices(), default="",
                       validate_choice=True)


class ConfirmForm(FlaskForm):
    token = HiddenField()
    kind = SelectField(_l("Type of rows that give none"), choices=_kind_choices(), default="",
                       validate_choice=True)
    publish = BooleanField(_l("Publish the reports at once (otherwise they wait for review)"))
    skip_invalid = BooleanField(_l("Skip the invalid rows and import the others"))
