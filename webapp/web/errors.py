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
    if _wants_json():
        return {"error": message, "status": exc.code}, exc.code
    return render_template("error.html", code=exc.code, message=message), exc.code


def init_app(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
