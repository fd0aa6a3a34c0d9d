"""Share cards: the PNG a chat app shows for a shared link (blueprint in views.py)."""

from .views import bp  # noqa: F401
