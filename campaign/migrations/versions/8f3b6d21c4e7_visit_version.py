"""A version counter on visits, for optimistic concurrency of review edits

Two reviewers editing one visit at once: the second write names the version it read, and a
version that moved on is a conflict (409) instead of a silent overwrite. Existing visits start
at version 1.

Revision ID: 8f3b6d21c4e7
Revises: 3f8b2c6d1e07
Create Date: 2026-11-30 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "8f3b6d21c4e7"
down_revision = "3f8b2c6d1e07"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("visit") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    with op.batch_alter_table("visit") as batch:
        batch.drop_column("version")
