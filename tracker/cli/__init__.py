"""`flask tracker ...` commands."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from tracker import scheduler
from tracker.cli.demo import demo_command
from tracker.cli.letters import import_csv
from tracker.domain.letter_parsing import extraction, parse_letter
from tracker.extensions import db
from tracker.models import ROLES, utcnow
from tracker.services import accounts, heartbeat
from tracker.services.audit import Actor
from tracker.services.errors import ServiceError
from tracker.services.reminders import sweep

tracker_cli = AppGroup("tracker", help="Tracker's own commands.")


@tracker_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True)
@click.option(
    "--password",
    default=None,
    help="Omit to be asked for it (or to generate one with --generate-password).",
)
@click.option("--generate-password", is_flag=True, help="Generate a password and print it once.")
def create_user(email: str, name: str, role: str, password: str | None, generate_password: bool):
    """Create a staff account."""
    if generate_password:
        password = accounts.generate_password()
    elif password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(
            Actor.system("cli"), email=email, name=name, role=role, password=password
        )
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created {user.role} {user.email}")
    if generate_password:
        click.echo(f"Password (shown once): {password}")


@tracker_cli.command("ensure-admin")
def ensure_admin():
    """Create the first admin when there is no user (TRACKER_ADMIN_EMAIL/_PASSWORD)."""
    email = os.environ.get("TRACKER_ADMIN_EMAIL")
    password = os.environ.get("TRACKER_ADMIN_PASSWORD")
    try:
        created = accounts.ensure_first_admin(email, password)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    base_url = current_app.config["TRACKER_BASE_URL"]
    if created is None:
        click.echo(f"Users exist already. Log in at {base_url}/login")
        return
    user, generated = created
    click.echo("")
    click.echo(f"  First admin created. Log in at {base_url}/login")
    click.echo(f"  Email:    {user.email}")
    if generated:
        click.echo(f"  Password: {generated}   (shown once; change it on your account page)")
    else:
        click.echo("  Password: the one in TRACKER_ADMIN_PASSWORD")
    click.echo("")


@tracker_cli.command("scheduler")
def run_scheduler():
    """Run the scheduler process (one per deployment): sweeps and heartbeat."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s scheduler %(message)s")
    # APScheduler logs every run at INFO; our own lines say what each sweep did.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler.run(current_app._get_current_object())


@tracker_cli.command("sweep")
@click.option(
    "--now",
    "now_text",
    default=None,
    metavar="ISO-TIME",
    help="Sweep as if it were this time (e.g. 2024-05-01T09:00:00Z); default: now.",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Send at most N.")
def sweep_once(now_text: str | None, limit: int | None):
    """Send the reminders and digests that are due, once, and exit (for cron and tests)."""
    now = utcnow()
    if now_text:
        try:
            now = datetime.fromisoformat(now_text.replace("Z", "+00:00"))
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--now") from error
        if now.tzinfo is None:
            raise click.BadParameter(
                "give a time zone, e.g. 2024-05-01T09:00:00Z", param_hint="--now"
            )
    name = scheduler.process_name()
    result = sweep.run_sweep(now.astimezone(UTC), limit=limit, worker=name)
    heartbeat.beat(name, utcnow(), utcnow(), sent=result.sent + result.digests)
    db.session.commit()
    click.echo(
        f"claimed {result.claimed}, sent {result.sent}, retried {result.retried}, "
        f"failed {result.failed}, cancelled {result.cancelled}, digests {result.digests}"
    )


tracker_cli.add_command(import_csv)
tracker_cli.add_command(demo_command)


@tracker_cli.command("extract")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def extract_letter(path: Path):
    """Print what the letter parser finds in a PDF, DOCX, TXT or EML file, as JSON."""
    try:
        letter = extraction.extract_text(
            path.name, path.read_bytes(), max_bytes=current_app.config["MAX_UPLOAD_BYTES"]
        )
    except extraction.UnreadableLetter as error:
        raise click.ClickException(error.message) from error
    click.echo(json.dumps(parse_letter(letter.text).to_dict(), ensure_ascii=False, indent=2))


def init_app(app: Flask) -> None:
    app.cli.add_command(tracker_cli)
