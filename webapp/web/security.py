"""Security headers: a strict Content-Security-Policy with a per-request nonce, and friends.

Scripts run only from our own origin or from an inline ``<script>`` carrying this request's
nonce (``nonce="{{ csp_nonce() }}"`` in the templates). An injected ``<script>`` or ``on…=``
attribute therefore never runs, even if escaping were ever missed somewhere.

``style-src`` keeps ``'unsafe-inline'``: folium writes ``<style>`` blocks and ``style="…"``
attributes into the map, Leaflet and our own JS build marker HTML with inline styles, and the
templates colour swatches with ``style="background:…"``. CSS cannot run script, so the cost is
limited to CSS-based tricks on pages that hold no secret worth exfiltrating that way.

``frame-ancestors`` belongs to ``webapp.exports.framing`` (``/embed`` is the one frameable page):
whichever of the two hooks runs second keeps the other's directives.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from urllib.parse import parse_qsl, urlsplit

from flask import Request, current_app, g, request
from flask.signals import before_render_template
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from geo.drawing.maps import MapParts

from ..store import sitesettings

EMBED_ENDPOINT = "exports.embed"
_SCRIPT_OPEN = re.compile(r"<script\b(?![^>]*\bnonce=)", re.I)
PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=()"


def csp_nonce() -> str:
    """This request's nonce (made on first use, so every template of the request shares it)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def add_nonce(html: str, nonce: str) -> str:
    """``html`` with ``nonce`` on every ``<script>`` tag that has none (folium's header scripts)."""
    return _SCRIPT_OPEN.sub(f'<script nonce="{nonce}"', html)


def tile_source(tile_url: str) -> str:
    """The CSP source for the configured tile server (``{s}`` subdomains become ``*``)."""
    parts = urlsplit(tile_url)
    if not parts.scheme or not parts.netloc:
        return ""
    host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
    return f"{parts.scheme}://{host}"


def policy(nonce: str, tile_url: str) -> list[str]:
    return [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        " ".join(filter(None, ["img-src 'self' data:", tile_source(tile_url)])),
        "connect-src 'self'",
        # The report forms' service worker (/sw.js) and web app manifest: our own origin only.
        "worker-src 'self'",
        "manifest-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]


def _frame_ancestors(existing: str | None) -> str:
    """The ``frame-ancestors`` directive already set by framing.py, else the same rule here."""
    for directive in (existing or "").split(";"):
        if directive.strip().lower().startswith("frame-ancestors"):
            return directive.strip()
    return "frame-ancestors *" if request.endpoint == EMBED_ENDPOINT else "frame-ancestors 'none'"


def set_headers(response):
    headers = response.headers
    # The tile server is a site setting: the value the page was rendered with (no extra read).
    directives = policy(csp_nonce(), sitesettings.peek("TILE_URL"))
    directives.append(_frame_ancestors(headers.get("Content-Security-Policy")))
    headers["Content-Security-Policy"] = "; ".join(directives)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer" if g.get("no_referrer") else "strict-origin-when-cross-origin"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    max_age = current_app.config.get("HSTS_MAX_AGE", 0)
    if current_app.config.get("SESSION_COOKIE_SECURE") and max_age:
        # Secure cookies mean the site is served over HTTPS: browsers should never try HTTP again.
        headers["Strict-Transport-Security"] = f"max-age={max_age}; includeSubDomains"
    if g.get("behind_login"):
        # A page behind login (set by web.roles) is never kept by a browser or a proxy: a shared
        # computer's back button or cache must not show moderation pages after logout.
        # "private" stays where a view set it (moderators' photos): it tells shared caches too.
        private = "private" in headers.get("Cache-Control", "")
        headers["Cache-Control"] = "private, no-store" if private else "no-store"
        headers.pop("Expires", None)
        headers.pop("ETag", None)
        headers.pop("Last-Modified", None)
    return response


def _nonce_map_parts(sender, template, context, **extra):
    """Give folium's own ``<script>`` tags (in the map header and body) this request's nonce.

    The map is rendered by ``geo.drawing.maps.render_parts`` (pure, knows no request); its parts reach
    the templates as ``map``, so they are nonced here, just before rendering.
    """
    parts = context.get("map")
    if isinstance(parts, MapParts):
        nonce = csp_nonce()
        context["map"] = dataclasses.replace(parts, header=add_nonce(parts.header, nonce),
                                             html=add_nonce(parts.html, nonce))


class _ReplacingFormDataParser(FormDataParser):
    """Decode urlencoded bodies like multipart ones: bytes that are not UTF-8 become U+FFFD.

    Werkzeug keeps them percent-encoded instead (the byte 0xFF arrives as the text "%FF"),
    which a form cannot tell from text someone typed; as U+FFFD the report and rejection
    forms refuse them with a clear message (``webapp.web.report_form.valid_text``).
    """

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        if (self.max_form_memory_size is not None and content_length is not None
                and content_length > self.max_form_memory_size):
            raise RequestEntityTooLarge()
        items = parse_qsl(stream.read().decode("utf-8", "replace"), keep_blank_values=True,
                          errors="replace")
        return stream, self.cls(items), self.cls()


class AhyaRequest(Request):
    form_data_parser_class = _ReplacingFormDataParser


def init_app(app) -> None:
    app.request_class = AhyaRequest
    app.add_template_global(csp_nonce)
    app.after_request(set_headers)
    before_render_template.connect(_nonce_map_parts, app)
