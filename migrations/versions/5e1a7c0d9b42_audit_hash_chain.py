"""audit hash chain

Revision ID: 5e1a7c0d9b42
Revises: a1e5c0mail01
Create Date: 2026-12-01 10:00:00

Existing events stay unsealed until the first `flask tracker audit-verify` or
scheduler run seals them in id order.
"""

import sqlalchemy as sa
from alembic import op

revision = "5e1a7c0d9b42"
down_revision = "a1e5c0mail01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("chain_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_audit_events_chain_seq", ["chain_seq"])


def downgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint("uq_audit_events_chain_seq", type_="unique")
        batch_op.drop_column("chain_hash")
        batch_op.drop_column("chain_seq")
