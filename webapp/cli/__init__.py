"""The ``flask --app webapp …`` commands: layers, users, demo, backup/restore, organizations,
reports import, alerts send."""

from __future__ import annotations


def init_app(app) -> None:
    from . import alerts, backup, demo, layers, organizations, reports, users

    for module in (layers, users, demo, backup, organizations, reports, alerts):
        module.init_app(app)
