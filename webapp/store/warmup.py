"""Work a worker does once when it starts, so that its first request does not wait for it.

The shipped layers (read and validated from ``LAYERS_DIR``: ~0.5 s) are needed by the first map
request whatever it asks (every ``area`` filter is checked against the gazetteer), and the map
requests need the published points (:mod:`webapp.store.pointcache`): from the snapshot another
worker or a bulk command stored (:mod:`webapp.store.pointsnapshot`, tens of milliseconds plus the
rows changed since), else a full chunked load, which then stores the snapshot for the next worker.

A gunicorn worker creates its app before it accepts a connection (without ``--preload`` each
worker runs ``create_app`` after the fork), so this costs no request anything. With ``--preload``
the master does it once and the workers inherit the arrays copy-on-write; the database
connections the warm-up opened are closed here either way, so no forked worker shares a socket
(PostgreSQL) or a file handle (SQLite) with another. ``flask`` commands skip the points: a CLI
process answers no map request, and at a million reports the load would cost every command
seconds.
"""

from __future__ import annotations

import logging

import click
from sqlalchemy.exc import SQLAlchemyError

from geo.reference.layers import LayerError

from ..extensions import db
from .layers import get_layers, place_slugs
from .pointcache import get_points
from .reporting import get_taxonomy

log = logging.getLogger(__name__)


def warm_up(app) -> None:
    """Load what every first request needs (``WARM_UP``; test apps only when they pass it)."""
    with app.app_context():
        try:
            get_layers()
            place_slugs()
            get_taxonomy()
        except LayerError as exc:  # the request that needs them reports it, as before
            log.warning("warm-up: the shipped layers do not load: %s", exc)
        if click.get_current_context(silent=True) is None:  # not a `flask` command
            try:
                get_points()
            except SQLAlchemyError as exc:  # e.g. not migrated yet: the first request loads them
                db.session.rollback()
                log.warning("warm-up: the points do not load: %s", exc)
        db.session.remove()
        if db.engine.url.database not in (None, "", ":memory:"):  # an in-memory database lives in its pool
            db.engine.dispose()  # no connection survives into a fork (gunicorn --preload)
