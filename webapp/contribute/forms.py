"""The report form, shared by organizers (/reports/new), the public (/suggest) and moderation (edit).

``ReportForm`` validates everything on the server (the page's JavaScript only helps);
``form_to_fields`` turns a validated form into the dict ``reporting.create_report`` and
``reporting.update_report`` take.  Nothing here writes to the database or the disk.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, DateField, RadioField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from geo.privacy import PRECISIONS

from ..extensions import db
from ..store import photos
from ..store.models import KINDS, Report
from ..store.reporting import get_taxonomy, locate
from ..web.i18n import current_language
from .areas import area_point, find_area
from .fields import MAX_IDS, CategoryField, CoordinateField, IdListField, MultiCheckboxField, choices

JERUSALEM = ZoneInfo("Asia/Jerusalem")
KIND_LABELS = {"challenge": _l("Challenge"), "initiative": _l("Initiative")}
KIND_GROUP_LABELS = {"challenge": _l("Challenges"), "initiative": _l("Initiatives")}
PRECISION_LABELS = {"exact": _l("Exact"), "approximate": _l("Approximate"), "area": _l("Area only")}
PRECISION_HINTS = {
    "exact": _l("The map shows the point exactly where you put it."),
    "approximate": _l("The map shows a point 150–300 m away, in the same neighborhood."),
    "area": _l("The map shows only the neighborhood or village, not the point."),
}
TEXT_LIMITS = {"title": 120, "description": 4000, "organization": 200, "link": 500, "contact": 300}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _length(name: str) -> Length:
    return Length(max=TEXT_LIMITS[name], message=_l("At most %(max)d characters, please."))


def valid_text(form, field) -> None:
    """Refuse text that was not valid UTF-8.

    Werkzeug decodes form bodies with ``errors="replace"``: bytes that are not UTF-8 arrive
    as U+FFFD. Storing them would silently replace what the person wrote, so say so instead.
    """
    if isinstance(field.data, str) and "\ufffd" in field.data:
        raise ValidationError(str(INVALID_TEXT))


INVALID_TEXT = _l("This field contains characters that are not valid text.")


def jerusalem_today() -> dt.date:
    # The reporters are in Jerusalem: "today" is theirs, not the server's UTC date.
    return dt.datetime.now(JERUSALEM).date()


def _category_choices(lang: str) -> tuple[list, list]:
    """The category list's groups and the addressed-category choices in ``lang``, built once per app."""
    cache = current_app.extensions.setdefault("ahya.contribute.choices", {})
    if lang not in cache:
        taxonomy = get_taxonomy()
        groups = [(k, KIND_GROUP_LABELS[k], [(c.id, c.label(lang)) for c in taxonomy.categories(k)])
                  for k in KINDS]
        cache[lang] = groups, choices((c.id, c.label(lang)) for c in taxonomy.categories("challenge"))
    return cache[lang]


class ReportForm(FlaskForm):
    """Every field of a report. Used as is by the moderation edit page.

    After ``validate()``: ``point`` is (lon, lat), ``point_from_area`` tells whether it is
    an area's representative point, ``clean_photo`` is a ``photos.CleanPhoto`` or None,
    and ``point_errors`` lists problems with the location as a whole.
    """

    kind = RadioField(_l("Type"), choices=choices((k, KIND_LABELS[k]) for k in KINDS), validate_choice=False)
    category = CategoryField(_l("Category"))
    lat = CoordinateField(_l("Latitude"), limit=90)
    lon = CoordinateField(_l("Longitude"), limit=180)
    area_name = StringField(_l("Neighborhood or village"), filters=[_strip])
    precision = RadioField(_l("What the public map shows"), default="approximate", validate_choice=False,
                           choices=choices((p, PRECISION_LABELS[p]) for p in PRECISIONS))
    title = StringField(_l("Title"), filters=[_strip], validators=[
        DataRequired(message=_l("Please give a title.")), _length("title")])
    description = TextAreaField(_l("Description"), filters=[_strip], validators=[_length("description")])
    observed_on = DateField(_l("Date observed"), validators=[Optional()])
    organization = StringField(_l("Organization"), filters=[_strip], validators=[_length("organization")])
    link = URLField(_l("Link"), filters=[_strip], validators=[_length("link")])
    contact = StringField(_l("Contact (private: never published)"), filters=[_strip],
                          validators=[_length("contact")])
    photo = FileField(_l("Photo"))
    addressed_categories = MultiCheckboxField(_l("Challenge categories it addresses"))
    addresses = IdListField(_l("Numbers of published challenges it addresses"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups, addressed = _category_choices(current_language())
        self.category.groups = groups
        self.category.selected_kind = self.kind.data
        self.addressed_categories.choices = list(addressed)
        self.point: tuple[float, float] | None = None
        self.point_from_area = False
        self.point_errors: list[str] = []
        self.clean_photo: photos.CleanPhoto | None = None

    @property
    def errors(self):
        errors = super().errors
        if self.point_errors:
            errors = {**errors, "point": self.point_errors}
        return errors

    @property
    def is_initiative(self) -> bool:
        return self.kind.data == "initiative"

    # --- per-field checks (WTForms calls validate_<name>) ---------------------------------

    def validate_kind(self, field):
        if field.data not in KINDS:
            raise ValidationError(_("Choose whether this is a challenge or an initiative."))

    def validate_category(self, field):
        if not field.data:
            raise ValidationError(_("Choose a category."))
        kind = self.kind.data
        if kind not in KINDS or get_taxonomy().is_valid(kind, field.data):
            return
        other = next((k for k in KINDS if k != kind), None)
        if get_taxonomy().is_valid(other, field.data):
            raise ValidationError(_("This category is for initiatives, not challenges.")
                                  if other == "initiative" else
                                  _("This category is for challenges, not initiatives."))
        raise ValidationError(_("Unknown category."))

    def validate_area_name(self, field):
        if field.data and find_area(field.data) is None:
            raise ValidationError(_("Choose a neighborhood or village from the list."))

    def validate_precision(self, field):
        if field.data not in PRECISIONS:
            raise ValidationError(_("Choose how precisely the map shows the place."))

    def validate_observed_on(self, field):
        if field.data and field.data > jerusalem_today():
            raise ValidationError(_("The date cannot be in the future."))

    def validate_link(self, field):
        if not field.data:
            return
        parts = urlsplit(field.data)
        # Only web links: "javascript:" or "data:" links would run in readers' browsers.
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in field.data:
            raise ValidationError(_("Enter a web address starting with http:// or https://."))

    def validate_photo(self, field):
        if not (isinstance(field.data, FileStorage) and field.data.filename):
            return  # no new photo (optional; on the edit page the current one stays)
        try:
            self.clean_photo = photos.process(field.data.stream)
        except photos.PhotoError as exc:
            raise ValidationError(str(exc)) from exc

    def validate_addressed_categories(self, field):
        taxonomy = get_taxonomy()
        if self.is_initiative and any(not taxonomy.is_valid("challenge", c) for c in field.data or []):
            raise ValidationError(_("Choose challenge categories from the list."))

    def validate_addresses(self, field):
        if not self.is_initiative:
            return
        if field.parse_error:
            raise ValidationError(_("Write report numbers separated by commas, for example: 12, 40."))
        if len(field.data) > MAX_IDS:
            raise ValidationError(_("At most %(n)d challenges.", n=MAX_IDS))
        if not field.data:
            return
        found = set(db.session.scalars(db.select(Report.id).where(
            Report.id.in_(field.data), Report.kind == "challenge", Report.status == "published")))
        missing = [str(i) for i in field.data if i not in found]
        if missing:
            raise ValidationError(_("No published challenge has the number: %(ids)s.",
                                    ids=", ".join(missing)))

    # --- the location as a whole ------------------------------------------------------------

    def validate(self, extra_validators=None) -> bool:
        # Every text field (including those of subclasses) refuses undecodable bytes first.
        extra = dict(extra_validators or {})
        for name, field in self._fields.items():
            if isinstance(field.data, str):
                extra[name] = [valid_text, *extra.get(name, [])]
        fields_ok = super().validate(extra)
        self._resolve_point()
        return fields_ok and not self.point_errors

    def _resolve_point(self) -> None:
        """Coordinates win over an area; the point must fall inside Jerusalem."""
        self.point, self.point_from_area, self.point_errors = None, False, []
        if self.lat.errors or self.lon.errors or self.area_name.errors:
            return
        lat, lon = self.lat.data, self.lon.data
        if lat is not None and lon is not None:
            point = (lon, lat)
        elif lat is not None or lon is not None:
            self.point_errors.append(_("Enter both the latitude and the longitude."))
            return
        elif self.area_name.data:
            point = area_point(find_area(self.area_name.data))
            self.point_from_area = True
        else:
            self.point_errors.append(_("Choose the place: click the map, type the coordinates, "
                                       "or choose a neighborhood or village."))
            return
        if locate(*point) is None:
            self.point_errors.append(_("This point is outside Jerusalem's municipal boundary."))
            return
        self.point = point


class NewReportForm(ReportForm):
    """The organizer's form: may hold a report back for review instead of publishing it."""

    hold = BooleanField(_l("Do not publish yet: send it to the moderation queue first"))


class SuggestionForm(ReportForm):
    """The public form: a honeypot instead of publishing choices (status is always pending)."""

    # Hidden by CSS; people leave it empty, form-filling bots do not.
    website = StringField(_l("Leave this field empty"))


def form_to_fields(form: ReportForm) -> dict:
    """The validated form as the dict ``reporting.create_report``/``update_report`` take.

    ``photo`` is present only when a new photo was uploaded: its generated name, which
    the caller must write with ``photos.store(form.clean_photo, PHOTOS_DIR)`` before
    committing. Without it an edit keeps the current photo.
    """
    if form.point is None:
        raise ValueError("form_to_fields needs a validated form")
    initiative = form.is_initiative
    lon, lat = form.point
    fields = {
        "kind": form.kind.data,
        "category": form.category.data,
        "title": form.title.data,
        "description": form.description.data or "",
        "lon": lon,
        "lat": lat,
        # An area's point says nothing finer than the area: never show it as a precise point.
        "precision": "area" if form.point_from_area else form.precision.data,
        "observed_on": form.observed_on.data,
        "organization": form.organization.data or "",
        "link": form.link.data or "",
        "contact": form.contact.data or "",
        "addresses": list(form.addresses.data or []) if initiative else [],
        "addressed_categories": sorted(set(form.addressed_categories.data or [])) if initiative else [],
    }
    if form.clean_photo is not None:
        fields["photo"] = form.clean_photo.name
    return fields
