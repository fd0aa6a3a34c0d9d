"""The layer page's forms. Values stay text: ``webapp.store.overlay_import`` checks them, with the
same rules and messages as ``flask layers``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

#: Longer than any valid value (the store names the real limits); stops a megabyte in a field.
_SHORT = [Length(max=400)]


def style_labels() -> dict[str, str]:
    """How the store's messages name each style field on this page."""
    return {"color": str(_l("Colour")), "weight": str(_l("Line width")), "radius": str(_l("Point radius")),
            "fill_opacity": str(_l("Fill opacity")), "by": str(_l("Colours by the values of")),
            "colors": str(_l("Colours by value")), "popup": str(_l("Popup attributes")),
            "order": str(_l("Order")), "visible": str(_l("On the map by default")),
            "title": str(_l("Title")), "title_ar": str(_l("Title in Arabic")),
            "title_en": str(_l("Title in English")), "encoding": str(_l("Encoding")),
            "label": str(_l("Label (tooltip)"))}


#: Common encodings of Shapefiles and CSV files made here; the store accepts any codec Python
#: knows (the select is not checked against this list: ``check_encoding`` does it).
ENCODINGS = [("auto", _l("Automatic (from the .cpg, else UTF-8)")), ("utf-8", "UTF-8"),
             ("cp1256", _l("Windows-1256 (Arabic)")), ("iso-8859-8", _l("ISO-8859-8 (Hebrew)")),
             ("cp1255", _l("Windows-1255 (Hebrew)"))]


class _Reader:
    encoding = SelectField(_l("Encoding"), choices=ENCODINGS, default="auto", validate_choice=False,
                           validators=_SHORT)
    force = BooleanField(_l("Keep it even though it lies mostly outside Jerusalem"))


class _Style:
    title_ar = StringField(_l("Title in Arabic"), validators=_SHORT)
    title_en = StringField(_l("Title in English"), validators=_SHORT)
    color = StringField(_l("Colour"), default="#7b2cbf", validators=_SHORT, render_kw={"type": "color"})
    weight = StringField(_l("Line width"), default="2", validators=_SHORT,
                         render_kw={"inputmode": "decimal"})
    radius = StringField(_l("Point radius"), default="5", validators=_SHORT,
                         render_kw={"inputmode": "decimal"})
    order = StringField(_l("Order"), default="0", validators=_SHORT, render_kw={"inputmode": "numeric"})
    visible = BooleanField(_l("On the map by default"), default=True)


class UploadForm(_Style, _Reader, FlaskForm):
    files = MultipleFileField(_l("File"))
    layer = StringField(_l("Layer inside the file"), validators=_SHORT)
    name = StringField(_l("Short name"), validators=_SHORT)
    popup = StringField(_l("Popup attributes"), validators=_SHORT)
    label = StringField(_l("Label (tooltip)"), validators=_SHORT)
    replace = BooleanField(_l("Replace the layer of the same name"))


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StyleForm(_Style, FlaskForm):
    title = StringField(_l("Title"), validators=_SHORT)
    fill_opacity = StringField(_l("Fill opacity"), default="0.1", validators=_SHORT,
                               render_kw={"inputmode": "decimal"})
    # Choices are the layer's attributes (set by the view); the store checks them again.
    by = SelectField(_l("Colours by the values of"), choices=[], validate_choice=False)
    colors = TextAreaField(_l("Colours by value"), validators=[Length(max=4000)], render_kw={"rows": 4})
    popup = MultiCheckbox(_l("Popup attributes"), choices=[], validate_choice=False)
    label = SelectField(_l("Label (tooltip)"), choices=[], validate_choice=False)


class ReplaceForm(_Reader, FlaskForm):
    files = MultipleFileField(_l("File"))
    layer = StringField(_l("Layer inside the file"), validators=_SHORT)


class RemoveForm(FlaskForm):
    """Only the CSRF token: the page asks for a confirmation in the browser and here."""

    confirm = BooleanField(_l("Yes, remove this layer"))
