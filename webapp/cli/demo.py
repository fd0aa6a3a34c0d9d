"""``flask demo ...``: load and clear clearly labelled synthetic reports (logic in
``webapp/store/demo.py``, shared with the admin page ``/admin/demo``)."""

from __future__ import annotations

import secrets

import click
from flask.cli import AppGroup

from ..store.demo import clear_demo, load_demo
from ..store.pointcache import store_snapshot

demo_cli = AppGroup("demo", help="Load or remove synthetic demo reports.")
__all__ = ["clear_demo", "demo_cli", "load_demo"]  # tests import them from here too


@demo_cli.command("load")
@click.option("--count", default=200, show_default=True, type=click.IntRange(1, 100_000),
              help="Number of demo reports.")
@click.option("--seed", type=int, default=None, help="Random seed (same seed, same reports).")
def load(count: int, seed: int | None) -> None:
    """Add COUNT published demo reports spread over the areas."""
    seed = secrets.randbelow(2**31) if seed is None else seed
    ids = load_demo(count, seed)
    store_snapshot()  # the next worker starts from it, not from a full load
    click.echo(f"loaded {len(ids)} demo reports (seed {seed}); "
               "remove them with: flask --app webapp demo clear")


@demo_cli.command("clear")
def clear() -> None:
    """Remove every demo report (real reports are kept)."""
    n = clear_demo()
    store_snapshot()  # deletes: without it the next worker would load every row again
    click.echo(f"removed {n} demo reports and the demo organizations")


def init_app(app) -> None:
    app.cli.add_command(demo_cli)
