"""passkeys: WebAuthn credentials as a second factor

Revision ID: b8d2f6a4c9e1
Revises: b7d1e4f0c2a9
Create Date: 2026-12-02 02:05:00

A new table; no existing data changes.
"""

import sqlalchemy as sa
from alembic import op

import tracker.models.types

revision = "b8d2f6a4c9e1"
down_revision = "b7d1e4f0c2a9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "passkeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.LargeBinary(length=1024), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=2048), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("transports", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("created_at", tracker.models.types.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", tracker.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_passkeys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passkeys")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_passkeys_credential_id")),
    )
    op.create_index("ix_passkeys_user_id", "passkeys", ["user_id"], unique=False)


def downgrade():
    op.drop_index("ix_passkeys_user_id", table_name="passkeys")
    op.drop_table("passkeys")
