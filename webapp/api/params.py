"""Query-string parsing for the API: strict, and every error names its parameter.

A bad parameter is an error (HTTP 400), never silently ignored: a client that
misspells a category must not mistake an unfiltered answer for a filtered one.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from itsdangerous import BadData, URLSafeSerializer
from werkzeug.datastructures import MultiDict

from geo.taxonomy import KINDS, Taxonomy

from ..store.queries import DEFAULT_LIMIT, MAX_LIMIT, ReportFilters

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[0-9]{1,9}")
_CATEGORY_ID = re.compile(r"[a-z][a-z0-9-]{0,39}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_QUERY = 100
MAX_CURSOR = 200
_CURSOR_SALT = "ahya.api.reports.cursor"


class ParameterError(ValueError):
    """A query parameter is malformed; ``parameter`` names it for the client."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message

    def as_json(self) -> dict:
        return {"error": self.message, "parameter": self.parameter}


def _single(args: MultiDict, name: str) -> str | None:
    values = args.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ParameterError(name, f"'{name}' may be given only once")
    return values[0].strip()


def parse_kind(args: MultiDict) -> str | None:
    kind = _single(args, "kind")
    if kind is None:
        return None
    if kind not in KINDS:
        raise ParameterError("kind", f"'kind' must be one of {', '.join(KINDS)}")
    return kind


def parse_categories(args: MultiDict, taxonomy: Taxonomy, kind: str | None) -> tuple[str, ...]:
    """Repeated ``category=`` (or comma-separated) ids known to the taxonomy for ``kind``."""
    ids: list[str] = []
    for value in args.getlist("category"):
        ids.extend(part.strip() for part in value.split(","))
    kinds = (kind,) if kind else KINDS
    for cat in ids:
        if not any(taxonomy.is_valid(k, cat) for k in kinds):
            where = f" for kind '{kind}'" if kind else ""
            # Echo only id-like values: an error message is no place for a client's markup.
            shown = f" '{cat}'" if _CATEGORY_ID.fullmatch(cat) else ""
            raise ParameterError("category", f"unknown category{shown}{where}")
    return tuple(dict.fromkeys(ids))


def parse_bbox(args: MultiDict) -> tuple[float, float, float, float] | None:
    """``bbox=min_lon,min_lat,max_lon,max_lat`` in degrees (EPSG:4326)."""
    raw = _single(args, "bbox")
    if raw is None:
        return None
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) != 4 or not all(_NUMBER.fullmatch(p) for p in parts):
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
    raw = _single(args, "limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not _INTEGER.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ParameterError("limit", f"'limit' must be an integer from 1 to {MAX_LIMIT}")
    return int(raw)


def parse_area(args: MultiDict, known_slugs) -> str | None:
    """``area=<slug>`` of a gazetteer place (area or point)."""
    slug = _single(args, "area")
    if not slug:
        return None
    if slug not in known_slugs:
        shown = f" '{slug}'" if _CATEGORY_ID.fullmatch(slug) else ""
        raise ParameterError("area", f"unknown area{shown}")
    return slug


def parse_date(args: MultiDict, name: str) -> dt.date | None:
    """An ISO date ``YYYY-MM-DD``."""
    raw = _single(args, name)
    if not raw:
        return None
    if not _DATE.fullmatch(raw):
        raise ParameterError(name, f"'{name}' must be a date as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ParameterError(name, f"'{name}' is not a valid date") from None


def parse_query(args: MultiDict) -> str | None:
    """``q=`` words to find in titles (at most 100 characters, no control characters)."""
    raw = _single(args, "q")
    if raw is None:
        return None
    text = " ".join(raw.split())
    if len(text) > MAX_QUERY or any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ParameterError("q", f"'q' must be text of at most {MAX_QUERY} characters")
    return text or None


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
        For the first malformed parameter (kind, category, area, since, until, q, bbox, limit).
    """
    kind = parse_kind(args)
    since, until = parse_date(args, "since"), parse_date(args, "until")
    if since and until and since > until:
        raise ParameterError("until", "'until' must not be before 'since'")
    return ReportFilters(kind=kind, categories=parse_categories(args, taxonomy, kind),
                         area=parse_area(args, known_areas or ()), since=since, until=until,
                         q=parse_query(args), bbox=parse_bbox(args), limit=parse_limit(args))


def _cursor_serializer(secret_key: str) -> URLSafeSerializer:
    # Signed, so a cursor is only ever a value this server produced: clients cannot craft one
    # to probe ids or feed arbitrary input into the query.
    return URLSafeSerializer(secret_key, salt=_CURSOR_SALT)


def encode_cursor(last_id: int, secret_key: str) -> str:
    """The opaque ``cursor`` for the page after the row ``last_id`` (urlsafe base64 + signature)."""
    return _cursor_serializer(secret_key).dumps(int(last_id))


def parse_cursor(args: MultiDict, secret_key: str) -> int | None:
    """``cursor=`` from a previous page's ``next`` link: the id to continue below, or None."""
    raw = _single(args, "cursor")
    if raw is None:
        return None
    try:
        if len(raw) > MAX_CURSOR:
            raise BadData("too long")
        last_id = _cursor_serializer(secret_key).loads(raw)
    except BadData:
        last_id = None
    if type(last_id) is not int or last_id < 1:
        raise ParameterError("cursor", "'cursor' is not valid: use the 'next' link of a previous page")
    return last_id
