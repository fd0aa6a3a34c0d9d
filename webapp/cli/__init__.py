"""The ``flask --app webapp …`` commands: layers, users, demo, backup/restore, organizations."""

from __future__ import annotations


def init_app(app) -> None:
    from . import backup, demo, layers, organizations, users

    for module in (layers, users, demo, backup, organizations):
        module.init_app(app)
