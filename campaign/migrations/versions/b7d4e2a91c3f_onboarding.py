"""Onboarding a province: optional passwords, join codes, retired hamlets

Roster accounts have no password until the volunteer chooses one, so `user.password_hash`
becomes nullable. `join_code` holds one HMAC-SHA256 hash per account (the printed card's code).
`user.joined_at` is the first sign-in ("who hasn't joined yet"), `user.phone` the roster's
phone number, and `hamlet.retired_at` marks a hamlet that takes no new visits.

Revision ID: b7d4e2a91c3f
Revises: 8f3b6d21c4e7
Create Date: 2026-12-02 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b7d4e2a91c3f"
down_revision = "8f3b6d21c4e7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.alter_column("password_hash", existing_type=sa.String(255), nullable=True)
        batch.add_column(sa.Column("joined_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("phone", sa.String(20), nullable=True))
    # Accounts made before this had a password, so they count as joined from their creation.
    op.execute("UPDATE \"user\" SET joined_at = created_at")
    with op.batch_alter_table("hamlet") as batch:
        batch.add_column(sa.Column("retired_at", sa.DateTime(), nullable=True))
    op.create_table(
        "join_code",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_join_code_user_id_user")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_join_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_join_code_code_hash")),
    )


def downgrade():
    op.drop_table("join_code")
    with op.batch_alter_table("hamlet") as batch:
        batch.drop_column("retired_at")
    op.execute("UPDATE \"user\" SET password_hash = '!' WHERE password_hash IS NULL")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("phone")
        batch.drop_column("joined_at")
        batch.alter_column("password_hash", existing_type=sa.String(255), nullable=False)
