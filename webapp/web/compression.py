"""Compression (Flask-Compress, configured here) and long-lived caching for versioned static files.

Map pages and JSON compress 4–8×, which matters on phones; static URLs carry
``?v=<content hash>`` so they can be cached for a year and still change on deploy.

Flask-Compress does the work; this module is its settings and a thin adapter. A client that
refuses gzip (``Accept-Encoding: gzip;q=0``, RFC 9110 12.5.3) is sent the plain body
(Flask-Compress 1.25 picks an algorithm even at quality 0), a range response (206) is never
compressed (its ``Content-Range`` counts bytes of the plain file), and conditional requests
are left to the views, except that a static file revalidates against its compressed ETag.
Static files are compressed on each request (they are streamed, and Flask-Compress caches
only whole bodies); their versioned URLs are cached by browsers for a year. A view whose body
changes only with a restart (the map's polygons and search index) calls :func:`keep_compressed`
with its content hash, and Flask-Compress's own cache then compresses it once per process.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from threading import Lock

from cachetools import LRUCache
from flask import g, request
from flask_compress import Compress

from .assets import FILE_ENDPOINTS, is_safe_path

#: Exact media types worth compressing: text, JSON, GeoJSON, XML, SVG (images and archives are
#: compressed already).
COMPRESSIBLE = ("text/html", "text/css", "text/plain", "text/csv", "text/xml", "text/javascript",
                "text/calendar", "application/json", "application/geo+json", "application/javascript",
                "application/atom+xml", "image/svg+xml", "application/xml")
MIN_SIZE = 1024
YEAR = 365 * 24 * 3600


#: Compressed bodies kept for views that asked (:func:`keep_compressed`): a few per language.
KEPT_BODIES = 32
_NOT_KEPT = "-"


def accepts_gzip() -> bool:
    """Whether the current request's client accepts a gzip-encoded body (``q=0`` refuses it)."""
    return request.accept_encodings.quality("gzip") > 0


def keep_compressed(content_key: str) -> None:
    """Let Flask-Compress keep this response's compressed body under ``content_key`` (a hash of
    the body: the same key must never name another body)."""
    g.compressed_body_key = content_key


def _cache_key(req) -> str:
    return g.get("compressed_body_key", _NOT_KEPT)


class _KeptBodies:
    """Flask-Compress's cache backend: it keeps only the bodies that views asked to keep (every
    other response is compressed afresh and forgotten)."""

    def __init__(self) -> None:
        self._bodies: LRUCache = LRUCache(maxsize=KEPT_BODIES)
        self._lock = Lock()

    def get(self, key: str) -> bytes | None:
        if key.endswith(_NOT_KEPT):
            return None
        with self._lock:
            return self._bodies.get(key)

    def set(self, key: str, value: bytes) -> None:
        if not key.endswith(_NOT_KEPT):
            with self._lock:
                self._bodies[key] = value


def _compress_response(response, compress: Compress):
    if response.status_code == 206 or not accepts_gzip():
        response.vary.add("Accept-Encoding")  # another Accept-Encoding may get another body
        return response
    response = compress.after_request(response)
    if request.endpoint in FILE_ENDPOINTS and response.headers.get("Content-Encoding") == "gzip":
        # A revalidation naming the compressed body's ETag ("…:gzip") gets its 304.
        response.make_conditional(request)
    return response


def init_app(app) -> None:
    app.config.update(
        COMPRESS_MIMETYPES=list(COMPRESSIBLE), COMPRESS_MIN_SIZE=MIN_SIZE, COMPRESS_LEVEL=6,
        # gzip only, as before: every client has it.
        COMPRESS_ALGORITHM=["gzip"],
        COMPRESS_CACHE_BACKEND=_KeptBodies, COMPRESS_CACHE_KEY=_cache_key,
        # Static and vendored files are streamed (send_file): compressed as they stream
        # (Leaflet alone is 147 KB, 40 KB gzipped).
        COMPRESS_ALGORITHM_STREAMING=["gzip"],
        # Conditional requests stay the views' own business: the API answers If-Modified-Since
        # only when its Last-Modified is exact (api/cache.py), which make_conditional cannot know.
        COMPRESS_EVALUATE_CONDITIONAL_REQUEST=False,
        COMPRESS_REGISTER=False,  # registered below, behind the q=0 and range checks
    )
    compress = Compress(app)
    static_dir = Path(app.static_folder)
    versions: dict[str, str] = {}

    def static_version(filename: str) -> str:
        if not is_safe_path(filename):
            return "0"  # never read, never remembered: the name may come from a hostile URL
        if filename not in versions or app.debug:
            try:
                digest = hashlib.sha256((static_dir / filename).read_bytes()).hexdigest()[:10]
            except OSError:
                return "0"  # not a file we ship: nothing worth remembering
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
        return _compress_response(response, compress)
