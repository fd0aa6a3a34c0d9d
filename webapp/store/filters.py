"""The report filters of a query string, for every blueprint: the API, the map, lists, exports.

Strict parsing (:func:`report_filters`, :func:`filters_from_args`) is for the API and the
exports: a bad parameter is an error (HTTP 400) naming it, never silently ignored, because a
client that misspells a category must not mistake an unfiltered answer for a filtered one.
Pages built from links and forms (the map, the list view) parse each filter on its own
(:func:`parse_each`), so they can keep the good ones and say which were not understood.
The result is always a :class:`webapp.store.queries.ReportFilters`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from werkzeug.datastructures import MultiDict

from geo.reference.taxonomy import KINDS, Taxonomy

from .layers import place_slugs
from .lifecycle import STATUS_VALUES, expand
from .queries import DEFAULT_LIMIT, MAX_LIMIT, ReportFilters
from .reporting import get_taxonomy

# ASCII digits only ([0-9], not \d): \d also matches Arabic-Indic digits, which float() reads
# but the OpenAPI pattern (ECMA-262 \d) does not allow.
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: Four numbers, spaces allowed around them (and only spaces): the OpenAPI pattern of ``bbox``.
BBOX = re.compile(rf" *{NUMBER.pattern} *(?:, *{NUMBER.pattern} *){{3}}")
_INTEGER = re.compile(r"[0-9]{1,9}")
_CATEGORY_ID = re.compile(r"[a-z][a-z0-9-]{0,39}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_QUERY = 100
#: Control characters (Unicode Cc: U+0000-U+001F, U+007F-U+009F), refused in ``q``; the
#: OpenAPI pattern of ``q`` is the negation of this class.
CONTROL_CHARS = "\\x00-\\x1f\\x7f-\\x9f"
#: Parameters of a report listing where an empty value is an error (``q=`` means "no words").
NON_EMPTY = ("kind", "category", "area", "since", "until", "bbox", "limit", "status")
#: The filters a form or link may carry (``limit`` belongs to the API's pages).
FILTER_PARAMS = ("kind", "category", "area", "since", "until", "q", "bbox", "status")


class ParameterError(ValueError):
    """A query parameter is malformed; ``parameter`` names it for the client."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message

    def as_json(self) -> dict:
        return {"error": self.message, "parameter": self.parameter}


def single(args: MultiDict, name: str) -> str | None:
    """The one value of ``name`` as sent, None when absent; given twice is an error.

    Not stripped: the OpenAPI enums and patterns allow no surrounding spaces, so neither does
    the server.
    """
    values = args.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ParameterError(name, f"'{name}' may be given only once")
    return values[0]


def parse_kind(args: MultiDict) -> str | None:
    kind = single(args, "kind")
    if kind is None:
        return None
    if kind not in KINDS:
        raise ParameterError("kind", f"'kind' must be one of {', '.join(KINDS)}")
    return kind


def parse_categories(args: MultiDict, taxonomy: Taxonomy, kind: str | None) -> tuple[str, ...]:
    """Repeated ``category=`` (or comma-separated) ids known to the taxonomy (for any kind).

    With ``kind``, a category of the other kind is not an error: the filters combine, and no
    challenge is in an initiative category, so it matches nothing. That is what the OpenAPI
    document says (one enum of every category), and what a client combining two filters expects.
    """
    ids: list[str] = []
    for value in args.getlist("category"):
        ids.extend(part.strip() for part in value.split(","))
    for cat in ids:
        if not any(taxonomy.is_valid(k, cat) for k in KINDS):
            # Echo only id-like values: an error message is no place for a client's markup.
            shown = f" '{cat}'" if _CATEGORY_ID.fullmatch(cat) else ""
            raise ParameterError("category", f"unknown category{shown}")
    return tuple(dict.fromkeys(ids))


def parse_status(args: MultiDict) -> tuple[tuple[str, ...], str | None]:
    """``status=`` a public state (``reported``, ``resolved``...) or a group (``open``, ``closed``).

    Returns the states it stands for and the value as given (to rebuild a link).
    """
    raw = single(args, "status")
    if raw is None or raw == "":
        return (), None
    if raw not in STATUS_VALUES:
        raise ParameterError("status", f"'status' must be one of {', '.join(STATUS_VALUES)}")
    return expand(raw), raw


def parse_bbox(args: MultiDict) -> tuple[float, float, float, float] | None:
    """``bbox=min_lon,min_lat,max_lon,max_lat`` in degrees (EPSG:4326)."""
    raw = single(args, "bbox")
    if raw is None:
        return None
    parts = [p.strip(" ") for p in raw.split(",")]
    if not BBOX.fullmatch(raw):
        raise ParameterError("bbox", "'bbox' must be four numbers: min_lon,min_lat,max_lon,max_lat")
    min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    if not all(math.isfinite(v) for v in (min_lon, min_lat, max_lon, max_lat)):
        raise ParameterError("bbox", "'bbox' values must be finite")
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise ParameterError("bbox", "'bbox' longitudes must be between -180 and 180")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise ParameterError("bbox", "'bbox' latitudes must be between -90 and 90")
    if not (min_lon < max_lon and min_lat < max_lat):
        raise ParameterError("bbox", "'bbox' minimums must be smaller than maximums")
    return min_lon, min_lat, max_lon, max_lat


def parse_limit(args: MultiDict) -> int:
    raw = single(args, "limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not _INTEGER.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ParameterError("limit", f"'limit' must be an integer from 1 to {MAX_LIMIT}")
    return int(raw)


def parse_area(args: MultiDict, known_slugs) -> str | None:
    """``area=<slug>`` of a gazetteer place (area or point)."""
    slug = single(args, "area")
    if not slug:
        return None
    if slug not in known_slugs:
        shown = f" '{slug}'" if _CATEGORY_ID.fullmatch(slug) else ""
        raise ParameterError("area", f"unknown area{shown}")
    return slug


def parse_date(args: MultiDict, name: str) -> dt.date | None:
    """An ISO date ``YYYY-MM-DD``."""
    raw = single(args, name)
    if not raw:
        return None
    if not _DATE.fullmatch(raw):
        raise ParameterError(name, f"'{name}' must be a date as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ParameterError(name, f"'{name}' is not a valid date") from None


def parse_query(args: MultiDict) -> str | None:
    """``q=`` words to find in titles (at most 100 characters, no control characters).

    Both limits apply to the value as sent (before spaces are collapsed), as the OpenAPI
    document says: a tab or newline is a control character too.
    """
    raw = single(args, "q")
    if raw is None:
        return None
    if len(raw) > MAX_QUERY or any(unicodedata.category(ch) == "Cc" for ch in raw):
        raise ParameterError("q", f"'q' must be text of at most {MAX_QUERY} characters")
    return " ".join(raw.split()) or None


def report_filters(args: MultiDict, taxonomy: Taxonomy, known_areas=None) -> ReportFilters:
    """Validate the query string of a report listing.

    Parameters
    ----------
    args : MultiDict
        ``request.args``.
    taxonomy : Taxonomy
    known_areas : collection of str, optional
        Valid ``area`` slugs (every gazetteer place); when None, ``area`` is refused.

    Raises
    ------
    ParameterError
        For the first malformed parameter (kind, category, area, since, until, q, bbox, limit,
        status).
    """
    for name in NON_EMPTY:
        if any(not value.strip() for value in args.getlist(name)):
            raise ParameterError(name, f"'{name}' must not be empty: leave it out instead")
    kind = parse_kind(args)
    since, until = parse_date(args, "since"), parse_date(args, "until")
    if since and until and since > until:
        raise ParameterError("until", "'until' must not be before 'since'")
    status, status_arg = parse_status(args)
    return ReportFilters(kind=kind, categories=parse_categories(args, taxonomy, kind),
                         area=parse_area(args, known_areas or ()), since=since, until=until,
                         q=parse_query(args), bbox=parse_bbox(args), limit=parse_limit(args),
                         status=status, status_arg=status_arg)


def filters_from_args(args: MultiDict) -> ReportFilters:
    """:func:`report_filters` with this app's taxonomy and gazetteer places (in an app context)."""
    return report_filters(args, get_taxonomy(), place_slugs())


def form_args(args: MultiDict) -> MultiDict:
    """Only the filter parameters, without empty values.

    A GET form sends its untouched fields empty (``kind=&q=``): an empty value means "any".
    """
    return MultiDict([(k, v) for k, v in args.items(multi=True) if k in FILTER_PARAMS and v.strip()])


def parse_each(args: MultiDict, taxonomy: Taxonomy, known_areas) -> tuple[ReportFilters, list[str]]:
    """Every filter parsed on its own: the valid ones, and the names of those that are not.

    Unlike :func:`report_filters`, which stops at the first error, a page can then keep what
    it understood and mark every wrong field at once. ``since`` after ``until`` is not checked
    here: each caller words that on its own.
    """
    failed: list[str] = []

    def attempt(parse, *extra):
        try:
            return parse(args, *extra)
        except ParameterError as exc:
            failed.append(exc.parameter)
            return None

    kind = attempt(parse_kind)
    categories = attempt(parse_categories, taxonomy, kind) or ()
    since, until = attempt(parse_date, "since"), attempt(parse_date, "until")
    area, q, bbox = attempt(parse_area, known_areas), attempt(parse_query), attempt(parse_bbox)
    limit = attempt(parse_limit) or DEFAULT_LIMIT
    status, status_arg = attempt(parse_status) or ((), None)
    return ReportFilters(kind=kind, categories=categories, area=area, since=since, until=until,
                         q=q, bbox=bbox, limit=limit, status=status, status_arg=status_arg), failed
