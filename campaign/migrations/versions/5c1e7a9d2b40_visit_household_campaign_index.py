"""Index visits by (household, campaign), not by household alone

The summary reads a batch's households' visits in one campaign (`campaign_id = ? AND household_id
IN (...)`). With only the household index, SQLite chose the campaign index and read every visit
of the campaign for each arriving batch. The household index's column leads, so nothing that used
it loses.

Revision ID: 5c1e7a9d2b40
Revises: 86d9bfb3d97a
Create Date: 2026-11-23 13:10:00

"""

from alembic import op

revision = "5c1e7a9d2b40"
down_revision = "86d9bfb3d97a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_visit_household_campaign", "visit", ["household_id", "campaign_id"])
    op.drop_index("ix_visit_household_id", table_name="visit")


def downgrade():
    op.create_index("ix_visit_household_id", "visit", ["household_id"])
    op.drop_index("ix_visit_household_campaign", table_name="visit")
