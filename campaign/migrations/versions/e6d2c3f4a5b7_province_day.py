"""Province summary rows per campaign and day (the country's pages read them), filled from hamlet_day

Revision ID: e6d2c3f4a5b7
Revises: d5c1b2e3f4a6
Create Date: 2026-12-01 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e6d2c3f4a5b7"
down_revision = "d5c1b2e3f4a6"
branch_labels = None
depends_on = None

COUNTERS = (
    "visits",
    "households_reached",
    "people_reached",
    "already_installed",
    "installs",
    "outcome_installed",
    "outcome_already_installed",
    "outcome_refused",
    "outcome_not_home",
    "outcome_no_smartphone",
    "outcome_come_back_later",
)


def upgrade():
    op.create_table(
        "province_day",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS],
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_province_day_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_province_day_province_code_province")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "province_code", "day", name=op.f("pk_province_day")),
    )
    op.create_table(
        "province_day_app",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("installs", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["campaign_app.id"], name=op.f("fk_province_day_app_app_id_campaign_app")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_province_day_app_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["province.code"], name=op.f("fk_province_day_app_province_code_province")
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "province_code", "day", "app_id", name=op.f("pk_province_day_app")
        ),
    )
    # The existing hamlet rows, added up per province.
    sums = ", ".join(f"sum(d.{name})" for name in COUNTERS)
    op.execute(
        f"INSERT INTO province_day (campaign_id, province_code, day, {', '.join(COUNTERS)}) "
        f"SELECT d.campaign_id, w.province_code, d.day, {sums} FROM hamlet_day d "
        "JOIN hamlet h ON h.id = d.hamlet_id JOIN ward w ON w.code = h.ward_code "
        "GROUP BY d.campaign_id, w.province_code, d.day"
    )
    op.execute(
        "INSERT INTO province_day_app (campaign_id, province_code, day, app_id, installs) "
        "SELECT d.campaign_id, w.province_code, d.day, d.app_id, sum(d.installs) FROM hamlet_day_app d "
        "JOIN hamlet h ON h.id = d.hamlet_id JOIN ward w ON w.code = h.ward_code "
        "GROUP BY d.campaign_id, w.province_code, d.day, d.app_id"
    )


def downgrade():
    op.drop_table("province_day_app")
    op.drop_table("province_day")
