"""`flask tracker extract FILE`: what the letter parser finds in a file, as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.domain.letter_parsing import extraction, parse_letter


@click.command("extract")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def extract_letter(path: Path):
    """Print what the letter parser finds in a PDF, DOCX, TXT or EML file, as JSON."""
    try:
        letter = extraction.extract_text(
            path.name, path.read_bytes(), max_bytes=current_app.config["MAX_UPLOAD_BYTES"]
        )
    except extraction.UnreadableLetter as error:
        raise click.ClickException(error.message) from error
    proposal = parse_letter(letter.text).to_dict(for_review=True)
    click.echo(json.dumps(proposal, ensure_ascii=False, indent=2))
