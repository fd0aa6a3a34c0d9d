"""``flask layers ...`` commands (import and list user layers)."""

from __future__ import annotations

from flask.cli import AppGroup

layers_cli = AppGroup("layers", help="Manage map layers.")


def init_app(app) -> None:
    app.cli.add_command(layers_cli)
