"""Leaflet and friends served by the app itself, from their PyPI packages.

Pages never load JS or CSS from a CDN: folium's asset lists are pointed at the
``/vendor/...`` URLs registered here (see ``geo.maps.local_assets``).
"""

from __future__ import annotations

from pathlib import Path

import folium
import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_markercluster as xs_markercluster
from flask import Blueprint, abort, send_from_directory

VENDOR_DIRS = {
    "leaflet": Path(xs_leaflet.BASE_DIR),
    "markercluster": Path(xs_markercluster.BASE_DIR),
    "folium": Path(folium.__file__).parent / "templates",
}

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.get("/<package>/<path:filename>")
def vendor_file(package: str, filename: str):
    directory = VENDOR_DIRS.get(package)
    if directory is None:
        abort(404)
    # Versioned by the pinned package: safe to cache for a long time.
    return send_from_directory(directory, filename, max_age=30 * 24 * 3600)


def init_app(app) -> None:
    app.register_blueprint(bp)
