"""data version: one counter every write moves forward (the dashboard's cache key)

Revision ID: d5a1c0ffee14
Revises: c73b7c44eb50
Create Date: 2026-11-29 10:00:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "d5a1c0ffee14"
down_revision = "c73b7c44eb50"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.bulk_insert(table, [{"id": 1, "version": secrets.randbits(62)}])


def downgrade():
    op.drop_table("data_version")
