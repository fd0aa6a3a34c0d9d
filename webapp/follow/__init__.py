"""Following an area, a topic or a report: by e-mail (double opt-in), else by Atom feed."""

from flask import Blueprint

bp = Blueprint("follow", __name__, url_prefix="/follow")

from . import views  # noqa: E402,F401
