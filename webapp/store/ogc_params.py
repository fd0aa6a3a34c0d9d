"""The query parameters of OGC API – Features items (``/ogc/collections/<id>/items``), validated.

A bad value is an :class:`OgcError` (HTTP 400 with an OGC exception body), never silently
ignored; a parameter the API does not define is refused too (OGC API – Features Part 1,
requirement ``/req/core/query-param-unknown``). The report collection's property filters
(``kind``, ``category``, ``area``) are parsed by :mod:`webapp.store.filters`, as everywhere else.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from flask import current_app
from werkzeug.datastructures import MultiDict

from .filters import NUMBER, ParameterError, single

#: Features per page by default, and at most (a page of 1,000 reports is ~0.5 MB of GeoJSON).
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
#: Parameters every items request may carry (``lang`` chooses the interface language app-wide;
#: ``crs`` and ``bbox-crs`` are Part 2's, which GDAL sends: only CRS84 is served).
COMMON = ("bbox", "datetime", "limit", "cursor", "f", "lang", "crs", "bbox-crs")
#: The one coordinate reference system: WGS 84 longitude/latitude.
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS84_NAMES = (CRS84, CRS84.replace("http://", "https://"), "OGC:CRS84")
#: Values of ``f``: this API answers JSON (GeoJSON for features) only.
FORMATS = ("json",)
#: Four or six numbers (OGC: the 3D form has min/max heights, ignored here).
BBOX = re.compile(rf" *{NUMBER.pattern} *(?:, *{NUMBER.pattern} *){{3}}(?:(?:, *{NUMBER.pattern} *){{2}})?")
#: A feature id as a cursor: a positive integer or a slug (the ids of every collection here).
CURSOR = re.compile(r"[1-9][0-9]{0,9}|[a-z0-9][a-z0-9_-]{0,79}")
#: A property filter value of the in-memory collections: an id-like word.
VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
MAX_DATETIME = 80
OPEN = ("", "..")


class OgcError(ValueError):
    """A request this API refuses: HTTP ``status`` with an OGC exception (``code``, ``description``)."""

    def __init__(self, description: str, code: str = "InvalidParameterValue", status: int = 400):
        super().__init__(description)
        self.description, self.code, self.status = description, code, status

    def as_json(self) -> dict:
        """The OGC API exception body (``code``, ``description``), as pygeoapi writes it."""
        return {"code": self.code, "description": self.description}


@dataclass(frozen=True)
class ItemsQuery:
    """What an items request asks for; values already validated.

    ``since``/``until`` is the ``datetime`` interval as days (inclusive, either may be open);
    ``cursor`` the id of the last feature of the previous page (as text); ``properties`` the
    property filters as given (``{name: value}``).
    """

    bbox: tuple[float, float, float, float] | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    has_datetime: bool = False
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    properties: dict[str, str] = field(default_factory=dict)


def _single(args: MultiDict, name: str) -> str | None:
    try:
        value = single(args, name)
    except ParameterError as exc:
        raise OgcError(exc.message) from None
    if value is not None and not value.strip():
        raise OgcError(f"'{name}' must not be empty: leave it out instead")
    return value


def check_format(args: MultiDict) -> None:
    """``f=json`` or nothing: the only representation this API has; ``lang`` one of the languages."""
    value = _single(args, "f")
    if value is not None and value not in FORMATS:
        raise OgcError(f"'f' must be one of {', '.join(FORMATS)}")
    languages = current_app.config["LANGUAGES"]
    lang = _single(args, "lang")
    if lang is not None and lang not in languages:
        raise OgcError(f"'lang' must be one of {', '.join(languages)}")


def check_known(args: MultiDict, allowed) -> None:
    """Refuse a parameter the API description does not define for this request."""
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        name = unknown[0] if VALUE.fullmatch(unknown[0]) else "(a parameter)"
        raise OgcError(f"unknown parameter {name}: this request takes {', '.join(sorted(allowed)) or 'none'}")


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    """``minLon,minLat,maxLon,maxLat`` (or the six-number 3D form) in CRS84 degrees."""
    if not BBOX.fullmatch(raw):
        raise OgcError("'bbox' must be four numbers: minLon,minLat,maxLon,maxLat (CRS84)")
    values = [float(p) for p in raw.split(",")]
    if len(values) == 6:  # minLon,minLat,minZ,maxLon,maxLat,maxZ
        values = [values[0], values[1], values[3], values[4]]
    min_lon, min_lat, max_lon, max_lat = values
    if not all(math.isfinite(v) for v in values):
        raise OgcError("'bbox' values must be finite")
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180
            and -90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise OgcError("'bbox' must lie within -180..180 and -90..90 degrees")
    if min_lon > max_lon or min_lat > max_lat:
        raise OgcError("'bbox' minimums must not be larger than maximums")
    return min_lon, min_lat, max_lon, max_lat


def _instant(text: str) -> dt.date:
    """A date, or an RFC 3339 date-time (its UTC date)."""
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        if "T" not in text.upper() or not text[:4].isdigit():
            raise ValueError(text)
        moment = dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise OgcError("'datetime' must be a date or date-time (RFC 3339), or an interval "
                       "start/end with '..' for an open end") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.date()


def parse_datetime(raw: str) -> tuple[dt.date | None, dt.date | None]:
    """``datetime=`` an instant or an interval ``start/end`` (``..`` or empty: open), as days."""
    if len(raw) > MAX_DATETIME or not raw.isascii():
        raise OgcError("'datetime' must be a date or date-time (RFC 3339), or an interval")
    parts = raw.split("/")
    if len(parts) == 1:
        if raw in OPEN:
            raise OgcError("'datetime' must name a date or an interval")
        day = _instant(raw)
        return day, day
    if len(parts) != 2 or (parts[0] in OPEN and parts[1] in OPEN):
        raise OgcError("'datetime' interval must be start/end with at most one open end ('..')")
    since = None if parts[0] in OPEN else _instant(parts[0])
    until = None if parts[1] in OPEN else _instant(parts[1])
    if since and until and since > until:
        raise OgcError("'datetime' interval ends before it starts")
    return since, until


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or not 1 <= int(raw) <= MAX_LIMIT:
        raise OgcError(f"'limit' must be an integer from 1 to {MAX_LIMIT}")
    return int(raw)


def parse_items(args: MultiDict, properties, *, temporal: bool) -> ItemsQuery:
    """Validate the query string of an items request.

    Parameters
    ----------
    args : MultiDict
        ``request.args``.
    properties : collection of str
        The property filters this collection takes (each given at most once).
    temporal : bool
        Whether the collection's features have a date (``datetime`` is refused otherwise).

    Raises
    ------
    OgcError
        For an unknown parameter or the first malformed one.
    """
    allowed = set(COMMON) | set(properties)
    if not temporal:
        allowed.discard("datetime")
    check_known(args, allowed)
    check_format(args)
    values = {name: _single(args, name) for name in allowed if name != "lang"}
    for name in ("crs", "bbox-crs"):
        if values[name] is not None and values[name] not in CRS84_NAMES:
            raise OgcError(f"'{name}' must be {CRS84}: the only CRS served", code="InvalidParameterValue")
    since = until = None
    if values.get("datetime") is not None:
        since, until = parse_datetime(values["datetime"])
    cursor = values["cursor"]
    if cursor is not None and not CURSOR.fullmatch(cursor):
        raise OgcError("'cursor' is not valid: use the 'next' link of a previous page")
    props = {}
    for name in sorted(properties):
        if values[name] is not None:
            if not VALUE.fullmatch(values[name]):
                raise OgcError(f"'{name}' must be an id (letters, digits, '-' or '_')")
            props[name] = values[name]
    return ItemsQuery(bbox=parse_bbox(values["bbox"]) if values["bbox"] is not None else None,
                      since=since, until=until, has_datetime=values.get("datetime") is not None,
                      limit=parse_limit(values["limit"]), cursor=cursor, properties=props)
