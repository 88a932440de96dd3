"""`flask tracker audit-verify`: seal new audit events and check the whole hash chain."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker.services import audit_chain


@click.command("audit-verify")
@with_appcontext
def audit_verify():
    """Seal new audit events, then verify the chain; exit 1 on any break."""
    newly = audit_chain.seal()
    report = audit_chain.verify()
    for problem in report.problems:
        click.echo(f"BROKEN: {problem}", err=True)
    if report.problems:
        raise SystemExit(1)
    click.echo(f"Audit chain intact: {report.sealed} events ({newly} newly sealed).")
