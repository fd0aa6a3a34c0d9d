"""Accounts: login/logout with per-account throttling, role checks."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from . import views  # noqa: E402,F401
from .roles import admin_required, organizer_required  # noqa: E402,F401
