"""The organization form (create and edit), validated on the server.

Only what the organization itself publishes: the form says so, and keeps no field for a
person's private details. ``form_to_fields`` turns a validated form into the dict
``store.organizations.create_organization`` / ``update_organization`` take.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from ..store import photos
from ..store.layers import place_names
from ..store.models import ORG_KINDS
from ..store.reporting import get_taxonomy
from ..web.fields import MultiCheckboxField, choices
from ..web.i18n import current_language
from ..web.labels import ORG_KIND_LABELS as KIND_LABELS
from ..web.report_form import valid_text

LIMITS = {"name": 200, "description": 2000, "website": 500, "public_phone": 40, "public_email": 254}
_PHONE = re.compile(r"^\+?[0-9٠-٩][0-9٠-٩ ()\-./]{4,38}$")
_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _length(name: str) -> Length:
    return Length(max=LIMITS[name], message=_l("At most %(max)d characters, please."))


class AreaSelect(SelectMultipleField):
    """The places an organization serves: a multi-select of the 137 places; values checked by the form."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(label, validators, **kwargs)

    def process_data(self, value):
        # From an Organization: OrganizationArea rows carry the slug in ``.area``.
        self.data = [str(getattr(v, "area", v)) for v in (value or [])]


class CategoryChecks(MultiCheckboxField):
    def process_data(self, value):
        self.data = [str(getattr(v, "category", v)) for v in (value or [])]


def area_choices(lang: str) -> list:
    names = place_names()
    other = "en" if lang == "ar" else "ar"
    rows = sorted(((slug, n.get(lang) or n.get("en") or slug, n.get(other) or "")
                   for slug, n in names.items()), key=lambda r: r[1].casefold())
    return choices((slug, f"{name} · {alt}" if alt and alt != name else name) for slug, name, alt in rows)


class OrganizationForm(FlaskForm):
    name_ar = StringField(_l("Name in Arabic"), filters=[_strip], validators=[_length("name")])
    name_en = StringField(_l("Name in English"), filters=[_strip], validators=[_length("name")])
    kind = SelectField(_l("Kind of organization"), validate_choice=False, default="community_group",
                       choices=choices((k, KIND_LABELS[k]) for k in ORG_KINDS))
    areas = AreaSelect(_l("Neighborhoods and villages it serves"))
    categories = CategoryChecks(_l("Challenges it works on"))
    description = TextAreaField(_l("Short description"), filters=[_strip],
                                validators=[_length("description")])
    website = StringField(_l("Website"), filters=[_strip], validators=[_length("website")])
    public_phone = StringField(_l("Public phone of the organization"), filters=[_strip],
                               validators=[_length("public_phone")])
    public_email = StringField(_l("Public e-mail of the organization"), filters=[_strip],
                               validators=[_length("public_email")])
    logo = FileField(_l("Logo"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang = current_language()
        self.areas.choices = area_choices(lang)
        self.categories.choices = choices((c.id, c.label(lang))
                                          for c in get_taxonomy().categories("challenge"))
        self.clean_logo: photos.CleanPhoto | None = None

    def validate(self, extra_validators=None) -> bool:
        extra = dict(extra_validators or {})
        for name, field in self._fields.items():
            if isinstance(field.data, str):
                extra[name] = [valid_text, *extra.get(name, [])]
        ok = super().validate(extra)
        if not (self.name_ar.data or self.name_en.data) and not self.name_ar.errors:
            self.name_ar.errors = [*self.name_ar.errors, _("Give the name in Arabic, in English or both.")]
            ok = False
        return ok

    def validate_kind(self, field):
        if field.data not in ORG_KINDS:
            raise ValidationError(_("Choose a kind from the list."))

    def validate_areas(self, field):
        known = place_names()
        if any(slug not in known for slug in field.data or []):
            raise ValidationError(_("Choose neighborhoods and villages from the list."))

    def validate_categories(self, field):
        taxonomy = get_taxonomy()
        if any(not taxonomy.is_valid("challenge", c) for c in field.data or []):
            raise ValidationError(_("Choose challenge categories from the list."))

    def validate_website(self, field):
        if not field.data:
            return
        parts = urlsplit(field.data)
        # Only web links: "javascript:" or "data:" links would run in readers' browsers.
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in field.data:
            raise ValidationError(_("Enter a web address starting with http:// or https://."))

    def validate_public_phone(self, field):
        if field.data and not _PHONE.match(field.data):
            raise ValidationError(_("Enter a phone number: digits, spaces, + ( ) - only."))

    def validate_public_email(self, field):
        if field.data and not _EMAIL.match(field.data):
            raise ValidationError(_("Enter an e-mail address like info@example.org."))

    def validate_logo(self, field):
        if not (isinstance(field.data, FileStorage) and field.data.filename):
            return
        try:
            self.clean_logo = photos.process(field.data.stream)
        except photos.PhotoError as exc:
            raise ValidationError(str(exc)) from exc


class EditOrganizationForm(OrganizationForm):
    remove_logo = BooleanField(_l("Remove the current logo"))


def form_to_fields(form: OrganizationForm) -> dict:
    """The validated form as a dict; ``logo`` only when a new one was uploaded."""
    fields = {
        "name_ar": form.name_ar.data or "", "name_en": form.name_en.data or "", "kind": form.kind.data,
        "description": form.description.data or "", "website": form.website.data or "",
        "public_phone": form.public_phone.data or "", "public_email": form.public_email.data or "",
        "areas": sorted(set(form.areas.data or [])), "categories": sorted(set(form.categories.data or [])),
    }
    if form.clean_logo is not None:
        fields["logo"] = form.clean_logo.name
    return fields
