"""Letter resends: a send to one recipient after a failed delivery; dismissed failures

Revision ID: b7d1e4f0c2a9
Revises: a3c5e7f90b12
Create Date: 2026-12-02 02:10:00

`letter_sends` gets `recipient_id` (empty for the letter's send to everyone, as every
existing row is); the one-send-per-letter unique constraint becomes a unique index on
the letter's whole send only, and a recipient has one open resend at a time.
`mail_deliveries` gets the day a resend reached the address and the dismissal.
"""

import sqlalchemy as sa
from alembic import op

import tracker.models.types

revision = "b7d1e4f0c2a9"
down_revision = "a3c5e7f90b12"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("letter_sends", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_letter_sends_recipient_id_recipients"),
            "recipients",
            ["recipient_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_constraint(batch_op.f("uq_letter_sends_letter_id"), type_="unique")
    op.create_index(
        "uq_letter_sends_letter_id_whole",
        "letter_sends",
        ["letter_id"],
        unique=True,
        sqlite_where=sa.text("recipient_id IS NULL"),
        postgresql_where=sa.text("recipient_id IS NULL"),
    )
    op.create_index(
        "uq_letter_sends_recipient_id_open",
        "letter_sends",
        ["recipient_id"],
        unique=True,
        sqlite_where=sa.text("state IN ('draft', 'queued', 'sending')"),
        postgresql_where=sa.text("state IN ('draft', 'queued', 'sending')"),
    )
    with op.batch_alter_table("mail_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resent_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("dismissed_at", tracker.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("dismissed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_mail_deliveries_dismissed_by_id_users"),
            "users",
            ["dismissed_by_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("mail_deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_mail_deliveries_dismissed_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("dismissed_by_id")
        batch_op.drop_column("dismissed_at")
        batch_op.drop_column("resent_on")
    op.drop_index("uq_letter_sends_recipient_id_open", table_name="letter_sends")
    op.drop_index("uq_letter_sends_letter_id_whole", table_name="letter_sends")
    op.execute("DELETE FROM letter_sends WHERE recipient_id IS NOT NULL")
    with op.batch_alter_table("letter_sends", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_letter_sends_letter_id"), ["letter_id"])
        batch_op.drop_constraint(
            batch_op.f("fk_letter_sends_recipient_id_recipients"), type_="foreignkey"
        )
        batch_op.drop_column("recipient_id")
