"""reminders version: a second counter, moved by writes to the reminders only

Revision ID: e2c9a7b4d1f3
Revises: b8d2f6a4c9e1
Create Date: 2026-12-02 05:00:00

The existing row (id 1) keeps its value: reports cached under it stay valid until the
next write, as before. Row 2 starts at a random value, as row 1 did.
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "e2c9a7b4d1f3"
down_revision = "b8d2f6a4c9e1"
branch_labels = None
depends_on = None

data_version = sa.table("data_version", sa.column("id", sa.Integer), sa.column("version"))


def upgrade():
    # The row may exist already: the app's engine adds a missing counter when a
    # transaction of an earlier migration wrote with hand-written SQL.
    missing = ~sa.exists().where(data_version.c.id == 2)
    start = sa.select(sa.literal(2), sa.literal(secrets.randbits(62), sa.BigInteger)).where(missing)
    op.execute(data_version.insert().from_select(["id", "version"], start))


def downgrade():
    op.execute(data_version.delete().where(data_version.c.id == 2))
