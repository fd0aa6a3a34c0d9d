"""Share cards: the PNG a chat app shows for a shared link."""

from .views import bp  # noqa: F401  (create_app registers it)
