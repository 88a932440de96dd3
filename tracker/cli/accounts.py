"""`flask tracker create-user` and `ensure-admin`: staff accounts from the command line."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.models import ROLES
from tracker.services import accounts
from tracker.services.audit import Actor
from tracker.services.errors import ServiceError


@click.command("create-user")
@with_appcontext
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


@click.command("ensure-admin")
@with_appcontext
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


@click.command("seal-secrets")
@with_appcontext
def seal_secrets():
    """Encrypt the two-factor secrets still stored in the clear with TRACKER_FILE_KEY."""
    from tracker.services.accounts import second_factor

    try:
        count = second_factor.seal_stored_secrets(Actor.system("cli"))
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Sealed {count} two-factor secrets.")
