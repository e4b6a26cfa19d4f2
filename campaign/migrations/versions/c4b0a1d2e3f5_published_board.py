"""Public ranking boards: which campaign's national or provincial board is published

Off by default: a board is public only while its row exists.

Revision ID: c4b0a1d2e3f5
Revises: b7e4d2a9c1f3
Create Date: 2026-12-02 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c4b0a1d2e3f5"
down_revision = "b7e4d2a9c1f3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "published_board",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_published_board_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_published_board_province_code_province")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["user.id"], name=op.f("fk_published_board_published_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_board")),
        sa.UniqueConstraint(
            "campaign_id", "province_code", name=op.f("uq_published_board_campaign_id")
        ),
    )


def downgrade():
    op.drop_table("published_board")
