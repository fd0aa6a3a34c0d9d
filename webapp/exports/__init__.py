"""Exports for advocates: data downloads, posters, a standalone map file and the embeddable map."""

from . import poster  # noqa: F401  (their routes are on bp)
from .views import bp  # noqa: F401  (create_app registers it)
