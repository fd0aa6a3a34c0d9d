"""The ``flask --app webapp …`` commands: layers, users, demo, backup/restore."""

from __future__ import annotations


def init_app(app) -> None:
    from . import backup, demo, layers, users

    for module in (layers, users, demo, backup):
        module.init_app(app)
