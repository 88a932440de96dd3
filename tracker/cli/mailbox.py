"""`flask tracker fetch-mail`: one pass over the mailbox; `import-mail FILE.eml`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from tracker.models import utcnow
from tracker.services.mailbox import fetch, intake


@click.command("fetch-mail")
@with_appcontext
def fetch_mail():
    """Take the new messages from INBOUND_URL once, match them, and exit."""
    result = fetch.fetch_mail()
    click.echo(
        f"{result.mailbox or 'no mailbox'}: seen {result.seen}, taken {result.taken}, "
        f"already taken {result.duplicates}, refused {result.refused}"
    )
    if result.error:
        raise click.ClickException(result.error)


@click.command("import-mail")
@with_appcontext
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_mail(files: tuple[Path, ...]):
    """Take saved messages (.eml files) as if they had arrived in the mailbox."""
    for path in files:
        taken = intake.take_safely(path.read_bytes(), utcnow(), source="upload")
        click.echo(f"{path}: {'taken' if taken.outcome == 'taken' else 'already taken'}")
