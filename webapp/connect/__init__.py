"""Requests to connect: a message to a published organization or initiative (/connect/...),
stored privately, read by organizers (/moderation/messages), forwarded by e-mail when configured."""

from . import messages  # noqa: F401  (their routes are on bp)
from .views import bp  # noqa: F401  (create_app registers it)
