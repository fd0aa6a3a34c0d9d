"""Who may show Ahya's pages inside a frame: nobody, except the embeddable map at ``/embed``.

Framing is how clickjacking works (a hidden Ahya page under a foreign button), so every
response says ``X-Frame-Options: DENY`` and ``frame-ancestors 'none'``. ``/embed`` is made
to be framed by any site, holds no form and no session action, and says ``frame-ancestors *``
instead (without X-Frame-Options, which browsers would otherwise apply on top).
"""

from __future__ import annotations

from flask import request

EMBED_ENDPOINT = "exports.embed"


def _with_frame_ancestors(policy: str | None, value: str) -> str:
    """``policy`` with its ``frame-ancestors`` directive set to ``value`` (other directives kept)."""
    directives = [d.strip() for d in (policy or "").split(";") if d.strip()]
    kept = [d for d in directives if d.split()[0].lower() != "frame-ancestors"]
    return "; ".join([*kept, f"frame-ancestors {value}"])


def frame_headers(response):
    csp = response.headers.get("Content-Security-Policy")
    if request.endpoint == EMBED_ENDPOINT:
        response.headers.pop("X-Frame-Options", None)
        response.headers["Content-Security-Policy"] = _with_frame_ancestors(csp, "*")
    else:
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = _with_frame_ancestors(csp, "'none'")
    return response

