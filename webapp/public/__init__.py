"""Public pages: the map, the about page and report permalinks."""

from . import areas, feeds, listing, mapdata, reports, topics  # noqa: F401  (their routes are on bp)
from .views import bp  # noqa: F401  (create_app registers it)
