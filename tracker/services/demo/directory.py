"""Staff, officials and campaigns for the demo: existing rows are reused, never duplicated."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Campaign, Official, User
from tracker.services.accounts.passwords import hash_password
from tracker.services.demo.cast import STAFF


def demo_staff() -> list[User]:
    """The organisation's active users first, then demo colleagues who cannot log in
    until an admin sets their password (theirs is random and never shown)."""
    users = list(
        db.session.scalars(select(User).where(User.is_active_account.is_(True)).order_by(User.id))
    )

    known = {user.email for user in users}
    for email, name in STAFF:
        if email not in known:
            user = User(
                email=email,
                name=name,
                role="editor",
                password_hash=hash_password(secrets.token_urlsafe(24)),
            )
            db.session.add(user)
            users.append(user)
    db.session.flush()
    return users


def official_named(
    name: str, title: str = "", institution: str = "", country: str | None = None
) -> Official:
    official = db.session.scalar(select(Official).where(Official.name == name).limit(1))
    if official is None:
        official = Official(name=name, title=title, institution=institution, country=country)
        db.session.add(official)
        db.session.flush()
    return official


def campaign_named(name: str, description: str = "") -> Campaign:
    campaign = db.session.scalar(select(Campaign).where(Campaign.name == name))
    if campaign is None:
        campaign = Campaign(name=name, description=description)
        db.session.add(campaign)
        db.session.flush()
    return campaign
