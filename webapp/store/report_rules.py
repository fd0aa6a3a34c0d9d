"""The rules a report must pass, one copy for the form (``forms.ReportForm``) and the import.

``field_errors`` checks the plain values of a report (kind, category of the kind, lengths, the
date, the link, the area name, the precision); ``resolve_point`` decides where it is (coordinates
win over an area name; the point must fall inside Jerusalem); ``derive_fields`` turns the checked
values into the dict ``reporting.create_report`` takes. The form calls them from ``validate()``,
``webapp.store.report_import`` for every row of a file, so a file can never store what the form refuses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from geo.spatial.privacy import PRECISIONS

from .area_names import area_point, find_area
from .models import KINDS
from .reporting import get_taxonomy, locate

JERUSALEM = ZoneInfo("Asia/Jerusalem")
TEXT_LIMITS = {"title": 120, "description": 4000, "organization": 200, "link": 500, "contact": 300}
#: The values ``field_errors`` reads (the form's fields of the same names).
RULE_FIELDS = ("kind", "category", "title", "description", "organization", "link", "contact",
               "area_name", "precision", "observed_on")
INVALID_TEXT = _l("This field contains characters that are not valid text.")


def jerusalem_today() -> dt.date:
    # The reporters are in Jerusalem: "today" is theirs, not the server's UTC date.
    return dt.datetime.now(JERUSALEM).date()


def _kind_error(kind, _values) -> str | None:
    if kind not in KINDS:
        return _("Choose whether this is a challenge or an initiative.")
    return None


def _category_error(category, values) -> str | None:
    if not category:
        return _("Choose a category.")
    kind, taxonomy = values.get("kind"), get_taxonomy()
    if kind not in KINDS or taxonomy.is_valid(kind, category):
        return None
    other = next(k for k in KINDS if k != kind)
    if taxonomy.is_valid(other, category):
        return (_("This category is for initiatives, not challenges.") if other == "initiative" else
                _("This category is for challenges, not initiatives."))
    return _("Unknown category.")


def _title_error(title, _values) -> str | None:
    return None if title else _("Please give a title.")


def _area_name_error(name, _values) -> str | None:
    if name and find_area(name) is None:
        return _("Choose a neighborhood or village from the list.")
    return None


def _precision_error(precision, _values) -> str | None:
    return None if precision in PRECISIONS else _("Choose how precisely the map shows the place.")


def _observed_on_error(day, _values) -> str | None:
    if day and day > jerusalem_today():
        return _("The date cannot be in the future.")
    return None


#: The earliest date an update may tell of (the timeline of a place, not of pre-history).
EARLIEST_EVENT_DATE = dt.date(1948, 1, 1)


def event_date_error(day: dt.date | None) -> str | None:
    """Why ``day`` cannot be the date of an update's event, or None (no date is fine).

    The report's "date observed" rule (never in the future, Jerusalem's today), plus a lower
    bound: a mistyped year (0202, 1024) would otherwise sort the timeline nonsensically.
    """
    error = _observed_on_error(day, {})
    if error is None and day and day < EARLIEST_EVENT_DATE:
        return _("The date cannot be before %(date)s.", date=EARLIEST_EVENT_DATE.isoformat())
    return error


def _link_error(link, _values) -> str | None:
    if not link:
        return None
    parts = urlsplit(link)
    # Only web links: "javascript:" or "data:" links would run in readers' browsers.
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in link:
        return _("Enter a web address starting with http:// or https://.")
    return None


_CHECKS: dict[str, Callable] = {"kind": _kind_error, "category": _category_error, "title": _title_error,
                                "area_name": _area_name_error, "precision": _precision_error,
                                "observed_on": _observed_on_error, "link": _link_error}


#: The same problems worded for a row of a file (an import has columns, not a map to click).
def _file_wording() -> dict[str, Callable]:
    return {
        "kind": lambda value, _values: None if value in KINDS else _(
            "The type is empty or unknown: fill the type column with challenge or initiative, "
            "or give a default type for the rows."),
        "category": lambda value, values: _("The category is empty: fill the category column, or "
                                            "give a default category for the rows.")
        if not value else _category_error(value, values),
        "title": lambda value, _values: None if value else _("The title is empty."),
        "area_name": lambda value, _values: _(
            "No neighbourhood or village is called “%(name)s”: correct the place column.",
            name=value[:80]) if value and find_area(value) is None else None,
        "precision": lambda value, _values: None if value in PRECISIONS else _(
            "Unknown precision: use exact, approximate or area."),
    }


def field_errors(values: dict, skip=(), for_file: bool = False) -> dict[str, str]:
    """The first problem of each value of a report, by field name.

    Parameters
    ----------
    values : dict
        ``RULE_FIELDS`` as Python values: text already stripped (``""`` or None when empty),
        ``observed_on`` a date or None.
    skip : iterable of str
        Fields already refused for another reason (unreadable input): not checked again.
    for_file : bool
        Word the problems for a row of an imported file (columns), not for the form.

    Returns
    -------
    dict
        ``{field: message}`` in the current language; empty when every value passes.
    """
    errors = {}
    checks = {**_CHECKS, **_file_wording()} if for_file else _CHECKS
    for name in RULE_FIELDS:
        if name in skip:
            continue
        value = values.get(name)
        if isinstance(value, str) and "\ufffd" in value:
            errors[name] = str(INVALID_TEXT)
            continue
        limit = TEXT_LIMITS.get(name)
        if limit and isinstance(value, str) and len(value) > limit:
            errors[name] = _("At most %(max)d characters, please.", max=limit)
            continue
        check = checks.get(name)
        message = check(value, values) if check else None
        if message:
            errors[name] = message
    return errors


class Place:
    """Where a report is: ``point`` (lon, lat) or None with ``error``; ``from_area`` tells
    whether the point is an area's representative point; ``area`` its area's slug."""

    __slots__ = ("point", "from_area", "area", "error")

    def __init__(self, point=None, from_area=False, area=None, error=None):
        self.point, self.from_area, self.area, self.error = point, from_area, area, error


#: ``area_of`` default: look the point up now (the import passes areas found for a whole file).
_LOOKUP = object()


def resolve_point(lat, lon, area_name, area=_LOOKUP, for_file: bool = False) -> Place:
    """Coordinates win over an area name; the point must fall inside Jerusalem.

    Parameters
    ----------
    lat, lon : float or None
        Parsed coordinates.
    area_name : str or None
        A neighborhood or village in any language (already checked by ``field_errors``).
    area : str or None, optional
        The area of (lon, lat) when the caller has already computed it (vectorised, for many
        rows); otherwise ``reporting.locate`` is asked.
    for_file : bool
        Word the problems for a row of an imported file (columns), not for the form.
    """
    if lat is not None and lon is not None:
        point, from_area = (lon, lat), False
    elif lat is not None or lon is not None:
        return Place(error=_("Only one of the latitude and longitude columns is filled.") if for_file
                     else _("Enter both the latitude and the longitude."))
    elif area_name and find_area(area_name):
        point, from_area, area = area_point(find_area(area_name)), True, _LOOKUP
    elif for_file:
        return Place(error=_("No place: the row has no coordinates and no neighbourhood or village "
                             "name (map a column to coordinates or to the place)."))
    else:
        return Place(error=_("Choose the place: click the map, type the coordinates, "
                             "or choose a neighborhood or village."))
    slug = locate(*point) if area is _LOOKUP else area
    if slug is None:
        return Place(error=_("This row's coordinates are outside Jerusalem's municipal boundary.")
                     if for_file else _("This point is outside Jerusalem's municipal boundary."))
    return Place(point, from_area, slug)


def derive_fields(values: dict, place: Place) -> dict:
    """Checked values and place → the dict ``reporting.create_report`` takes (core fields).

    An area's point says nothing finer than the area: it is never shown as a precise point.
    """
    lon, lat = place.point
    return {
        "kind": values["kind"],
        "category": values["category"],
        "title": values["title"],
        "description": values.get("description") or "",
        "lon": lon,
        "lat": lat,
        "precision": "area" if place.from_area else values["precision"],
        "observed_on": values.get("observed_on"),
        "organization": values.get("organization") or "",
        "link": values.get("link") or "",
        "contact": values.get("contact") or "",
    }
