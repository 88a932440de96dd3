"""`flask tracker demo`: load the demo history into an empty database."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker.models import utcnow
from tracker.services.demo import load_demo
from tracker.services.errors import ServiceError
from tracker.settings import organisation_today


@click.command("demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Add the demo data even if letters exist.")
@click.option("--letters", default=360, show_default=True, help="Generated letters (3 years).")
def demo_command(force: bool, letters: int):
    """Load the CICC letter and three years of generated letters, answers and outcomes."""
    now = utcnow()
    try:
        summary = load_demo(now, organisation_today(now), force=force, letters=letters)
    except ServiceError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Demo data loaded: {summary.letters} letters, {summary.recipients} recipients, "
        f"{summary.responses} responses, {summary.demands} demands."
    )
