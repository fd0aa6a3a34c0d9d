"""Bulk import of reports for organizers (/reports/import): upload, preview and mapping, confirm."""

from .views import bp  # noqa: F401  (create_app registers it)
