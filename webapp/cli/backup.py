"""``flask backup FILE.gpkg [--with-users]`` and ``flask restore FILE.gpkg`` (logic in backup.py)."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from ..extensions import db
from ..store.backup import BackupError, backup, restore
from ..store.models import User
from ..store.pointcache import store_snapshot


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items())


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--with-users", is_flag=True,
              help="Include password hashes, so accounts work after a restore (keep the file safe).")
@with_appcontext
def backup_command(file: Path, with_users: bool) -> None:
    """Write everything (reports, accounts, audit log, overlays, photos) into FILE, a GeoPackage.

    An existing FILE is replaced only once the new backup is complete.
    """
    try:
        counts = backup(file, with_users=with_users)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    hashes = "with" if with_users else "without"
    click.echo(f"Backed up {_summary(counts)} ({hashes} password hashes) into {file}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path) -> None:
    """Restore the backup FILE into this empty database (all or nothing), keeping every id."""
    try:
        counts = restore(file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    store_snapshot()  # restore deleted every snapshot: the next worker starts from this one
    click.echo(f"Restored {_summary(counts)} from {file}")
    locked = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.password_hash == ""))
    if locked:
        # Otherwise "wrong password" after a restore would be a mystery.
        click.echo(f"Warning: {locked} account(s) have no password hash (a backup made without "
                   "--with-users): they cannot sign in until they get a new password.", err=True)


def init_app(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
