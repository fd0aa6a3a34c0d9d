"""Records that move: a report's state and timeline, suggested updates, "this affects us too"."""

from flask import Blueprint

bp = Blueprint("progress", __name__)

from . import views  # noqa: E402,F401
