"""`flask tracker backup PATH` and `flask tracker restore PATH`."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask.cli import with_appcontext

from tracker.models import utcnow
from tracker.services import backup
from tracker.services.backup import restore as restoring

SECRET_FILE_OPTION_HELP = (
    "A file holding the passphrase (its first line). Or set TRACKER_BACKUP_PASSPHRASE."  # noqa: S105 (help text, no secret)
)


def _passphrase(passphrase_file: Path | None) -> str | None:
    if passphrase_file is not None:
        lines = passphrase_file.read_text().splitlines()
        return lines[0] if lines and lines[0] else None
    return os.environ.get("TRACKER_BACKUP_PASSPHRASE") or None


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--passphrase-file", type=click.Path(exists=True, path_type=Path), help=SECRET_FILE_OPTION_HELP
)
@with_appcontext
def backup_command(path: Path, passphrase_file: Path | None):
    """Write a backup (database, uploads, received mail, checksums) to PATH."""
    summary = backup.create(path, _passphrase(passphrase_file), utcnow())
    state = "encrypted" if summary.encrypted else "NOT encrypted"
    click.echo(f"Backup written to {summary.path}: {summary.files} files, {state}.")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--passphrase-file", type=click.Path(exists=True, path_type=Path), help=SECRET_FILE_OPTION_HELP
)
@with_appcontext
def restore_command(path: Path, passphrase_file: Path | None):
    """Restore the backup at PATH into this empty instance, checking every checksum."""
    try:
        summary = restoring.restore(path, _passphrase(passphrase_file))
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Restored the backup of {summary.created_at}: {summary.files} files, checksums verified."
    )
