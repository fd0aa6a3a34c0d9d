"""Open311 GeoReport v2, read only: ``/open311/v2/…`` (views: ``views.py``, mapping: ``georeport.py``)."""

from .views import bp  # noqa: F401  (create_app registers it)
