"""`flask tracker scheduler` (the scheduler process) and `sweep` (one sweep, then exit)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker import scheduler
from tracker.extensions import db
from tracker.models import utcnow
from tracker.services import heartbeat
from tracker.services.reminders import sweep


@click.command("scheduler")
@with_appcontext
def run_scheduler():
    """Run the scheduler process (one per deployment): sweeps and heartbeat."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s scheduler %(message)s")
    # APScheduler logs every run at INFO; our own lines say what each sweep did.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler.run(current_app._get_current_object())


@click.command("sweep")
@with_appcontext
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
        f"claimed {result.claimed}, sent {result.sent}, queued {result.queued}, "
        f"retried {result.retried}, failed {result.failed}, cancelled {result.cancelled}, "
        f"digests {result.digests}"
    )
    for failure in result.failures:
        click.echo(f"failed: {failure}")
    if result.unreachable:
        click.echo(f"stopped sending: {result.unreachable}")
