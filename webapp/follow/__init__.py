"""Following an area, a topic or a report: by e-mail (double opt-in), else by Atom feed."""

from .views import bp  # noqa: F401  (create_app registers it)
