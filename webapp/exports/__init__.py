"""Exports for advocates: data downloads, posters, a standalone map file and the embeddable map."""

from flask import Blueprint

from .framing import frame_headers

bp = Blueprint("exports", __name__)
# App-wide, not only on this blueprint's pages: every page must refuse to be framed but /embed.
bp.after_app_request(frame_headers)

from . import poster, views  # noqa: E402,F401
