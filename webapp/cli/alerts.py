"""``flask alerts send``: mail followers what is due (for cron; idempotent, see store/alerts.py)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..store.alerts import AlertsBusy, mail_enabled, one_run, send_due

alerts = AppGroup("alerts", help="Mails to the people who follow an area, a topic or a report.")


@alerts.command("send")
def send_command() -> None:
    """Send every alert that is due, once: immediate mails and weekly digests.

    Safe to run again at any time (from cron, every few minutes): what was sent is never sent
    again, and a run that stopped half-way is finished by the next one.
    """
    if not mail_enabled():
        raise click.ClickException("MAIL_SERVER is not set: there is nothing to send mail with.")
    try:
        with one_run():
            counts = send_due()
    except AlertsBusy:
        click.echo("Another 'alerts send' is running: nothing done (it will send what is due).")
        return
    click.echo(f"{counts['mails']} mails sent ({counts['items']} items), {counts['resumed']} batches "
               f"resumed, {counts['failed']} failed (to be retried)")
    if counts["failed"]:
        current_app.logger.warning("%d alert batches failed", counts["failed"])
        raise SystemExit(1)


def init_app(app) -> None:
    app.cli.add_command(alerts)
