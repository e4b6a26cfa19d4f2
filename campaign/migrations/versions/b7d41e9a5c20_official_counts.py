"""Official user counts per area, app and day; a campaign's ranking basis

Revision ID: b7d41e9a5c20
Revises: b7d4e2a91c3f
Create Date: 2026-12-01 15:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b7d41e9a5c20"
down_revision = "b7d4e2a91c3f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "official_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("app_code", sa.String(length=20), nullable=False),
        sa.Column("users", sa.Integer(), nullable=False),
        sa.CheckConstraint("level IN ('province', 'ward')", name=op.f("ck_official_count_level")),
        sa.CheckConstraint("users >= 0", name=op.f("ck_official_count_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_count")),
        sa.UniqueConstraint(
            "level", "code", "app_code", "day", name=op.f("uq_official_count_level")
        ),
    )
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(sa.Column("ranking_app_code", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("campaign") as batch:
        batch.drop_column("ranking_app_code")
    op.drop_table("official_count")
