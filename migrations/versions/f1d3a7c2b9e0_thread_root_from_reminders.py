"""thread root from the reminders: when each reminder first reached someone

A letter's thread root is its reminder that first reached someone. The sweep records
that time with the reminder's own result (no extra write to the letter), and reads the
root in the same row as the rest of a reminder's context.

Revision ID: f1d3a7c2b9e0
Revises: 5b1e0c2d7a91
Create Date: 2026-12-02 02:00:00

"""

import sqlalchemy as sa
from alembic import op

from tracker.models.types import UTCDateTime

revision = "f1d3a7c2b9e0"
down_revision = "5b1e0c2d7a91"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_delivered_at", UTCDateTime(), nullable=True))
    # Reminders that reached someone: their send time is no earlier than their first
    # delivery. A letter's recorded root gets its creation time, which is earlier than
    # any delivery of the letter's others, so it stays the root.
    op.execute(
        "UPDATE reminders SET first_delivered_at = COALESCE(sent_at, last_attempt_at)"
        " WHERE delivered_to <> '' OR state = 'sent'"
    )
    op.execute(
        "UPDATE reminders SET first_delivered_at = created_at WHERE message_id IN"
        " (SELECT thread_message_id FROM letters WHERE thread_message_id IS NOT NULL)"
    )
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_column("thread_message_id")


def downgrade():
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_message_id", sa.String(length=255), nullable=True))
    op.execute(
        "UPDATE letters SET thread_message_id = (SELECT reminders.message_id FROM reminders"
        " JOIN recipients ON recipients.id = reminders.recipient_id"
        " WHERE recipients.letter_id = letters.id AND reminders.first_delivered_at IS NOT NULL"
        " ORDER BY reminders.first_delivered_at, reminders.id LIMIT 1)"
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_column("first_delivered_at")
