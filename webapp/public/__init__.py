"""Public pages: the map, the about page and report permalinks."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import areas, feeds, listing, mapdata, reports, views  # noqa: E402,F401
