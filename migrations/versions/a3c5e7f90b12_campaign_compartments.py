"""compartments: restricted campaigns, groups of users, and who may see what

Revision ID: a3c5e7f90b12
Revises: f4a9d2c6b815
Create Date: 2026-12-02 01:20:00

Existing campaigns stay unrestricted (the new column defaults to false).
"""

import sqlalchemy as sa
from alembic import op

import tracker.models.types

revision = "a3c5e7f90b12"
down_revision = "f4a9d2c6b815"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("restricted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "user_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", tracker.models.types.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_user_groups_name")),
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["user_groups.id"],
            name=op.f("fk_group_members_group_id_user_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_group_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_group_members")),
    )
    op.create_index("ix_group_members_user_id", "group_members", ["user_id"], unique=False)
    op.create_table(
        "campaign_user_access",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_user_access_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_campaign_user_access_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "user_id", name=op.f("pk_campaign_user_access")),
    )
    op.create_index(
        "ix_campaign_user_access_user_id", "campaign_user_access", ["user_id"], unique=False
    )
    op.create_table(
        "campaign_group_access",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_group_access_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["user_groups.id"],
            name=op.f("fk_campaign_group_access_group_id_user_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "group_id", name=op.f("pk_campaign_group_access")),
    )
    op.create_index(
        "ix_campaign_group_access_group_id", "campaign_group_access", ["group_id"], unique=False
    )


def downgrade():
    op.drop_index("ix_campaign_group_access_group_id", table_name="campaign_group_access")
    op.drop_table("campaign_group_access")
    op.drop_index("ix_campaign_user_access_user_id", table_name="campaign_user_access")
    op.drop_table("campaign_user_access")
    op.drop_index("ix_group_members_user_id", table_name="group_members")
    op.drop_table("group_members")
    op.drop_table("user_groups")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("restricted")
