"""``flask reports import FILE``: bulk import of reports from CSV, XLSX, GeoJSON, KoboToolbox, ODK.

A thin adapter over ``webapp.store.report_import``: it reads the options, prints the mapping, each bad
row with its line and reason, and the counts. Refusals end with one ``Error:`` line and exit 1.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from geo.formats.tabular import MAX_BYTES, TableError

from ..extensions import db
from ..store.accounts import normalize_email
from ..store.models import KINDS, User
from ..store.pointcache import store_snapshot
from ..store.report_import import (
    ImportError_,
    Plan,
    category_error,
    field_label,
    mapping_summary,
    prepare,
    reason,
    refusal,
    store,
)

reports_cli = AppGroup("reports", help="Bulk operations on reports.")


def _parse_maps(values: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for item in values:
        column, sep, target = item.rpartition("=")
        if not sep or not column.strip():
            raise click.BadParameter(f"{item!r}: write COLUMN=FIELD (FIELD empty or - to ignore)",
                                     param_hint="--map")
        overrides[column.strip()] = target.strip()
    return overrides


def describe(plan: Plan) -> list[str]:
    """The lines the CLI prints about a prepared import (mapping, bad rows)."""
    cols = [f"{c} → {f}" for c, f in mapping_summary(plan) if f]
    lines = [ngettext("%(file)s: %(num)d row (%(format)s). Columns: %(cols)s",
                      "%(file)s: %(num)d rows (%(format)s). Columns: %(cols)s", len(plan.rows),
                      file=plan.filename, format=plan.table.format, cols="; ".join(cols))]
    for row in plan.invalid:  # every one: the terminal (or a log) can hold them, and grep them
        reasons = "; ".join(f"{field_label(f)}: {m}" for f, m in row.errors)
        lines.append(f"  {plan.unit_label(row.line)}: {reasons}")
    return lines


def counts(plan: Plan, stored: int | None) -> str:
    new = plan.count("new") if stored is None else stored
    return _("%(new)d new, %(dup)d already imported, %(rep)d repeated in the file, %(bad)d invalid",
             new=new, dup=plan.count("duplicate"), rep=plan.count("repeated"), bad=len(plan.invalid))


@reports_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(KINDS), default=None,
              help="Kind of the rows that give none (otherwise the category decides).")
@click.option("--category", default=None, metavar="CATEGORY",
              help="Category (id or label) of the rows that give none.")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help="Read COLUMN as FIELD, a report field or a category's structured field id "
                   "(repeatable); COLUMN= or COLUMN=- ignores it.")
@click.option("--dry-run", is_flag=True, help="Check and count; store nothing.")
@click.option("--publish", is_flag=True, help="Publish the reports at once (default: wait for review).")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even if others are invalid.")
@click.option("--lang", type=click.Choice(("ar", "en")), default=None,
              help="Language of the messages (default: the app's DEFAULT_LANGUAGE).")
@click.option("--user", "email", default=None, metavar="EMAIL",
              help="The account the reports and their audit events are recorded for.")
def import_command(file: Path, kind, category, maps, dry_run, publish, skip_invalid, lang, email) -> None:
    """Import reports from FILE (CSV, XLSX, GeoJSON, KoboToolbox, Ona or ODK Central export)."""
    overrides = _parse_maps(maps)
    with force_locale(lang or current_app.config["DEFAULT_LANGUAGE"]):
        try:
            user = None
            if email:
                user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
                if user is None or not user.active:
                    raise ImportError_(_("No active account with the email %(email)s.", email=email))
            if category_error(kind, category):
                raise ImportError_(category_error(kind, category))
            if not file.is_file():
                raise ImportError_(_("No such file: %(path)s", path=str(file)))
            if file.stat().st_size > MAX_BYTES:
                raise ImportError_(_("The file cannot be imported: %(reason)s.",
                                     reason=reason(TableError("too_big", mb=MAX_BYTES // (1024 * 1024)))))
            plan = prepare(file.read_bytes(), file.name, overrides=overrides, default_kind=kind,
                           default_category=category)
            for line in describe(plan):
                click.echo(line)
            if plan.invalid and not skip_invalid:
                raise ImportError_(refusal(plan, " (--skip-invalid)"))
            if dry_run:
                click.echo(_("Dry run, nothing stored: %(counts)s.", counts=counts(plan, None)))
                return
            stored = store(plan, user=user, publish=publish, skip_invalid=skip_invalid)
            # Many rows changed (published or not): the next worker starts from a fresh snapshot.
            store_snapshot()
        except ImportError_ as exc:
            raise click.ClickException(str(exc)) from None
        status = _("published") if publish else _("waiting for review")
        click.echo(_("Imported: %(counts)s (%(status)s).", counts=counts(plan, stored), status=status))


def init_app(app) -> None:
    app.cli.add_command(reports_cli)
