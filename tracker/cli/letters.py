"""`flask tracker import-csv FILE`: the spreadsheet import, from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from tracker.models import utcnow
from tracker.services.accounts import find_user_by_email
from tracker.services.audit import Actor
from tracker.services.errors import ServiceError
from tracker.services.letters import csv_import
from tracker.settings import organisation_today


def _print_report(plan: csv_import.ImportPlan) -> None:
    for report in plan.reports:
        if report.errors:
            for column, message in report.errors.items():
                click.echo(f"line {report.line} [{column}]: {message}", err=True)
        else:
            click.echo(f"line {report.line}: " + "; ".join(report.creates))


@click.command("import-csv")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--owner", "owner_email", help="Owner of rows whose owner column is empty.")
@click.option("--dry-run", is_flag=True, help="Check the file and print the report only.")
def import_csv(file: Path, owner_email: str | None, dry_run: bool):
    """Import letters from a CSV file (columns: see the README); all or nothing."""
    owner = None
    if owner_email:
        owner = find_user_by_email(owner_email)
        if owner is None or not owner.is_active:
            raise click.ClickException(f"No active user has the email {owner_email}.")
    now = utcnow()
    plan = csv_import.plan_import(file.read_bytes(), owner, organisation_today(now))
    if plan.file_error:
        raise click.ClickException(plan.file_error)
    _print_report(plan)
    if not plan.ok:
        raise click.ClickException(
            f"{plan.error_count} of {len(plan.reports)} rows have errors; nothing was imported."
        )
    if dry_run:
        click.echo(f"Dry run: {len(plan.reports)} letters would be imported; nothing written.")
        return
    try:
        result = csv_import.run_import(Actor.system("cli import"), plan, now, source=file.name)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    click.echo(
        f"Imported {result.letters} letters, {result.officials} new officials, "
        f"{result.campaigns} new campaigns."
    )
