"""Responses shared by the export views: file downloads and clear refusals."""

from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext

from ..store.filters import ParameterError
from .data import TooManyRows, today


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def refuse(status: int, message: str, parameter: str | None = None):
    """A 400/404 that says what is wrong: JSON for scripts, the error page for people."""
    if wants_json():
        body = {"error": message, "status": status, **({"parameter": parameter} if parameter else {})}
        return body, status
    return render_template("error.html", code=status, message=message), status


def refuse_parameter(exc: ParameterError):
    # The parameter's own message is English (shared with the API); the frame is translated.
    return refuse(400, _("Invalid parameter “%(name)s”: %(message)s", name=exc.parameter,
                         message=exc.message), exc.parameter)


def refuse_too_many(exc: TooManyRows):
    return refuse(400, ngettext("%(num)d report matches, more than the %(cap)d an export can hold. "
                                "Please narrow the filters (category, area, dates).",
                                "%(num)d reports match, more than the %(cap)d an export can hold. "
                                "Please narrow the filters (category, area, dates).",
                                exc.count, cap=exc.cap), "limit")


def file_name(what: str, suffix: str) -> str:
    """``ahya-reports-20261005.gpkg``: ASCII only, so no header encoding is needed."""
    return f"ahya-{what}-{today():%Y%m%d}{suffix}"


def attachment(body: bytes | str, media_type: str, filename: str, *, inline: bool = False) -> Response:
    """A download saved as ``filename``; ``inline`` lets the browser show it first (posters)."""
    resp = Response(body, mimetype=None, content_type=media_type)
    resp.headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    # Published data changes whenever a moderator acts: never serve yesterday's file from a cache.
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
