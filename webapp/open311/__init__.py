"""Open311 GeoReport v2, read only: ``/open311/v2/…`` (views in ``views.py``, mapping in webapp/open311/georeport.py)."""

from .views import bp  # noqa: F401  (create_app registers it)
