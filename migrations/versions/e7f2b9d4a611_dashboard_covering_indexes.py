"""dashboard covering indexes: each grouped pass reads indexes, not tables

Revision ID: e7f2b9d4a611
Revises: 5e1a7c0d9b42
Create Date: 2026-12-01 22:30:00

"""

from alembic import op

revision = "e7f2b9d4a611"
down_revision = "5e1a7c0d9b42"
branch_labels = None
depends_on = None

RECIPIENT_FIGURES = (
    "letter_id",
    "expects_answer",
    "state",
    "due_on",
    "responded_on",
    "acknowledged_on",
    "official_id",
)


def upgrade():
    op.create_index("ix_recipients_letter_figures", "recipients", list(RECIPIENT_FIGURES))
    op.create_index("ix_demands_letter_id_outcome", "demands", ["letter_id", "outcome"])
    # A wider version of an index (same leading column): the old one goes.
    op.create_index(
        "ix_responses_received_on_letter_id", "responses", ["received_on", "letter_id"]
    )
    op.drop_index("ix_responses_received_on", table_name="responses")
    op.create_index("ix_reminders_sent_at", "reminders", ["sent_at"])


def downgrade():
    op.drop_index("ix_reminders_sent_at", table_name="reminders")
    op.create_index("ix_responses_received_on", "responses", ["received_on"])
    op.drop_index("ix_responses_received_on_letter_id", table_name="responses")
    op.drop_index("ix_demands_letter_id_outcome", table_name="demands")
    op.drop_index("ix_recipients_letter_figures", table_name="recipients")
