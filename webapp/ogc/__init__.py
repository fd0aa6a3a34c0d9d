"""OGC API – Features (Part 1 Core, GeoJSON, OpenAPI 3.0) at /ogc/: what QGIS and GDAL page through."""

from . import openapi  # noqa: F401  (its route is on bp)
from .views import bp  # noqa: F401  (create_app registers it)
