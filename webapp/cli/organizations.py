"""``flask organizations link-initiatives``: link old initiatives to organizations by name."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..store.organizations import link_initiatives

organizations_cli = AppGroup("organizations", help="Organizations: link initiatives to them by name.")


@organizations_cli.command("link-initiatives")
@click.option("--create-missing", is_flag=True,
              help="Create a pending organization for each name that matches none.")
@click.option("--dry-run", is_flag=True, help="Say what would change, change nothing.")
def link(create_missing: bool, dry_run: bool) -> None:
    """Link initiatives without an organization whose free-text name is an organization's name."""
    result = link_initiatives(create_missing=create_missing, dry_run=dry_run)
    prefix = "would link" if dry_run else "linked"
    click.echo(f"{prefix} {len(result['linked'])} initiatives")
    for report_id, org_id in result["linked"]:
        click.echo(f"  report {report_id} -> organization {org_id}")
    if create_missing:
        verb = "would create" if dry_run else "created"
        click.echo(f"{verb} {len(result['created'])} pending organizations")
        for name in result["created"]:
            click.echo(f"  {name}")


def init_app(app) -> None:
    app.cli.add_command(organizations_cli)
