"""Adding reports: the organizer form (/reports/new) and public suggestions (/suggest)."""

from flask import Blueprint

bp = Blueprint("contribute", __name__)
