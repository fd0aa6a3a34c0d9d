"""Records that move: a report's state and timeline, suggested updates, "this affects us too"."""

from .views import bp  # noqa: F401  (create_app registers it)
