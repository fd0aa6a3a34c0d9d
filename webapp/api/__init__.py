"""Read-only JSON API (/api/v1) and the page about it (/api)."""

from . import areas, clusters, docs, organizations, trends, updates  # noqa: F401  (their routes are on bp)
from .views import bp  # noqa: F401  (create_app registers it)
