"""Form fields the report form needs beyond WTForms' own.

Each field keeps what the user typed for redisplay, so a rejected form comes back
exactly as it was sent, and accepts model objects as initial data (``obj=report``)
so the moderation edit page can reuse the form.
"""

from __future__ import annotations

import math
import re

from flask_babel import gettext as _
from markupsafe import Markup
from wtforms import SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget

from ..store.report_rows import parse_number  # one reading of numbers for the form and the import

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None

_ID_SEPARATORS = re.compile(r"[\s,،;؛]+")  # Latin and Arabic commas/semicolons
MAX_IDS = 20


def choices(pairs) -> list:
    """(value, label) pairs in the form this WTForms version prefers."""
    return [SelectChoice(v, label) if SelectChoice else (v, label) for v, label in pairs]


class CoordinateField(StringField):
    """Latitude or longitude: a finite number within ``±limit``; ``data`` is a float or None."""

    def __init__(self, label=None, validators=None, limit: float = 90.0, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.limit = limit

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        try:
            value = parse_number(text)
        except ValueError:
            value = math.nan
        # float() accepts "nan" and "inf": they are numbers to Python, not places.
        if not math.isfinite(value) or abs(value) > self.limit:
            raise ValueError(_("Enter a number between -%(limit)d and %(limit)d.", limit=self.limit))
        self.data = value

    def process_data(self, value):
        self.data = float(value) if value is not None else None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:.6f}".rstrip("0").rstrip(".")


def _attrs(**attrs) -> Markup:
    """HTML attributes, escaped; ``aria_label`` → ``aria-label``, ``class_`` → ``class``."""
    out = Markup("")
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        out += Markup(" {}").format(name) if value is True else Markup(' {}="{}"').format(name, value)
    return out


class CategorySelect:
    """A ``<select>`` with one ``<optgroup data-kind=...>`` per kind.

    Category ids repeat across kinds (``education`` is both), so the option marked
    selected is the one in the group of the kind the form currently holds.
    """

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        parts = [Markup("<select{}>").format(_attrs(name=field.name, **kwargs)),
                 Markup('<option value="">{}</option>').format(_("Choose a category…"))]
        for kind, label, options in field.groups:
            parts.append(Markup('<optgroup label="{}" data-kind="{}">').format(label, kind))
            for value, text in options:
                selected = value == field.data and kind == field.selected_kind
                parts.append(Markup("<option{}>{}</option>").format(
                    _attrs(value=value, selected=selected), text))
            parts.append(Markup("</optgroup>"))
        parts.append(Markup("</select>"))
        return Markup("").join(parts)


class CategoryField(StringField):
    """Category id; the form sets ``groups`` (kind, label, [(id, label)]) and ``selected_kind``."""

    widget = CategorySelect()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.groups: list = []
        self.selected_kind: str | None = None


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple choice; the form checks the values itself."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(label, validators, **kwargs)

    def process_data(self, value):
        # From a Report: AddressedCategory rows carry the id in ``.category``.
        self.data = [str(getattr(v, "category", v)) for v in (value or [])]


class IdListField(StringField):
    """Report numbers separated by commas; ``data`` is a list of ints.

    Text that is not a list of numbers leaves ``data`` empty and sets ``parse_error``;
    the form decides whether that matters (it does only for initiatives).
    """

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.parse_error = False

    def process_formdata(self, valuelist):
        self.data, self.parse_error = [], False
        tokens = [t for t in _ID_SEPARATORS.split(valuelist[0] if valuelist else "") if t]
        ids = []
        for token in tokens:
            token = token.lstrip("#")
            if not token.isdecimal() or len(token) > 9:
                self.parse_error = True
                return
            ids.append(int(token))  # int() reads Arabic-Indic digits too
        self.data = sorted(set(ids))

    def process_data(self, value):
        # From a Report: the linked challenges are Report objects.
        self.data = sorted({int(getattr(v, "id", v)) for v in (value or [])})

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return ", ".join(str(i) for i in self.data or [])
