"""Map layers for admins (/admin/layers): upload, preview, titles, style, popup, order, replace, remove."""

from .views import bp  # noqa: F401  (create_app registers it)
