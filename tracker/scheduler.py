"""The scheduler process: one APScheduler sweep job and a heartbeat.

Run it once per deployment with `flask --app wsgi tracker scheduler`. It keeps no state
of its own: every run asks the database what is due, so a missed run or a restart
simply catches up, and a second scheduler started by mistake is harmless.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from datetime import UTC, datetime

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from tracker.extensions import db
from tracker.models import utcnow
from tracker.services import audit_chain, backup, heartbeat
from tracker.services.mailbox import fetch, sending
from tracker.services.reminders import sweep

log = logging.getLogger(__name__)


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def tick(app: Flask, name: str, started_at: datetime) -> None:
    """One scheduled run: sweep what is due (reminders, then digests), then beat."""
    with app.app_context():

        def beat_while_sweeping() -> None:
            # A long sweep (thousands due, a slow server) must not look like a dead one.
            heartbeat.beat(name, utcnow(), started_at)
            db.session.commit()

        try:
            result = sweep.run_sweep(utcnow(), worker=name, beat=beat_while_sweeping)
            sending.send_due(utcnow(), worker=name)
            if result.claimed or result.digests:
                log.info("sweep: %s", result)
            heartbeat.beat(name, utcnow(), started_at, sent=result.sent + result.digests)
            db.session.commit()
            audit_chain.seal()
        except Exception:
            db.session.rollback()
            log.exception("scheduler tick failed; the next run will try again")
            raise


def fetch_tick(app: Flask) -> None:
    """One pass over the mailbox; a failing server is recorded and tried next time."""
    with app.app_context():
        try:
            result = fetch.fetch_mail()
            if result.taken or result.error:
                log.info("mailbox: taken %s, error %r", result.taken, result.error)
        except Exception:
            db.session.rollback()
            log.exception("mailbox pass failed; the next run will try again")


def backup_tick(app: Flask) -> None:
    """The nightly backup; a failure is logged and the next night tries again."""
    with app.app_context():
        try:
            summary = backup.nightly(utcnow())
            if summary:
                log.info("backup written: %s (%s files)", summary.path, summary.files)
        except Exception:
            db.session.rollback()
            log.exception("nightly backup failed; the next night will try again")


def build_scheduler(app: Flask, name: str | None = None) -> BlockingScheduler:
    interval = app.config["TRACKER_SWEEP_SECONDS"]
    scheduler = BlockingScheduler(timezone=UTC)
    if app.config.get("INBOUND_URL"):
        scheduler.add_job(
            fetch_tick,
            "interval",
            seconds=app.config["INBOUND_SECONDS"],
            args=[app],
            id="fetch-mail",
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC),
        )
    if app.config.get("TRACKER_BACKUP_DIR"):
        scheduler.add_job(
            backup_tick,
            "cron",
            hour=app.config["TRACKER_BACKUP_HOUR"],
            timezone=app.config["TRACKER_TIMEZONE"],
            args=[app],
            id="backup",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
        )
    scheduler.add_job(
        tick,
        "interval",
        seconds=interval,
        args=[app, name or process_name(), utcnow()],
        id="sweep",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=interval * 5,
        next_run_time=datetime.now(UTC),
    )
    return scheduler


def run(app: Flask) -> None:
    scheduler = build_scheduler(app)

    def stop(signum, _frame):
        log.info("scheduler stopping on signal %s", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("scheduler started: sweeping every %ss", app.config["TRACKER_SWEEP_SECONDS"])
    scheduler.start()
