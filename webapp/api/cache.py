"""Conditional GETs and a response cache for the read-only API, both keyed on the data version.

:func:`cached_json` wraps a GET view. Before the view runs it reads the data version
(one primary-key read) and derives the ETag from it and the normalised request, so

* a client that sends the ETag it holds (``If-None-Match``) gets ``304`` with no body and
  the view never runs;
* a repeated request at the same version is answered from a small in-process LRU of
  response bodies, without touching the reports tables;
* any create, publish, edit, reject, archive or delete bumps the version, which changes
  every ETag and empties the LRU, so nobody is served data older than the last change.

Each worker process keeps its own LRU; correctness never depends on it, since every
request reads the committed version first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import urlencode

from cachetools import LRUCache
from flask import Response, current_app, make_response, request

from ..state import app_state
from ..store.reporting import get_taxonomy
from ..store.versioning import current_data_version
from ..web.i18n import current_language

#: Change when a response's shape changes without any data change (a field renamed, a new
#: member): it is part of every ETag, so clients holding an old one get the new shape.
FORMAT = "3"
#: Caches may store a response but must ask again before each reuse (a 304 is cheap).
CACHE_CONTROL = "public, max-age=0, must-revalidate"
#: A response that sets a cookie (``?lang=`` remembers the language) must not be shared.
PRIVATE_CACHE_CONTROL = "private, max-age=0, must-revalidate"
#: Response headers a cached entry replays; the rest belong to the request that built it.
_KEPT_HEADERS = ("Link", "X-Content-Type-Options", "Content-Language")


@dataclass(frozen=True)
class Entry:
    body: bytes
    mimetype: str
    headers: tuple[tuple[str, str], ...]


class _LRU(LRUCache):
    """cachetools' LRU bounded in bytes (``maxsize``), and in entries too."""

    def __init__(self, max_entries: int, max_bytes: int):
        super().__init__(max_bytes, getsizeof=lambda entry: len(entry.body))
        self.max_entries = max_entries

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)  # makes room in bytes, dropping the least recent
        while len(self) > self.max_entries:
            self.popitem()  # cachetools' own eviction: the least recently used entry


class ResponseCache:
    """A thread-safe LRU of response bodies for one data generation, bounded in entries and bytes.

    A generation is ``(changed_at, version)``: ordered like the changes themselves, even after
    a restore from backup has set the counter back. Entries of an older generation can never
    be served again, so the first entry of a newer one drops them all instead of waiting for
    them to age out.
    """

    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries = _LRU(max_entries, max_bytes)
        self._lock = threading.Lock()
        self.generation = None
        self.hits = self.misses = 0

    @property
    def size(self) -> int:
        """Bytes of the bodies held."""
        return self._entries.currsize

    def get(self, generation, key: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key) if generation == self.generation else None
            if entry is None:
                self.misses += 1
                return None
            self.hits += 1
            return entry

    def put(self, generation, key: str, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 4 or self.max_entries < 1:
            return  # one huge body must not flush everything else
        with self._lock:
            if self.generation is not None and generation < self.generation:
                return  # built from data that is already outdated
            if generation != self.generation:
                self._entries.clear()
                self.generation = generation
            self._entries[key] = entry

    def __len__(self) -> int:
        return len(self._entries)


def get_cache() -> ResponseCache:
    state = app_state()
    if state.api_cache is None:
        state.api_cache = ResponseCache(
            current_app.config["API_CACHE_ENTRIES"], current_app.config["API_CACHE_BYTES"])
    return state.api_cache


def _deploy_token() -> str:
    """What else a response depends on besides the data: code version, taxonomy, layers.

    Computed once per process. It is the same in every worker of one deployment (no
    start time, no random value), so an ETag from one worker is valid at the others.
    """
    state = app_state()
    if state.api_deploy is None:
        digest = hashlib.sha256(FORMAT.encode())
        with contextlib.suppress(metadata.PackageNotFoundError):  # running from a bare checkout
            digest.update(metadata.version("ahya").encode())
        digest.update(json.dumps(get_taxonomy().as_dict(), sort_keys=True).encode())
        layers = Path(current_app.config["LAYERS_DIR"])
        for path in sorted(layers.glob("*.geojson")):
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        digest.update(str(current_app.config["MIN_PUBLIC_COUNT"]).encode())
        state.api_deploy = digest.hexdigest()
        # Last-Modified cannot see a deployment; responses are never older than the process.
        state.api_started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return state.api_deploy


def request_key(by_language: bool) -> str:
    """The request, normalised: host (bodies hold absolute links), path, sorted query."""
    query = urlencode(sorted(request.args.items(multi=True)))
    parts = [request.url_root, request.path, query]
    if by_language:
        parts.append(current_language())
    return "\n".join(parts)


def make_etag(version: int, changed_at: dt.datetime, key: str) -> str:
    # changed_at too: after a restore from backup the counter may repeat an old number, but
    # changed_at only ever moves forward, so the old ETag cannot name the new data.
    seed = f"{_deploy_token()}\n{version}\n{changed_at.isoformat()}\n{key}"
    return f"{version}-{hashlib.sha256(seed.encode()).hexdigest()[:20]}"


def _validators(changed_at: dt.datetime) -> tuple[dt.datetime, bool]:
    """Last-Modified to send, and whether it is exact enough to answer If-Modified-Since.

    ``changed_at`` may run ahead of the clock after a burst of changes (it advances a
    second per version); a date in the future is neither sent nor trusted.
    """
    _deploy_token()
    modified = max(changed_at.replace(tzinfo=dt.UTC), app_state().api_started)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return min(modified, now), modified <= now


def _not_modified(etag: str, modified: dt.datetime, exact: bool) -> tuple[str | None, bool]:
    """The ETag to answer 304 with (or None to send the full response), and whether the client
    named this request's own ETag.

    Our ETag names one request (its normalised query) at one data version, and was only ever
    sent with a 200: naming it proves the request is valid. ``*`` and ``If-Modified-Since``
    name no request, so they may only turn a 200 into a 304 (RFC 9110 13.2.1: conditions are
    evaluated only when the response would otherwise be 2xx; a bad parameter stays a 400).
    """
    if "If-None-Match" in request.headers:
        # RFC 9110 13.1.2: weak comparison; If-Modified-Since is ignored when this is present.
        tags = request.if_none_match
        for candidate in (etag, etag + ":gzip"):  # ":gzip": Flask-Compress's tag for gzipped bodies
            if tags.contains_weak(candidate):
                return candidate, not tags.star_tag
        return None, False
    since = request.if_modified_since
    if exact and since is not None and modified <= since:
        return etag, False
    return None, False


def _finish(response: Response, etag: str, modified: dt.datetime) -> Response:
    response.set_etag(etag)
    response.last_modified = modified
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.add("Accept-Encoding")
    return response


def cached_json(view=None, *, by_language: bool = False):
    """Decorate a GET view: ETag/Last-Modified, 304s, and the response cache.

    Use as ``@cached_json`` or ``@cached_json(by_language=True)`` (when the body depends on
    the interface language), *below* the route decorator. The view returns a response as
    usual; only ``200`` responses are cached and given validators, errors pass through.
    """
    if view is None:
        return functools.partial(cached_json, by_language=by_language)

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        version, changed_at = current_data_version()  # before any data is read: see versioning
        key = request_key(by_language)
        etag = make_etag(version, changed_at, key)
        modified, exact = _validators(changed_at)
        matched, proven = _not_modified(etag, modified, exact)
        if matched and proven:
            return _finish(Response(status=304), matched, modified)  # the view need not run
        cache = get_cache()
        generation = (changed_at, version)
        entry = cache.get(generation, key)
        if entry is None:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or response.direct_passthrough:
                return response  # errors answer as errors, whatever the conditional headers
            entry = Entry(response.get_data(), response.mimetype,
                          tuple((h, response.headers[h]) for h in _KEPT_HEADERS if h in response.headers))
            cache.put(generation, key, entry)
        if matched:
            return _finish(Response(status=304), matched, modified)
        return _finish(Response(entry.body, status=200, mimetype=entry.mimetype,
                                headers=list(entry.headers)), etag, modified)

    return wrapper
