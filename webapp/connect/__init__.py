"""Requests to connect: a message to a published organization or initiative (/connect/...),
stored privately, read by organizers (/moderation/messages), forwarded by e-mail when configured."""

from flask import Blueprint

bp = Blueprint("connect", __name__)

from . import messages, views  # noqa: E402,F401
