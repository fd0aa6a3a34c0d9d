"""gzip for text responses, and long-lived caching for versioned static files.

Map pages and JSON compress 4–8×, which matters on phones; static URLs carry
``?v=<content hash>`` so they can be cached for a year and still change on deploy.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from flask import request

COMPRESSIBLE = ("text/", "application/json", "application/geo+json", "application/javascript",
                "application/atom+xml", "image/svg+xml", "application/xml")
MIN_SIZE = 1024
YEAR = 365 * 24 * 3600


def accepts_gzip() -> bool:
    """Whether the current request's client accepts a gzip-encoded body."""
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def _gzippable(response) -> bool:
    """Not encoded yet, a text type, and the client accepts gzip."""
    return ("Content-Encoding" not in response.headers and accepts_gzip()
            and (response.mimetype or "").startswith(COMPRESSIBLE))


def _gzip_response(response):
    if (response.direct_passthrough or response.status_code < 200 or response.status_code >= 300
            or not _gzippable(response)):
        return response
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    response.set_data(gzip.compress(data, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Length"] = str(len(response.get_data()))
    response.vary.add("Accept-Encoding")
    if response.headers.get("ETag"):
        # A compressed body is a different representation: keep strong ETags distinct.
        etag, weak = response.get_etag()
        if etag and not weak:
            response.set_etag(etag + "-gz")
    return response


#: Endpoints that serve files from disk (``send_file`` responses, streamed as-is by default).
FILE_ENDPOINTS = ("static", "vendor.vendor_file")
_FILE_CACHE_MAX = 256


def _gzip_file_response(response, cache: dict):
    """gzip a static or vendored file once, keyed by its ETag (path, size and mtime).

    ``send_file`` responses stream the file (``direct_passthrough``) and would be skipped by
    ``_gzip_response``; Leaflet alone is 147 KB, 40 KB compressed: worth it on a phone.
    Range requests (206) and revalidations (304) are left alone.
    """
    if response.status_code != 200 or not _gzippable(response):
        return response
    etag, _weak = response.get_etag()
    key = (request.path, etag)
    response.direct_passthrough = False
    if key not in cache:
        data = response.get_data()  # reads the file
        if len(data) < MIN_SIZE:
            return response
        if len(cache) >= _FILE_CACHE_MAX:
            cache.clear()  # a deploy changed many files: start over rather than grow
        cache[key] = gzip.compress(data, compresslevel=9, mtime=0)
    elif hasattr(response.response, "close"):
        response.response.close()  # the unread file
    response.set_data(cache[key])
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    if etag:
        # Weak, as nginx does: the same file, another encoding. send_file's own revalidation
        # compares weakly, so If-None-Match with this tag still answers 304.
        response.set_etag(etag, weak=True)
    return response


def init_app(app) -> None:
    static_dir = Path(app.static_folder)
    versions: dict[str, str] = {}
    gzipped_files: dict[tuple[str, str | None], bytes] = {}

    def static_version(filename: str) -> str:
        if filename not in versions or app.debug:
            try:
                digest = hashlib.sha256((static_dir / filename).read_bytes()).hexdigest()[:10]
            except OSError:
                digest = "0"
            versions[filename] = digest
        return versions[filename]

    @app.url_defaults
    def add_static_version(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            values["v"] = static_version(values["filename"])

    @app.after_request
    def cache_and_compress(response):
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
        if request.endpoint in FILE_ENDPOINTS:
            return _gzip_file_response(response, gzipped_files)
        return _gzip_response(response)
