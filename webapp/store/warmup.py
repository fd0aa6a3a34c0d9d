"""Work a worker does once when it starts, so that its first request does not wait for it.

The shipped layers (read and validated from ``LAYERS_DIR``: ~0.5 s) are needed by the first map
request whatever it asks (every ``area`` filter is checked against the gazetteer). A gunicorn
worker creates its app before it accepts a connection, so loading them here costs no request
anything. The points are not loaded here: a new worker reads them from the snapshot another
worker stored (:mod:`webapp.store.pointsnapshot`) at its first map request, in tens of
milliseconds, and keeps no memory for them until it is asked.
"""

from __future__ import annotations

import logging

from geo.reference.layers import LayerError

log = logging.getLogger(__name__)


def warm_up(app) -> None:
    """Load what every first request needs (``WARM_UP``; skipped for test apps)."""
    from .layers import get_layers, place_slugs
    from .reporting import get_taxonomy

    with app.app_context():
        try:
            get_layers()
            place_slugs()
            get_taxonomy()
        except LayerError as exc:  # the request that needs them reports it, as before
            log.warning("warm-up: the shipped layers do not load: %s", exc)
