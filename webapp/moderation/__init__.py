"""The moderation queue and actions for organizers (/moderation)."""

from . import edit, organizations  # noqa: F401  (their routes are on bp)
from .views import bp  # noqa: F401  (create_app registers it)
