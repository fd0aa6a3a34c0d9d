"""Organizations: the public directory and pages, the organizer forms and the CLI."""

from . import manage  # noqa: F401  (their routes are on bp)
from .views import bp  # noqa: F401  (create_app registers it)
