"""Open311 GeoReport v2 (read only): categories as services, public reports as requests.

Pure mapping, no Flask (the blueprint's views adapt requests to it): ``views.py`` passes in the
taxonomy, public report dicts (``webapp.store.reporting.public_dict``) and the few values it
knows (area names, photo URLs), and gets back plain dicts and XML bytes.

Service codes are ``<kind>.<category id>`` (``challenge.housing``, ``initiative.education``):
category ids repeat across kinds (``education``, ``health`` and ``other`` are both), and a
service code must name exactly one service.

Spec: http://wiki.open311.org/GeoReport_v2 (field lists in ``tests/webapp/test_open311_georeport.py``).
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
FORMATS = {"json": "application/json", "xml": "text/xml"}
STATUSES = ("open", "closed")
#: Report status -> request status, for callers that pass a moderation status; the app passes
#: ``open``/``closed`` from the report's public state (resolved, ended... are closed).
REQUEST_STATUS = {"published": "open", "archived": "closed", "open": "open", "closed": "closed"}
#: The most requests one answer (one page) holds: the spec's default limit, and the largest
#: ``page_size`` of the paging extension (``page``/``page_size``, as Chicago, Boston and
#: Toronto implement it: http://wiki.open311.org/GeoReport_v2/Extensions/#pagination).
MAX_REQUESTS = 1000
#: Pages beyond this are refused (1,000 x 100,000 requests: far more than any data set here).
MAX_PAGE = 100_000
MAX_IDS = 100
#: Report ids are database integers; longer digit strings cannot name one.
MAX_ID_DIGITS = 12
# Control characters (but tab and newlines), lone surrogates and U+FFFE/U+FFFF are not XML 1.0.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# W3C datetime (https://www.w3.org/TR/NOTE-datetime): a date, or a date and time with a zone.
_W3C = re.compile(r"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2}))?$")


class Open311Error(ValueError):
    """A bad request parameter: ``str()`` is the description for the GeoReport error body."""


# --- services -------------------------------------------------------------------------------

def service_code(kind: str, category: str) -> str:
    """The service code of one category of one kind."""
    return f"{kind}.{category}"


def split_service_code(code: str) -> tuple[str, str]:
    """``(kind, category)`` of a service code; ValueError when it has no kind part."""
    kind, sep, category = code.partition(".")
    if not sep or not kind or not category:
        raise ValueError(code)
    return kind, category


def services(taxonomy, kinds: Iterable[str], lang: str, kind_labels: dict[str, str]) -> list[dict]:
    """Every category as a GeoReport service.

    Parameters
    ----------
    taxonomy : geo.reference.taxonomy.Taxonomy
        The one category list.
    kinds : iterable of str
        The report kinds, in order (``challenge``, ``initiative``).
    lang : str
        ``ar`` or ``en``: the language of ``service_name`` and ``description``.
    kind_labels : dict
        Kind -> its name in ``lang`` (the service ``description`` names the kind).

    Returns
    -------
    list of dict
        ``service_code, service_name, description, metadata, type, keywords, group``;
        ``group`` is the kind, ``metadata`` true when the category has public structured
        fields (its service definition lists them as attributes), ``type`` blackbox (a report
        gets no status updates a client could follow).
    """
    out = []
    for kind in kinds:
        for cat in taxonomy.categories(kind):
            out.append({
                "service_code": service_code(kind, cat.id),
                "service_name": cat.label(lang),
                "description": f"{kind_labels.get(kind, kind)}: {cat.label(lang)}",
                "metadata": any(f.public for f in taxonomy.fields(kind, cat.id)),
                "type": "blackbox",
                "keywords": ", ".join([kind, cat.id]),
                "group": kind,
            })
    return out


#: Structured field type (``geo.reference.fields.TYPES``) -> GeoReport attribute datatype.
ATTRIBUTE_TYPES = {"integer": "number", "decimal": "number", "date": "datetime", "choice": "singlevaluelist",
                   "yesno": "singlevaluelist", "multi": "multivaluelist", "text": "string"}


def attributes(fields, lang: str, yes_no: tuple[str, str] = ("yes", "no")) -> list[dict]:
    """The public structured fields of a category as GeoReport service attributes.

    Parameters
    ----------
    fields : iterable of geo.reference.fields.Field
        The category's fields; private ones are left out here as well.
    lang : str
        ``ar`` or ``en``: the language of ``description`` and of the values' names.
    yes_no : tuple of str
        The names of ``true`` and ``false`` for a yes/no field, in ``lang``.

    Returns
    -------
    list of dict
        The spec's attribute fields: ``variable`` (true: a value of the request, not a notice),
        ``code`` (the field id), ``datatype``, ``required``, ``datatype_description`` (the unit),
        ``order``, ``description`` (the label) and ``values`` (``key``/``name`` of each choice).
    """
    out = []
    for order, field in enumerate((f for f in fields if f.public), start=1):
        values = [{"key": c.id, "name": c.label(lang)} for c in field.choices]
        if field.type == "yesno":
            values = [{"key": "true", "name": yes_no[0]}, {"key": "false", "name": yes_no[1]}]
        out.append({"variable": True, "code": field.id, "datatype": ATTRIBUTE_TYPES[field.type],
                    "required": field.required, "datatype_description": field.unit(lang) or None,
                    "order": order, "description": field.label(lang), "values": values})
    return out


def service_definition(code: str, attrs: list[dict] | None = None) -> dict:
    """A service definition: the category's public structured fields as attributes."""
    return {"service_code": code, "attributes": attrs or []}


def discovery(endpoint_url: str, changeset: str, contact: str) -> dict:
    """The service discovery document for one production endpoint."""
    return {
        "changeset": changeset,
        "contact": contact,
        "key_service": "",
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": endpoint_url,
            "changeset": changeset,
            "type": "production",
            "formats": list(FORMATS.values()),
        }],
    }


# --- requests -------------------------------------------------------------------------------

def w3c_time(value: dt.datetime | str | None) -> str | None:
    """A datetime (naive = UTC, as the database stores it) as W3C/ISO 8601 with ``Z``."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def requested_time(observed_on: dt.date | str | None, created: dt.datetime | str | None) -> str | None:
    """``requested_datetime``: the observation day at midnight UTC, else the filing time."""
    if observed_on:
        day = dt.date.fromisoformat(observed_on) if isinstance(observed_on, str) else observed_on
        return w3c_time(dt.datetime.combine(day, dt.time(0)))
    return w3c_time(created)


def service_request(report: dict, *, status: str, service_name: str, address: str,
                    media_url: str | None, created: dt.datetime | str | None = None,
                    extensions: bool = False) -> dict:
    """One public report (``public_dict`` output) as a GeoReport service request.

    Parameters
    ----------
    report : dict
        The public view of a report: public fields and the public point only. Nothing else
        is read, so nothing private can reach the output.
    status : str
        ``open`` or ``closed`` (from the report's public state), or a moderation status
        (``published`` → open, ``archived`` → closed).
    service_name : str
        The category's name in the answer's language.
    address : str
        The area's name (reports carry no street address).
    media_url : str or None
        The absolute URL of the public photo.

    created : datetime or str, optional
        When the report was filed: ``requested_datetime`` when no observation date is known.
    extensions : bool
        Add ``extended_attributes`` (the "extensions=true" extension of GeoReport v2): the
        report's public structured values under ``fields`` (attribute code -> value).

    Returns
    -------
    dict
        The spec's request fields. ``requested_datetime`` is when the issue was observed
        (``observed_on``, midnight UTC of that day: a 2014 survey row says 2014), else when the
        report was filed; ``updated_datetime`` is the publication time (the public record
        changes then); ``lat``/``long`` the public point, ``agency_responsible`` the
        organization named on the report.
    """
    published = w3c_time(report.get("published_at"))
    requested = requested_time(report.get("observed_on"), created) or published
    return {
        "service_request_id": str(report["id"]),
        "status": REQUEST_STATUS.get(status, "open"),
        "status_notes": None,
        "service_name": service_name,
        "service_code": service_code(report["kind"], report["category"]),
        "description": f"{report['title']}\n\n{report['description']}".strip(),
        "agency_responsible": report.get("organization") or None,
        "service_notice": None,
        "requested_datetime": requested,
        "updated_datetime": published,
        "expected_datetime": None,
        "address": address or None,
        "address_id": None,
        "zipcode": None,
        "lat": report["lat"],
        "long": report["lon"],
        "media_url": media_url,
        **({"extended_attributes": {"fields": dict(report.get("fields") or {})}} if extensions else {}),
    }


# --- parameters -----------------------------------------------------------------------------

def parse_datetime(name: str, value: str) -> dt.datetime:
    """A W3C datetime parameter as a naive UTC datetime (a bare date is midnight UTC)."""
    text = value.strip()
    if not _W3C.match(text):
        raise Open311Error(f"{name} must be a W3C datetime, e.g. 2026-01-01T00:00:00Z")
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Open311Error(f"{name} is not a real date or time") from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def parse_list(name: str, value: str, allowed: Iterable[str] | None = None) -> list[str]:
    """A comma-delimited parameter (the spec's way to ask for several values)."""
    items = [item.strip() for item in value.split(",")]
    if not value.strip() or any(not item for item in items):
        raise Open311Error(f"{name} must be one or more values separated by commas")
    if allowed is not None:
        allowed = set(allowed)
        bad = [item for item in items if item not in allowed]
        if bad:
            raise Open311Error(f"unknown {name}: {', '.join(bad[:5])[:200]}")
    return items


def parse_page(args, max_size: int | None = None) -> tuple[int, int]:
    """``(page, page_size)`` of the paging extension: page from 1, size 1..``MAX_REQUESTS``.

    Parameters
    ----------
    args : mapping
        The query string; ``page`` defaults to 1 and ``page_size`` to ``max_size``.
    max_size : int, optional
        The largest page (default :data:`MAX_REQUESTS`).
    """
    limit = MAX_REQUESTS if max_size is None else max_size
    out = []
    for name, default, top in (("page", 1, MAX_PAGE), ("page_size", limit, limit)):
        raw = args.get(name)
        if raw is None:
            out.append(default)
            continue
        text = raw.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 9 or not 1 <= int(text) <= top:
            raise Open311Error(f"{name} must be a whole number from 1 to {top}")
        out.append(int(text))
    return out[0], out[1]


def parse_request_id(value: str) -> int | None:
    """A ``service_request_id`` as a report id, or None if it is too large to name one.

    Raises Open311Error unless ``value`` is a positive integer (ASCII digits only).
    """
    text = value.strip()
    # No int() of a long string: Python refuses more than 4,300 digits (and it costs time).
    if not text.isascii() or not text.isdigit() or not text.strip("0"):
        raise Open311Error("service_request_id must be a positive integer")
    return int(text) if len(text) <= MAX_ID_DIGITS else None


# --- output ---------------------------------------------------------------------------------

def error_body(code: int, description: str) -> list[dict]:
    """The GeoReport error list (JSON form)."""
    return [{"code": code, "description": description}]


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _clean(str(value))


def _add(parent: ET.Element, tag: str, value) -> None:
    node = ET.SubElement(parent, tag)
    if isinstance(value, list):
        child_tag = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute",
                     "values": "value"}.get(tag, "item")
        for item in value:
            _add(node, child_tag, item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _add(node, key, item)
    else:
        node.text = _text(value)


def to_xml(root: str, item_tag: str | None, data) -> bytes:
    """GeoReport XML: ``<root><item_tag>…</item_tag>…</root>`` for a list, or ``<root>…</root>``.

    ElementTree escapes every text (``<``, ``&``); characters XML 1.0 cannot carry at all
    are dropped first. UTF-8 with the XML declaration, as the spec asks.
    """
    top = ET.Element(root)
    if item_tag is None:
        for key, value in data.items():
            _add(top, key, value)
    else:
        for item in data:
            _add(top, item_tag, item)
    return XML_DECLARATION + ET.tostring(top, encoding="unicode").encode("utf-8")


def errors_xml(errors: list[dict]) -> bytes:
    """``<errors><error><code>…</code><description>…</description></error></errors>``."""
    return to_xml("errors", "error", errors)
