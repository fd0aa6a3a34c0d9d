"""Open311 GeoReport v2, read only: ``/open311/v2/…`` (views in ``views.py``, mapping in geo/open311.py)."""

from flask import Blueprint

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

from . import views  # noqa: E402,F401
