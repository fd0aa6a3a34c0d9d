"""Adding reports: the organizer form (/reports/new) and public suggestions (/suggest)."""

from .views import bp  # noqa: F401  (create_app registers it)
