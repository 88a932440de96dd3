"""every to recipient expects an answer

The stored expects_answer becomes the one truth that SQL reads: True for every
`to` (a `to` saved as "no answer expected", e.g. by a CSV import, was still
reminded by the sweep yet left out of the dashboard), staff's choice for a `cc`.
Existing rows are carried over, then a CHECK constraint keeps it so.

Revision ID: 67a2f3165885
Revises: d5a1c0ffee14
Create Date: 2026-12-01 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "67a2f3165885"
down_revision = "d5a1c0ffee14"
branch_labels = None
depends_on = None

recipients = sa.table("recipients", sa.column("role"), sa.column("expects_answer", sa.Boolean))


def upgrade():
    op.execute(
        recipients.update().where(recipients.c.role == "to").values(expects_answer=True)
    )
    # The column has been NOT NULL since the first schema; a NULL can only come from a
    # hand-made database, and for a cc it meant what a cc means by default: no answer.
    op.execute(
        recipients.update()
        .where(recipients.c.expects_answer.is_(None))
        .values(expects_answer=False)
    )
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.alter_column("expects_answer", existing_type=sa.Boolean(), nullable=False)
        batch_op.create_check_constraint(
            op.f("ck_recipients_to_expects_answer"), "role <> 'to' OR expects_answer"
        )


def downgrade():
    # The data stays normalised: a `to` that expects an answer is valid in both schemas.
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_recipients_to_expects_answer"), type_="check")
