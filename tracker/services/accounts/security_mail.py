"""Emails that tell a user something happened to their account's security."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from tracker import mail
from tracker.models import User


def tell_owner_about_failures(user: User, now: datetime) -> None:
    """Once per throttle window: many wrong passwords were tried for this account.

    Delivered now, inside the login request: it happens once per window, and the owner
    needs it while the guessing goes on. A mail problem never blocks the login.
    """
    email = mail.compose(
        "security_alert",
        to=(user.email,),
        subject="Tracker: many failed logins to your account",
        message_id=mail.new_message_id("security"),
        user=user,
        when=now,
        base_url=current_app.config["TRACKER_BASE_URL"],
    )
    with mail.Mailer() as mailer:
        mailer.deliver(email, now)
