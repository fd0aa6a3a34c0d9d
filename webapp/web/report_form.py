"""The report form, shared by organizers (/reports/new), the public (/suggest) and moderation (edit).

``ReportForm`` validates everything on the server (the page's JavaScript only helps);
``form_to_fields`` turns a validated form into the dict ``reporting.create_report`` and
``reporting.update_report`` take.  Nothing here writes to the database or the disk.
"""

from __future__ import annotations

import unicodedata

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import Optional, Regexp, ValidationError

from geo.spatial.privacy import PRECISIONS

from ..extensions import db
from ..state import app_state
from ..store import photos
from ..store import report_rules as rules
from ..store.models import KINDS, Organization, Report
from ..store.organizations import display_name, published_choices
from ..store.report_fields import clean_fields
from ..store.report_rules import INVALID_TEXT, JERUSALEM, TEXT_LIMITS, jerusalem_today  # noqa: F401 (re-exported)
from ..store.reporting import get_taxonomy
from .fields import MAX_IDS, CategoryField, CoordinateField, IdListField, MultiCheckboxField, choices
from .i18n import current_language, wtforms_translations

KIND_LABELS = {"challenge": _l("Challenge"), "initiative": _l("Initiative")}
KIND_GROUP_LABELS = {"challenge": _l("Challenges"), "initiative": _l("Initiatives")}
PRECISION_LABELS = {"exact": _l("Exact"), "approximate": _l("Approximate"), "area": _l("Area only")}
PRECISION_HINTS = {
    "exact": _l("The map shows the point exactly where you put it."),
    "approximate": _l("The map shows a point 150–300 m away, in the same neighborhood."),
    "area": _l("The map shows only the neighborhood or village, not the point."),
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _limit(name: str, **attrs) -> dict:
    # The browser's hint only: the server's check is rules.field_errors.
    return {"maxlength": TEXT_LIMITS[name], **attrs}


#: Control characters a text field may hold: tab and line breaks (a description's paragraphs).
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def valid_text(form, field) -> None:
    """Refuse text that was not valid UTF-8, and control characters other than tab and newlines.

    Werkzeug decodes form bodies with ``errors="replace"``: bytes that are not UTF-8 arrive
    as U+FFFD. Storing them would silently replace what the person wrote, so say so instead.
    A null byte cannot be stored in PostgreSQL text at all (an error, i.e. a 500), and other
    control characters are invisible on every page. Format characters (joiners, bidi marks)
    are text and are kept: Arabic needs them.
    """
    if not isinstance(field.data, str):
        return
    if "\ufffd" in field.data or any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS
                                     for ch in field.data):
        raise ValidationError(str(INVALID_TEXT))


def _category_choices(lang: str) -> tuple[list, list]:
    """The category list's groups and the addressed-category choices in ``lang``, built once per app."""
    cache = app_state().category_choices
    if lang not in cache:
        taxonomy = get_taxonomy()
        groups = [(k, KIND_GROUP_LABELS[k], [(c.id, c.label(lang)) for c in taxonomy.categories(k)])
                  for k in KINDS]
        cache[lang] = groups, choices((c.id, c.label(lang)) for c in taxonomy.categories("challenge"))
    return cache[lang]


#: The form name of a structured field (``data/categories.yaml`` ``fields:``); ids are unique
#: across categories (tests/geo/reference/test_fields.py), so one name per field id is enough.
FIELD_PREFIX = "field_"


def _shown(f, value) -> str | list[str]:
    """A stored structured value as the form shows it (the edit page's initial data)."""
    if f.type == "multi":
        return [str(v) for v in value] if isinstance(value, list) else []
    if f.type == "yesno":
        return "yes" if value is True else "no" if value is False else ""
    return "" if value is None else str(value)


class ReportForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            # WTForms' own messages, loaded once per language (Flask-WTF reads the catalogue
            # file again for every request).
            return wtforms_translations()

    """Every field of a report. Used as is by the moderation edit page.

    After ``validate()``: ``point`` is (lon, lat), ``point_from_area`` tells whether it is
    an area's representative point, ``clean_photo`` is a ``photos.CleanPhoto`` or None,
    ``point_errors`` lists problems with the location as a whole, ``structured`` holds the
    category's structured field values (typed) and ``structured_errors`` their messages.
    The structured fields are not WTForms fields: which ones exist depends on the category
    posted, so they are read from the posted data with ``clean_fields`` (the import's and the
    API's check) once kind and category are known.
    """

    kind = RadioField(_l("Type"), choices=choices((k, KIND_LABELS[k]) for k in KINDS), validate_choice=False)
    category = CategoryField(_l("Category"))
    lat = CoordinateField(_l("Latitude"), limit=90)
    lon = CoordinateField(_l("Longitude"), limit=180)
    area_name = StringField(_l("Neighborhood or village"), filters=[_strip])
    precision = RadioField(_l("What the public map shows"), default="approximate", validate_choice=False,
                           choices=choices((p, PRECISION_LABELS[p]) for p in PRECISIONS))
    title = StringField(_l("Title"), filters=[_strip], render_kw=_limit("title", required=True))
    description = TextAreaField(_l("Description"), filters=[_strip], render_kw=_limit("description"))
    observed_on = DateField(_l("Date observed"), validators=[Optional()])
    organization = StringField(_l("Organization"), filters=[_strip], render_kw=_limit("organization"))
    # An initiative's organization as a record (published organizations); the free text above
    # stays for names not in the directory yet, and for old data.
    organization_id = SelectField(_l("Organization in the directory"), validate_choice=False,
                                  coerce=lambda v: "" if v is None else str(v))
    link = URLField(_l("Link"), filters=[_strip], render_kw=_limit("link"))
    contact = StringField(_l("Contact (private: never published)"), filters=[_strip],
                          render_kw=_limit("contact"))
    photo = FileField(_l("Photo"))
    addressed_categories = MultiCheckboxField(_l("Challenge categories it addresses"))
    addresses = IdListField(_l("Numbers of published challenges it addresses"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups, addressed = _category_choices(current_language())
        self.category.groups = groups
        self.category.selected_kind = self.kind.data
        self.addressed_categories.choices = list(addressed)
        self._linked_org = getattr(kwargs.get("obj"), "organization_id", None)
        # Read when the page is drawn or an initiative is checked, not on every post: most
        # reports are challenges, and the list is a query (the organizer form's hot path).
        self.organization_id.choices = self._organization_choices
        self.point: tuple[float, float] | None = None
        self.point_from_area = False
        self.point_area: str | None = None
        self.point_errors: list[str] = []
        self.clean_photo: photos.CleanPhoto | None = None
        self.structured: dict = {}
        self.structured_errors: dict[str, str] = {}

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        """WTForms' processing, keeping the posted data (structured fields) and ``obj``'s values."""
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)
        self._posted = self.meta.wrap_formdata(self, formdata)
        stored = getattr(obj, "fields", None)
        self._stored = (getattr(obj, "kind", None), getattr(obj, "category", None), stored or {})

    @property
    def errors(self):
        errors = super().errors
        if self.point_errors:
            errors = {**errors, "point": self.point_errors}
        if self.structured_errors:
            errors = {**errors, **{FIELD_PREFIX + fid: [message]
                                   for fid, message in self.structured_errors.items()}}
        return errors

    def label_of(self, name: str) -> str:
        """The label of a form field or a structured field by its form name (``json_refusal``)."""
        if name in self._fields:
            return str(self._fields[name].label.text)
        fid = name.removeprefix(FIELD_PREFIX)
        return next((f.label(current_language()) for f in self.category_fields() if f.id == fid), "")

    def category_fields(self):
        """The structured fields of the kind and category the form holds."""
        taxonomy = get_taxonomy()
        return taxonomy.fields(self.kind.data, self.category.data) if self.kind.data in KINDS else ()

    def posted_fields(self) -> dict:
        """The raw structured values posted for the form's category (field id → text or list)."""
        posted = self._posted
        if not posted:
            return {}
        raw = {}
        for f in self.category_fields():
            name = FIELD_PREFIX + f.id
            raw[f.id] = posted.getlist(name) if f.type == "multi" else posted.get(name)
        return raw

    def structured_groups(self, lang: str | None = None) -> list[dict]:
        """Every category's structured fields for the page, with what to show in each input.

        Posted values come back as typed (a refused form shows what was sent); on the edit page
        the report's stored values fill its own category's inputs.
        """
        lang = lang or current_language()
        taxonomy, posted = get_taxonomy(), self._posted
        kind0, category0, stored = self._stored
        groups = []
        for kind in KINDS:
            for cat in taxonomy.categories(kind):
                if not cat.fields:
                    continue
                items = []
                for f in cat.fields:
                    name = FIELD_PREFIX + f.id
                    if posted:
                        value = posted.getlist(name) if f.type == "multi" else posted.get(name, "")
                    elif (kind, cat.id) == (kind0, category0) and f.id in stored:
                        value = _shown(f, stored[f.id])
                    else:
                        value = [] if f.type == "multi" else ""
                    error = (self.structured_errors.get(f.id)
                             if (kind, cat.id) == (self.kind.data, self.category.data) else None)
                    items.append({"field": f, "name": name, "id": "field-" + f.id, "value": value,
                                  "label": f.label(lang), "unit": f.unit(lang), "error": error,
                                  "choices": [(c.id, c.label(lang)) for c in f.choices]})
                groups.append({"kind": kind, "category": cat.id, "label": cat.label(lang),
                               "fields": items})
        return groups

    @property
    def is_initiative(self) -> bool:
        return self.kind.data == "initiative"

    def _organization_choices(self) -> list:
        lang = current_language()
        pairs = [("", _("None of them")), *((str(i), name) for i, name in published_choices(lang))]
        if self._linked_org and str(self._linked_org) not in {p[0] for p in pairs}:
            # Linked to an organization that is no longer published: keep it choosable, marked.
            org = db.session.get(Organization, self._linked_org)
            if org is not None:
                pairs.append((str(org.id), f"{display_name(org, lang)} ({_('not published')})"))
        return choices(pairs)

    @property
    def organization_record_id(self) -> int | None:
        value = self.organization_id.data
        return int(value) if value and value.isdecimal() else None

    # --- per-field checks (WTForms calls validate_<name>) ---------------------------------

    def validate_organization_id(self, field):
        if not field.data or not self.is_initiative:
            return
        allowed = {str(getattr(c, "value", c[0] if isinstance(c, tuple) else c)) for c in field.choices or ()}
        if field.data not in allowed or field.data == "":
            raise ValidationError(_("Choose an organization from the list."))

    # kind, category, lengths, area name, precision, date and link: rules.field_errors, called
    # from validate() below (the import checks every row of a file with the same function).

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
        values = {name: self[name].data for name in rules.RULE_FIELDS}
        refused = rules.field_errors(values, skip={n for n in rules.RULE_FIELDS if self[n].errors})
        for name, message in refused.items():
            self[name].errors.append(message)
        self._resolve_point()
        self.structured, self.structured_errors = {}, {}
        if not ({"kind", "category"} & refused.keys()) and not self.kind.errors and not self.category.errors:
            # Inputs of other categories (shown without JavaScript) are not this report's: ignored.
            self.structured, self.structured_errors = clean_fields(
                self.kind.data, self.category.data, self.posted_fields(), unknown="ignore")
        return fields_ok and not refused and not self.point_errors and not self.structured_errors

    def _resolve_point(self) -> None:
        """Coordinates win over an area; the point must fall inside Jerusalem (rules.resolve_point)."""
        self.point, self.point_from_area, self.point_errors = None, False, []
        self.point_area = None
        if self.lat.errors or self.lon.errors or self.area_name.errors:
            return
        place = rules.resolve_point(self.lat.data, self.lon.data, self.area_name.data)
        if place.error:
            self.point_errors.append(place.error)
            return
        self.point, self.point_from_area, self.point_area = place.point, place.from_area, place.area


#: A browser-made idempotency key: a UUID (``crypto.randomUUID()``), any case.
CLIENT_KEY = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def _lower(value):
    return value.strip().lower() if isinstance(value, str) else value


def client_key_field() -> HiddenField:
    """The hidden idempotency key (see ``webapp/static/js/offline-form.js``): optional, a UUID."""
    return HiddenField(filters=[_lower], validators=[
        Optional(), Regexp(CLIENT_KEY, message=_l("This form is damaged. Please reload the page."))])


class NewReportForm(ReportForm):
    """The organizer's form: may hold a report back for review instead of publishing it."""

    client_key = client_key_field()

    hold = BooleanField(_l("Do not publish yet: send it to the moderation queue first"))


class SuggestionForm(ReportForm):
    """The public form: a honeypot instead of publishing choices (status is always pending)."""

    # Hidden by CSS; people leave it empty, form-filling bots do not.
    website = StringField(_l("Leave this field empty"))
    client_key = client_key_field()


def form_to_fields(form: ReportForm) -> dict:
    """The validated form as the dict ``reporting.create_report``/``update_report`` take.

    ``photo`` is present only when a new photo was uploaded: its generated name, which
    the caller must write with ``photos.store(form.clean_photo, PHOTOS_DIR)`` before
    committing. Without it an edit keeps the current photo.
    """
    if form.point is None:
        raise ValueError("form_to_fields needs a validated form")
    initiative = form.is_initiative
    values = {name: form[name].data for name in rules.RULE_FIELDS}
    fields = rules.derive_fields(values, rules.Place(form.point, form.point_from_area))
    fields["addresses"] = list(form.addresses.data or []) if initiative else []
    fields["addressed_categories"] = sorted(set(form.addressed_categories.data or [])) if initiative else []
    fields["organization_id"] = form.organization_record_id if initiative else None
    fields["fields"] = dict(form.structured)
    fields["area"] = form.point_area  # found by resolve_point: create_report need not search again
    if form.clean_photo is not None:
        fields["photo"] = form.clean_photo.name
    return fields
