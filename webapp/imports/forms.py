"""The import page's forms: the upload, and the confirm form that carries the upload's token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField

from ..store.models import KINDS
from ..store.reporting import get_taxonomy
from ..web.fields import choices
from ..web.i18n import current_language
from ..web.report_form import KIND_LABELS


def _kind_choices():
    return choices([("", _l("From the file (or the category)")), *((k, KIND_LABELS[k]) for k in KINDS)])


def _category_choices() -> list:
    """Every category id once (ids repeat across kinds), labelled in the reader's language."""
    lang, seen, pairs = current_language(), set(), [("", _l("From the file"))]
    for kind in KINDS:
        for cat in get_taxonomy().categories(kind):
            if cat.id not in seen:
                seen.add(cat.id)
                pairs.append((cat.id, cat.label(lang)))
    return choices(pairs)


class _Defaults(FlaskForm):
    kind = SelectField(_l("Type of rows that give none"), choices=_kind_choices(), default="",
                       validate_choice=True)
    category = SelectField(_l("Category of rows that give none"), default="", validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = _category_choices()


class UploadForm(_Defaults):
    file = FileField(_l("File (CSV, XLSX, GeoJSON, KoboToolbox, Ona or ODK Central export)"))


class ConfirmForm(_Defaults):
    token = HiddenField()
    publish = BooleanField(_l("Publish the reports at once (otherwise they wait for review)"))
    skip_invalid = BooleanField(_l("Skip the invalid rows and import the others"))
