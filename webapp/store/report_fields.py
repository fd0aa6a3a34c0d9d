"""Structured fields of reports: one cleaning for forms, imports and the API; the public subset.

The fields are declared per category in ``data/categories.yaml`` and read by
``geo.reference.fields`` (pure); this module ties them to the app: the current taxonomy,
Jerusalem's today, messages in the reader's language, and SQL that reads a stored value.

- :func:`category_fields` - the fields of a category (``()`` for none).
- :func:`clean_fields` - raw values (form strings, file cells, JSON) → typed dict + messages.
- :func:`public_fields` - what of a report's ``fields`` may be published (``reporting.public_dict``).
- :func:`display_fields` - label, value and unit of each public value, for pages and popups.
- :func:`field_number` - a numeric field as a SQL expression (SQLite and PostgreSQL alike).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement

from geo.reference.fields import Field, Problem, clean_values, format_value, public_values

from .models import Report
from .report_rules import INVALID_TEXT, jerusalem_today
from .reporting import get_taxonomy

#: The message of each problem code (``geo.reference.fields.Problem``).
MESSAGES = {
    "required": _l("Please fill in this field."),
    "integer": _l("Enter a whole number (0 or more)."),
    "decimal": _l("Enter a number (0 or more)."),
    "range": _l("Enter a number from %(min)s to %(max)s."),
    "date": _l("Enter a date as YYYY-MM-DD or DD/MM/YYYY."),
    "future": _l("The date cannot be in the future."),
    "too_early": _l("The date cannot be before %(date)s."),
    "choice": _l("Choose from the list."),
    "yesno": _l("Answer yes or no."),
    "text_long": _l("At most %(max)d characters, please."),
    "text_invalid": INVALID_TEXT,
    "at_most": _l("This cannot be more than “%(other)s”."),
    "unknown": _l("This category has no such field."),
}


def category_fields(kind: str | None, category: str | None) -> tuple[Field, ...]:
    """The structured fields of a category, in file order; ``()`` when it has none or is unknown."""
    if not kind or not category:
        return ()
    return get_taxonomy().fields(kind, category)


def message(problem: Problem, fields: tuple[Field, ...] = (), lang: str | None = None) -> str:
    """A problem (code, parameters) as a sentence in the current language."""
    code, params = problem
    params = dict(params)
    if code == "range":
        params = {"min": f"{params['min']:,}", "max": f"{params['max']:,.0f}"}
    if code == "at_most":
        other = next((f for f in fields if f.id == params["other"]), None)
        params["other"] = other.label(lang or _current_lang()) if other else params["other"]
    return str(MESSAGES[code]) % params if params else str(MESSAGES[code])


def _current_lang() -> str:
    locale = get_locale()
    return locale.language if locale else "ar"


def clean_fields(kind: str | None, category: str | None, raw: Mapping, *,
                 unknown: str = "error") -> tuple[dict, dict[str, str]]:
    """Check and type the structured values of a report of ``kind``/``category``.

    The one validation of structured fields: the report forms, moderation's edit, the file import
    and the API call it, so nothing can store what another would refuse.

    Parameters
    ----------
    kind, category : str
        The report's kind and category (already checked; an unknown one has no fields).
    raw : mapping
        Field id → raw value: a string as typed or read from a cell, or a JSON value (number,
        bool, list of ids, string). Empty values mean "not given".
    unknown : {"error", "ignore"}
        A value for an id the category does not declare: refused (API) or dropped (a file whose
        columns serve several categories, a form after the category changed).

    Returns
    -------
    values : dict
        Field id → int, float, ISO date string, choice id, list of choice ids, bool or str: what
        ``reports.fields`` stores (``reporting.create_report(..., {"fields": values})``).
    errors : dict
        Field id → message in the current language; empty when everything passes.
    """
    fields = category_fields(kind, category)
    values, problems = clean_values(fields, raw, jerusalem_today(), unknown=unknown)
    return values, {fid: message(p, fields) for fid, p in problems.items()}


def public_fields(report: Report) -> dict:
    """The structured values of ``report`` that may be published (public fields of its category).

    ``reporting.public_dict`` puts the same subset under ``"fields"``.
    """
    return public_values(category_fields(report.kind, report.category), report.fields)


def display_fields(kind: str, category: str, values: Mapping | None, lang: str) -> list[dict]:
    """Each public value as a reader sees it, in declared order.

    Returns
    -------
    list of dict
        ``{"id", "label", "value"}``: ``value`` is the formatted text with its unit (``12 people``,
        choice labels, yes/no) in ``lang``.
    """
    fields = category_fields(kind, category)
    shown = public_values(fields, values)
    return [{"id": f.id, "label": f.label(lang), "value": format_value(f, shown[f.id], lang)}
            for f in fields if f.id in shown]


def field_number(field_id: str) -> ColumnElement:
    """A numeric field of ``reports.fields`` as a SQL float (NULL where the report has no value).

    SQLite renders ``JSON_EXTRACT(reports.fields, '$."people_displaced"')``, PostgreSQL
    ``CAST((reports.fields ->> 'people_displaced') AS FLOAT)``; use it in ``SUM()`` or a WHERE.
    """
    return Report.fields[field_id].as_float()
