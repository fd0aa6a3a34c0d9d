"""``/sw.js`` and ``/manifest.webmanifest``: what makes the report forms work offline and installable.

The service worker is a template: it lists the exact (content-hashed) URLs of the assets the
forms need, and its cache name is a hash of its own text and of every cached file, so a deploy
that changes any of them installs a new cache and drops the old one.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..state import app_state
from ..web.assets import VENDOR_DIRS

bp = Blueprint("offline", __name__)

#: The form pages the worker caches (network first, the cached copy when offline).
FORM_ENDPOINTS = ("contribute.suggest", "contribute.new_report")
STATIC_FILES = ("css/ahya.css", "css/forms.css", "js/leaflet-i18n.js", "js/normalize.js", "js/pick-point.js",
                "js/offline-queue.js",
                "js/offline-form.js", "favicon.svg", "icons/icon-192.png", "icons/icon-512.png")
VENDOR_FILES = (("leaflet", "leaflet.js"), ("leaflet", "leaflet.css"))
THEME = "#0b5563"


def _worker() -> tuple[bytes, str]:
    """The worker's JavaScript and its cache name, built once per app (per process)."""
    cache = app_state().offline_worker
    if "js" not in cache or current_app.debug:
        assets = [url_for("static", filename=name) for name in STATIC_FILES]
        assets += [url_for("vendor.vendor_file", package=p, filename=f) for p, f in VENDOR_FILES]
        digest = hashlib.sha256()
        static = Path(current_app.static_folder)
        for name in STATIC_FILES:
            digest.update((static / name).read_bytes())
        for package, filename in VENDOR_FILES:
            digest.update((VENDOR_DIRS[package] / filename).read_bytes())
        pages = [url_for(e) for e in FORM_ENDPOINTS]
        context = {"assets": assets, "pages": pages, "public_page": url_for("contribute.suggest"),
                   "queue_script": url_for("static", filename="js/offline-queue.js")}
        digest.update(render_template("offline/sw.js", cache_name="", **context).encode())
        name = "ahya-offline-" + digest.hexdigest()[:12]
        cache["js"] = render_template("offline/sw.js", cache_name=name, **context).encode()
        cache["name"] = name
    return cache["js"], cache["name"]


@bp.get("/sw.js")
def service_worker():
    body, name = _worker()
    response = Response(body, content_type="application/javascript; charset=utf-8")
    # Browsers check for a new worker at most daily anyway; no-cache makes it every visit.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["X-Ahya-Cache"] = name
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: Arabic name, right to left, opens the suggestion form."""
    with force_locale("ar"):
        description = _("Report a challenge or an initiative in Jerusalem, even without a connection.")
    body = {
        "name": "أحياء",
        "short_name": "أحياء",
        "description": description,
        "lang": "ar",
        "dir": "rtl",
        "start_url": url_for("contribute.suggest"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME,
        "icons": [{"src": url_for("static", filename=f"icons/icon-{size}.png"), "sizes": f"{size}x{size}",
                   "type": "image/png", "purpose": "any"} for size in (192, 512)],
    }
    return Response(json.dumps(body, ensure_ascii=False),
                    content_type="application/manifest+json; charset=utf-8")
