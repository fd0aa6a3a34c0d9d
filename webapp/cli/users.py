"""``flask users ...``: create and list accounts."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..store.accounts import AccountError, change_password, create_user, normalize_email, set_active
from ..store.models import ROLES, User

users_cli = AppGroup("users", help="Manage organizer and admin accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="organizer", show_default=True)
@click.option("--name", "display_name", default="", help="Name shown to other organizers.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(email: str, role: str, display_name: str, password_stdin: bool) -> None:
    """Create an account (the password is prompted, or read with --password-stdin)."""
    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, password, role=role, display_name=display_name)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {user.role} {user.email}")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password(email: str, password_stdin: bool) -> None:
    """Give an account a new password (ends its sessions and unlocks it)."""
    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        change_password(email, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"password changed for {normalize_email(email)}")


def _set_active(email: str, active: bool) -> None:
    try:
        set_active(email, active)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{'activated' if active else 'deactivated'} {normalize_email(email)}")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate(email: str) -> None:
    """Refuse an account's logins and end its sessions (its reports and audit entries stay)."""
    _set_active(email, False)


@users_cli.command("activate")
@click.argument("email")
def activate(email: str) -> None:
    """Let a deactivated account log in again."""
    _set_active(email, True)


@users_cli.command("setup-link")
def setup_link() -> None:
    """Print a new one-time link that creates the first admin (only while there is no account)."""
    from ..store.account_links import issue_setup_link, setup_open

    if not setup_open():
        raise click.ClickException("accounts exist already: the first-run setup is closed")
    path = f"/auth/setup/{issue_setup_link()}"
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    click.echo(f"{base}{path}\n(or the path {path} on this server's address; it works once)")


@users_cli.command("list")
def list_users() -> None:
    """List accounts (e-mail, role, active)."""
    for user in db.session.scalars(db.select(User).order_by(User.email)):
        click.echo(f"{user.email}\t{user.role}\t{'active' if user.active else 'disabled'}")


def init_app(app) -> None:
    app.cli.add_command(users_cli)
