"""dismissed sends: staff give up on a failed reminder or digest (it leaves the problems)

Revision ID: f4a9d2c6b815
Revises: c4e8a1f07d22
Create Date: 2026-12-02 01:20:00

"""

import sqlalchemy as sa
from alembic import op

import tracker.models.types

revision = "f4a9d2c6b815"
down_revision = "c4e8a1f07d22"
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows stay undismissed: every failed send is still a problem until dismissed.
    for table in ("reminders", "digests"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("dismissed_at", tracker.models.types.UTCDateTime(), nullable=True)
            )


def downgrade():
    for table in ("reminders", "digests"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("dismissed_at")
