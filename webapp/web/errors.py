"""Error pages: a clear message in the user's language, never a stack trace."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def handle_http_error(exc: HTTPException):
    messages = {
        400: _("The request was not understood."),
        403: _("You are not allowed to do this."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
        413: _("The file is too large."),
        429: _("Too many requests. Please wait a little and try again."),
    }
    message = messages.get(exc.code, exc.description or _("Something went wrong."))
    # The exception's own headers (405's Allow, 416's Content-Range, 429's Retry-After), not
    # its Content-Type: the body is ours. RFC 9110 requires Allow on every 405.
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    if request.path.startswith("/ogc/"):
        # OGC API - Features: its exception body (pygeoapi's shape), for unknown paths too.
        return {"code": exc.name.replace(" ", ""), "description": message}, exc.code, headers
    if _wants_json():
        return {"error": message, "status": exc.code}, exc.code, headers
    return render_template("error.html", code=exc.code, message=message), exc.code, headers


def init_app(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
