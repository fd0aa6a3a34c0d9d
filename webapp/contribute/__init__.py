"""Adding reports: the organizer form (/reports/new) and public suggestions (/suggest)."""

from flask import Blueprint

bp = Blueprint("contribute", __name__)

from . import views  # noqa: E402,F401
