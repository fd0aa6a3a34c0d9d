"""Leaflet and friends served by the app itself, from their PyPI packages.

Pages never load JS or CSS from a CDN: folium's asset lists are pointed at the
``/vendor/...`` URLs registered here (see ``geo.maps.local_assets``).
"""

from __future__ import annotations

import re
from pathlib import Path

import folium
import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_markercluster as xs_markercluster
from flask import Blueprint, abort, request, send_from_directory

VENDOR_DIRS = {
    "leaflet": Path(xs_leaflet.BASE_DIR),
    "markercluster": Path(xs_markercluster.BASE_DIR),
    "folium": Path(folium.__file__).parent / "templates",
}

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

#: Endpoints that serve files from disk by a client-given relative path.
FILE_ENDPOINTS = ("static", "vendor.vendor_file")
#: One path segment of a file we ship: plain ASCII names, no leading dot (no ``.``/``..``,
#: no hidden files). Nothing the app links to needs more.
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,99}")
MAX_PATH = 300


def is_safe_path(filename: str) -> bool:
    """Whether a client-given file path is a plain relative path below the served folder.

    Refuses, before the file system sees them, what werkzeug's ``safe_join`` handles only in
    part or not at all on every platform: null bytes (``ValueError`` deep in ``os``: a 500),
    backslashes and drive letters (separators on Windows), absolute paths, empty, ``.`` and
    ``..`` segments (also once percent-decoded: routing decodes ``%2f`` and ``%2e``),
    control and non-ASCII characters, and very long paths.
    """
    if not filename or len(filename) > MAX_PATH:
        return False
    return all(_SEGMENT.fullmatch(part) for part in filename.split("/"))


@bp.get("/<package>/<path:filename>")
def vendor_file(package: str, filename: str):
    directory = VENDOR_DIRS.get(package)
    if directory is None:
        abort(404)
    # Versioned by the pinned package: safe to cache for a long time.
    return send_from_directory(directory, filename, max_age=30 * 24 * 3600)


def refuse_unsafe_paths():
    """``before_request``: 404 for a static or vendor path that is not plainly safe."""
    filename = (request.view_args or {}).get("filename", "")
    if request.endpoint in FILE_ENDPOINTS and not is_safe_path(filename):
        abort(404)


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.before_request(refuse_unsafe_paths)
