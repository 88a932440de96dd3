"""`flask tracker ...`: Tracker's own commands, one module per group of them."""

from __future__ import annotations

from flask import Flask
from flask.cli import AppGroup

from tracker.cli import accounts, audit, backup, demo, intake, letters, mailbox, scheduler

tracker_cli = AppGroup("tracker", help="Tracker's own commands.")
for command in (
    accounts.create_user,
    accounts.ensure_admin,
    accounts.seal_secrets,
    scheduler.run_scheduler,
    scheduler.sweep_once,
    letters.import_csv,
    demo.demo_command,
    intake.extract_letter,
    mailbox.fetch_mail,
    mailbox.import_mail,
    audit.audit_verify,
    backup.backup_command,
    backup.restore_command,
):
    tracker_cli.add_command(command)


def init_app(app: Flask) -> None:
    app.cli.add_command(tracker_cli)
