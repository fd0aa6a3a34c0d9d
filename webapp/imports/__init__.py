"""Bulk import of reports for organizers (/reports/import): upload, preview and mapping, confirm."""

from flask import Blueprint

bp = Blueprint("imports", __name__)

from . import views  # noqa: E402,F401
