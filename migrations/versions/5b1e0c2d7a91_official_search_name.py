"""official search_name: the name folded for the directory search

Revision ID: 5b1e0c2d7a91
Revises: b7d2f1e9a3c4
Create Date: 2026-12-01 21:50:00

"""

import sqlalchemy as sa
from alembic import op

from tracker.domain.official_matching import search_text

revision = "5b1e0c2d7a91"
down_revision = "b7d2f1e9a3c4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("officials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_name", sa.String(length=200), nullable=True))
    officials = sa.table(
        "officials", sa.column("id", sa.Integer), sa.column("name"), sa.column("search_name")
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(officials.c.id, officials.c.name)).all()
    for official_id, name in rows:  # the existing directory, folded as the model folds it
        connection.execute(
            officials.update()
            .where(officials.c.id == official_id)
            .values(search_name=search_text(name))
        )
    with op.batch_alter_table("officials", schema=None) as batch_op:
        batch_op.alter_column("search_name", existing_type=sa.String(length=200), nullable=False)


def downgrade():
    with op.batch_alter_table("officials", schema=None) as batch_op:
        batch_op.drop_column("search_name")
