"""The ``flask --app webapp …`` commands: layers, users, demo, backup/restore, reports import."""

from __future__ import annotations


def init_app(app) -> None:
    from . import backup, demo, layers, reports, users

    for module in (layers, users, demo, backup, reports):
        module.init_app(app)
