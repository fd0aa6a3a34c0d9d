"""Thin views for Open311 GeoReport v2 (read only).

Categories are services, published reports are service requests (public point and public
fields only: every report goes through ``reporting.public_dict``). Every answer is JSON or XML
as the URL's extension says; a bad parameter answers 400 and an unknown id 404, both with the
GeoReport error body, never an HTML page. So does every other error under ``/open311/``: any
other method (POST...) on a resource is a 405 (with ``Allow``), any unknown path a 404, and an
error raised inside a view (a rate limit...) keeps its status in the same body.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import wraps

from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import force_locale
from sqlalchemy import and_, case, false, func, or_
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from geo.reference.fields import Field, format_value

from ..extensions import db
from ..store import lifecycle, queries
from ..store.layers import place_names
from ..store.models import KINDS, Report
from ..store.reporting import get_taxonomy, public_dict
from ..web.report_form import KIND_LABELS
from . import georeport as open311

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

LANGS = ("ar", "en")
FMT = "<any(json, xml):fmt>"
CHANGESET = "2026-12-03T00:00:00Z"  # when this endpoint's behaviour last changed


def _respond(fmt: str, data, root: str, item_tag: str | None, status: int = 200) -> Response:
    if fmt == "xml":
        body, mimetype = open311.to_xml(root, item_tag, data), "text/xml"
    else:
        body, mimetype = json.dumps(data, ensure_ascii=False).encode(), "application/json"
    response = Response(body, status=status, content_type=f"{mimetype}; charset=utf-8")
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data, like /api/v1
    return response


def error(fmt: str, code: int, description: str) -> Response:
    """A GeoReport error answer: ``[{"code", "description"}]`` or ``<errors><error>…``."""
    return _respond(fmt, open311.error_body(code, description), "errors", "error", code)


def _format_of(path: str) -> str:
    return "xml" if path.endswith(".xml") else "json"


@bp.before_app_request
def _routing_errors():
    """GeoReport errors for what routing refuses under ``/open311/``: 405 for another method, 404.

    Routing fails before a blueprint is chosen, so the blueprint's error handlers never see it;
    this app-wide hook answers only for paths under ``/open311/`` and leaves the rest alone.
    """
    exc = request.routing_exception
    path = request.path
    if exc is None or not (path == "/open311" or path.startswith("/open311/")):
        return None
    fmt = _format_of(path)
    if isinstance(exc, MethodNotAllowed):
        # A path only the catch-all matches is unknown whatever the method: 404, like a GET.
        adapter = current_app.url_map.bind_to_environ(request.environ)
        try:
            endpoint, _args = adapter.match(method="GET")
        except HTTPException:
            endpoint = "open311.unknown"
        if endpoint != "open311.unknown":
            response = error(fmt, 405, f"method {request.method[:20]} not allowed: this API is read only "
                                       "(GET, HEAD)")
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods or ("GET", "HEAD", "OPTIONS")))
            return response
        return error(fmt, 404, "unknown resource: see /open311/v2/discovery.json")
    if isinstance(exc, NotFound):
        return error(fmt, 404, "unknown resource: see /open311/v2/discovery.json")
    return None


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    """Any other HTTP error inside an Open311 view (429, 413...) in the GeoReport format."""
    response = error(_format_of(request.path), exc.code or 500, exc.description or exc.name)
    for name in ("Retry-After", "Allow"):
        if exc.get_response().headers.get(name):
            response.headers[name] = exc.get_response().headers[name]
    return response


def _lang() -> str:
    lang = request.args.get("lang", "ar")
    if lang not in LANGS:
        raise open311.Open311Error("lang must be ar or en")
    return lang


def _kind_labels(lang: str) -> dict[str, str]:
    with force_locale(lang):
        return {kind: str(label) for kind, label in KIND_LABELS.items()}


def _services(lang: str) -> list[dict]:
    return open311.services(get_taxonomy(), KINDS, lang, _kind_labels(lang))


def _handled(view):
    """Turn parameter errors into GeoReport 400 answers in the URL's format."""
    @wraps(view)
    def wrapper(*args, fmt: str = "json", **kwargs):
        try:
            return view(*args, fmt=fmt, **kwargs)
        except open311.Open311Error as exc:
            return error(fmt, 400, str(exc))
    return wrapper


@bp.get("/discovery")
@bp.get(f"/discovery.{FMT}")
@_handled
def discovery(fmt: str = "json"):
    doc = open311.discovery(url_for("open311.discovery", _external=True).rsplit("/", 1)[0],
                            CHANGESET, url_for("public.about", _external=True))
    return _respond(fmt, doc, "discovery", None)


@bp.get(f"/services.{FMT}")
@_handled
def services(fmt: str):
    return _respond(fmt, _services(_lang()), "services", "service")


@bp.get(f"/services/<code>.{FMT}")
@_handled
def service(code: str, fmt: str):
    if code not in {s["service_code"] for s in _services("ar")}:
        return error(fmt, 404, "unknown service_code")
    lang = _lang()
    kind, category = open311.split_service_code(code)
    fields = get_taxonomy().fields(kind, category)
    # The words of the report pages (geo.reference.fields.format_value).
    yes_no = tuple(format_value(Field("x", "yesno", "", ""), v, lang) for v in (True, False))
    attrs = open311.attributes(fields, lang, yes_no)
    return _respond(fmt, open311.service_definition(code, attrs), "service_definition", None)


def _requested_bounds(stmt, start: dt.datetime | None, end: dt.datetime | None):
    """Filter on ``requested_datetime``: the observation day (midnight UTC), else the filing time."""
    observed, created = Report.observed_on, Report.created_at
    if start:
        # A day's midnight is at or after ``start`` when the day is after it, or is its day at 00:00.
        first = start.date() if start.time() == dt.time(0) else start.date() + dt.timedelta(days=1)
        stmt = stmt.where(or_(observed >= first, and_(observed.is_(None), created >= start)))
    if end:
        stmt = stmt.where(or_(observed <= end.date(), and_(observed.is_(None), created <= end)))
    return stmt


def _requested_order():
    """Newest ``requested_datetime`` first; the id breaks ties, so pages never overlap.

    By day (the observation day, else the filing day), then the filing time of those without
    an observation day (NULL, i.e. midnight, sorts after them within a day), then the id.
    """
    day = func.coalesce(Report.observed_on, func.date(Report.created_at))
    time = case((Report.observed_on.is_(None), Report.created_at), else_=None)
    return day.desc(), time.desc().nulls_last(), Report.id.desc()


def _extensions() -> bool:
    """``extensions=true`` asks for ``extended_attributes`` (the public structured values)."""
    value = request.args.get("extensions")
    if value is None:
        return False
    if value not in ("true", "false"):
        raise open311.Open311Error("extensions must be true or false")
    return value == "true"


def _as_requests(reports: list[Report], lang: str) -> list[dict]:
    taxonomy = get_taxonomy()
    extensions = _extensions()
    names = place_names()
    out = []
    for report in reports:
        data = public_dict(report)
        cat = taxonomy.get(data["kind"], data["category"])
        photo = (url_for("public.photo", filename=data["photo"], _external=True)
                 if data.get("photo") else None)
        area = names.get(data["area"] or "", {})
        out.append(open311.service_request(
            data, status="closed" if lifecycle.is_closed(report.lifecycle) else "open",
            service_name=cat.label(lang) if cat else data["category"],
            address=area.get(lang) or area.get("en") or "", media_url=photo, created=report.created_at,
            extensions=extensions))
    return out


def _service_condition(codes: list[str]):
    known = {s["service_code"] for s in _services("ar")}
    bad = [c for c in codes if c not in known]
    if bad:
        raise open311.Open311Error(f"unknown service_code: {', '.join(bad[:5])[:200]}")
    pairs = [open311.split_service_code(c) for c in codes]
    return or_(*(and_(Report.kind == kind, Report.category == cat) for kind, cat in pairs))


@bp.get(f"/requests.{FMT}")
@_handled
def requests(fmt: str):
    lang = _lang()
    args = request.args
    stmt = queries.published()
    if "service_request_id" in args:
        # The spec: a list of ids overrides every other filter.
        ids = open311.parse_list("service_request_id", args["service_request_id"])
        if len(ids) > open311.MAX_IDS:
            raise open311.Open311Error(f"at most {open311.MAX_IDS} service_request_id values")
        wanted = [open311.parse_request_id(i) for i in ids]
        stmt = stmt.where(Report.id.in_([i for i in wanted if i is not None]))
    else:
        if "service_code" in args:
            stmt = stmt.where(_service_condition(open311.parse_list("service_code", args["service_code"])))
        start = open311.parse_datetime("start_date", args["start_date"]) if "start_date" in args else None
        end = open311.parse_datetime("end_date", args["end_date"]) if "end_date" in args else None
        if start and end and start > end:
            raise open311.Open311Error("start_date is after end_date")
        stmt = _requested_bounds(stmt, start, end)
        if "status" in args:
            statuses = set(open311.parse_list("status", args["status"], open311.STATUSES))
            # Closed: a resolved or no-longer-relevant challenge, an ended initiative (lifecycle).
            if statuses == {"open"}:
                stmt = stmt.where(Report.lifecycle.not_in(lifecycle.CLOSED))
            elif statuses == {"closed"}:
                stmt = stmt.where(Report.lifecycle.in_(lifecycle.CLOSED))
            elif not statuses:
                stmt = stmt.where(false())
    page, size = open311.parse_page(args)
    # One more than the page holds: whether a next page exists, without a COUNT of everything.
    stmt = queries.with_public_relations(
        stmt.order_by(*_requested_order()).offset((page - 1) * size).limit(size + 1))
    reports = db.session.scalars(stmt).all()
    response = _respond(fmt, _as_requests(reports[:size], lang), "service_requests", "request")
    links = []
    if len(reports) > size:
        links.append(f'<{_page_url(fmt, page + 1, size)}>; rel="next"')
    if page > 1:
        links.append(f'<{_page_url(fmt, page - 1, size)}>; rel="prev"')
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


def _page_url(fmt: str, page: int, size: int) -> str:
    """This request's URL at another page (the other parameters kept)."""
    args = request.args.to_dict(flat=False)
    args.update(page=[str(page)], page_size=[str(size)])
    return url_for("open311.requests", fmt=fmt, _external=True, **args)


@bp.get(f"/requests/<req_id>.{FMT}")
@_handled
def request_detail(req_id: str, fmt: str):
    lang = _lang()
    report_id = open311.parse_request_id(req_id)
    report = db.session.scalars(queries.published_report(report_id)).first() if report_id else None
    if report is None:
        return error(fmt, 404, "unknown service_request_id")
    return _respond(fmt, _as_requests([report], lang), "service_requests", "request")


@bp.get("/<path:rest>")
def unknown(rest: str):
    """Anything else under /open311/v2 (another format, a typo): a GeoReport 404, not a page."""
    fmt = "xml" if rest.endswith(".xml") else "json"
    return error(fmt, 404, "unknown resource: see /open311/v2/discovery.json")
