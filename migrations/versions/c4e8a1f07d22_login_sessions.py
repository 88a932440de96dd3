"""login sessions: one row per login (the sessions page); TOTP secrets sealed at rest

Revision ID: c4e8a1f07d22
Revises: 5b1e0c2d7a91
Create Date: 2026-12-02 01:30:00

Logins open before this migration carried the user's id and token in their cookie; the
cookie now carries a login session's token, so every existing login ends here and users
log in again. users.totp_secret widens to hold a sealed secret; when TRACKER_FILE_KEY
is set while migrating, the secrets stored in the clear are sealed now (else on their
next use, or with `flask tracker seal-secrets` once a key is set).
"""

import sqlalchemy as sa
from alembic import op
from flask import current_app, has_app_context

import tracker.models.types

revision = "c4e8a1f07d22"
down_revision = "5b1e0c2d7a91"
branch_labels = None
depends_on = None


def _seal_existing_secrets() -> None:
    if not has_app_context() or not current_app.config.get("TRACKER_FILE_KEY"):
        return
    from tracker.services import at_rest

    users = sa.table("users", sa.column("id", sa.Integer), sa.column("totp_secret", sa.String))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(users.c.id, users.c.totp_secret).where(users.c.totp_secret.is_not(None))
    ).all()
    for user_id, secret in rows:
        if not at_rest.is_sealed_text(secret):
            connection.execute(
                users.update()
                .where(users.c.id == user_id)
                .values(totp_secret=at_rest.seal_text(secret))
            )


def upgrade():
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", tracker.models.types.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", tracker.models.types.UTCDateTime(), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=False),
        sa.Column("user_agent", sa.String(length=80), nullable=False),
        sa.Column("ended_at", tracker.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_sessions_token_hash")),
    )
    op.create_index(
        "ix_login_sessions_user_ended", "login_sessions", ["user_id", "ended_at"], unique=False
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=64),
            type_=sa.String(length=255),
            existing_nullable=True,
        )
    _seal_existing_secrets()


def downgrade():
    # Sealed secrets do not fit the old column: unset TRACKER_FILE_KEY's sealing first
    # (users re-enrol) or keep this revision.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=255),
            type_=sa.String(length=64),
            existing_nullable=True,
        )
    op.drop_index("ix_login_sessions_user_ended", table_name="login_sessions")
    op.drop_table("login_sessions")
