"""Organizations: the public directory and pages, the organizer forms and the CLI."""

from flask import Blueprint

bp = Blueprint("organizations", __name__)

from . import manage, views  # noqa: E402,F401
