"""Leaflet and friends served by the app itself, from their PyPI packages, and the map page's bundles.

Pages never load JS or CSS from a CDN: folium's asset lists are pointed at the
``/vendor/...`` URLs registered here (see ``geo.drawing.maps.local_assets``).

The map page loads one stylesheet and one script of its own (``/vendor/bundle/map.css`` and
``map.js``) instead of eight and nine files: on a phone each request costs a round trip, and
every stylesheet blocks the first paint. The bundles are concatenated in memory from the files
listed in ``BUNDLES`` (no build step, never stale) and versioned by their content hash.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import re
from pathlib import Path

import folium
import xstatic.pkg.leaflet as xs_leaflet
import xstatic.pkg.leaflet_markercluster as xs_markercluster
from flask import Blueprint, Response, abort, current_app, request, send_from_directory

from ..state import app_state

# The package's static folder wherever this module lives (it may move into a subpackage).
STATIC_DIR = Path(str(importlib.resources.files("webapp"))) / "static"
VENDOR_DIRS = {
    "leaflet": Path(xs_leaflet.BASE_DIR),
    "markercluster": Path(xs_markercluster.BASE_DIR),
    "folium": Path(folium.__file__).parent / "templates",
}
BUNDLE_PACKAGE = "bundle"

#: Bundle name → (source, path) in order; source is "static" or a VENDOR_DIRS key.
BUNDLES: dict[str, tuple[tuple[str, str], ...]] = {
    "map.css": (
        ("static", "css/ahya.css"), ("leaflet", "leaflet.css"), ("static", "css/map.css"),
        ("markercluster", "MarkerCluster.css"), ("markercluster", "MarkerCluster.Default.css"),
        ("static", "css/reports.css"), ("static", "css/filters.css"), ("static", "css/share.css"),
    ),
    # Leaflet itself stays a file of its own: folium's inline map script runs between it and these.
    "map.js": (
        ("static", "js/leaflet-i18n.js"), ("static", "js/map-data.js"), ("static", "js/map-controls.js"),
        ("static", "js/normalize.js"),
        ("static", "js/search.js"),
        ("static", "js/filters.js"), ("markercluster", "leaflet.markercluster.js"),
        ("folium", "leaflet_heat.min.js"), ("static", "js/report-markers.js"),
        ("static", "js/reports-layer.js"), ("static", "js/overlay-style.js"), ("static", "js/overlays.js"),
        ("static", "js/choropleth.js"), ("static", "js/map-layout.js"),
    ),
}
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.M)
_CSS_URL = re.compile(r"url\((['\"]?)(?![a-z]+:|/|#|data:)([^)'\"]+)\1\)", re.I)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)

# The JS bundle's frame: its files queue up, then run in order, each in its own task (a file
# that throws still lets the next ones run; the error reaches the console as usual).
# AHYA_AFTER_MAP(fn): run fn after the bundle's files (share.js adds its control after theirs).
_JS_HEAD = """var _ahyaBundle = [];
window.AHYA_AFTER_MAP = function (fn) {
  if (_ahyaBundle.done) { fn.call(window); } else { _ahyaBundle.push(fn); }
};
"""
_JS_RUN = """(function run() {
  var next = _ahyaBundle.shift();
  if (!next) { _ahyaBundle.done = true; return; }
  try { next.call(window); } finally { setTimeout(run, 0); }
})();
"""

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


def _source_file(source: str, path: str) -> Path:
    return (STATIC_DIR if source == "static" else VENDOR_DIRS[source]) / path


def _source_url(source: str, path: str, script_root: str) -> str:
    return f"{script_root}/static/{path}" if source == "static" else f"{script_root}/vendor/{source}/{path}"


def build_bundle(name: str, script_root: str = "") -> str:
    """The text of bundle ``name``: its files in order, each under a comment naming it.

    CSS ``url()`` references relative to a file (Leaflet's control images) are made absolute,
    since the bundle is served from another folder; comments are dropped from CSS. JS files keep
    their licence headers but lose their source-map links (the maps are not served).

    Raises
    ------
    KeyError
        If ``name`` is not a bundle.
    """
    parts = []
    for source, path in BUNDLES[name]:
        text = _source_file(source, path).read_text(encoding="utf-8")
        if name.endswith(".css"):
            base = _source_url(source, path, script_root).rsplit("/", 1)[0]
            text = _CSS_URL.sub(lambda m, base=base: f"url({base}/{m.group(2)})", _CSS_COMMENT.sub("", text))
            text = re.sub(r"\n\s*\n+", "\n", text).strip()
            parts.append(f"/* {source}/{path} */\n{text}\n")
        else:
            # Each file in a function of its own, run one after the other in separate tasks
            # (_JS_RUN): one bundle must not become one long task that a phone cannot interrupt.
            parts.append(f"/* {source}/{path} */\n_ahyaBundle.push(function () {{\n"
                         f"{_SOURCE_MAP.sub('', text).rstrip()}\n;\n}});\n")
    if name.endswith(".js"):
        return _JS_HEAD + "".join(parts) + _JS_RUN
    return "".join(parts)


def _bundle(name: str) -> tuple[bytes, str]:
    """``(body, version)`` of a bundle for this app and script root, built once per process
    (rebuilt on every request in debug mode, so edits show at once)."""
    cache = app_state().bundles
    key = (name, request.script_root)
    if key not in cache or current_app.debug:
        body = build_bundle(name, request.script_root).encode("utf-8")
        cache[key] = (body, hashlib.sha256(body).hexdigest()[:10])
    return cache[key]


def bundle_version(name: str) -> str:
    """The content hash that versions bundle ``name``'s URL (``?v=``)."""
    return _bundle(name)[1]


@bp.get("/<package>/<path:filename>")
def vendor_file(package: str, filename: str):
    if package == BUNDLE_PACKAGE:
        return _bundle_response(filename)
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


def _bundle_response(name: str):
    if name not in BUNDLES:
        abort(404)
    body, version = _bundle(name)
    mimetype = "text/css" if name.endswith(".css") else "text/javascript"
    resp = Response(body, mimetype=mimetype)
    resp.set_etag(version)
    resp.cache_control.public = True
    if request.args.get("v") == version:
        resp.cache_control.max_age = 365 * 24 * 3600
        resp.cache_control.immutable = True
    else:
        resp.cache_control.max_age = 300
    return resp.make_conditional(request)


def init_app(app) -> None:
    """The safe-path check and bundle versions (``create_app`` registers ``bp`` with the others)."""
    app.before_request(refuse_unsafe_paths)

    @app.url_defaults
    def add_bundle_version(endpoint, values):
        if (endpoint == "vendor.vendor_file" and values.get("package") == BUNDLE_PACKAGE
                and values.get("filename") in BUNDLES and "v" not in values):
            values["v"] = bundle_version(values["filename"])
