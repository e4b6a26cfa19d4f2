"""The hamlet index on ward_code also holds the id, households and population, so that a
province's pages add up its wards' hamlets and join them to their summary rows from the index
alone (PostgreSQL read the whole hamlet table for them)

Revision ID: f7a3c9d2e1b4
Revises: e6d2c3f4a5b7
Create Date: 2026-12-02 01:00:00

"""

from alembic import op

revision = "f7a3c9d2e1b4"
down_revision = "e6d2c3f4a5b7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_hamlet_ward_code_covering", "hamlet", ["ward_code", "id", "households", "population"])
    op.drop_index("ix_hamlet_ward_code", table_name="hamlet")


def downgrade():
    op.create_index("ix_hamlet_ward_code", "hamlet", ["ward_code"])
    op.drop_index("ix_hamlet_ward_code_covering", table_name="hamlet")
