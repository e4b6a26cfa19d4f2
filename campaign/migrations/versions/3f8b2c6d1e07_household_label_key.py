"""Households are one by their label's identity (label_key), and duplicates are merged

"Số 3", "SỐ 3", "số 3" and "Số ３" were four households of one hamlet. Each household gets
`label_key` (campaign.areas.models.label_key: NFKC, case folding, collapsed spaces), unique per
hamlet in place of the label. Households of a hamlet with one key become the oldest of them (its
label stays as first typed, it is listed if any was): their visits and claims move to it, and the
others are deleted. Merging changes only how many households were reached, and on which day, so
`households_reached` is recomputed for the hamlets that had duplicates, in every campaign.

Revision ID: 3f8b2c6d1e07
Revises: 5c1e7a9d2b40
Create Date: 2026-11-24 09:00:00

"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from campaign.areas.models import LABEL_KEY_LENGTH, label_key

revision = "3f8b2c6d1e07"
down_revision = "5c1e7a9d2b40"
branch_labels = None
depends_on = None

# The tables as this revision leaves them, never the models of a later one.
household = sa.table(
    "household",
    sa.column("id", sa.Integer),
    sa.column("hamlet_id", sa.Integer),
    sa.column("label", sa.String),
    sa.column("label_key", sa.String),
    sa.column("listed", sa.Boolean),
)
visit = sa.table(
    "visit",
    sa.column("id", sa.Integer),
    sa.column("campaign_id", sa.Integer),
    sa.column("hamlet_id", sa.Integer),
    sa.column("household_id", sa.Integer),
    sa.column("site_kind", sa.String),
    sa.column("outcome", sa.String),
    sa.column("visited_at", sa.DateTime),
    sa.column("review_status", sa.String),
    sa.column("superseded", sa.Boolean),
    sa.column("corrects_id", sa.Integer),
)
claim = sa.table(
    "claim",
    sa.column("id", sa.Integer),
    sa.column("campaign_id", sa.Integer),
    sa.column("household_id", sa.Integer),
    sa.column("day"),
)
hamlet_day = sa.table(
    "hamlet_day",
    sa.column("campaign_id", sa.Integer),
    sa.column("hamlet_id", sa.Integer),
    sa.column("day"),  # untyped: compared with the day as the database computes it (text on SQLite)
    sa.column("households_reached", sa.Integer),
)
hamlet_total = sa.table(
    "hamlet_total",
    sa.column("campaign_id", sa.Integer),
    sa.column("hamlet_id", sa.Integer),
    sa.column("households_reached", sa.Integer),
)
CONCLUSIVE = ("installed", "already_installed", "refused", "no_smartphone")


def upgrade():
    with op.batch_alter_table("household") as batch_op:
        batch_op.add_column(sa.Column("label_key", sa.String(length=LABEL_KEY_LENGTH), nullable=True))
    conn = op.get_bind()
    groups = defaultdict(list)
    for row in conn.execute(
        sa.select(household.c.id, household.c.hamlet_id, household.c.label, household.c.listed).order_by(
            household.c.id
        )
    ):
        groups[(row.hamlet_id, label_key(row.label))].append(row)
    merged_hamlets = set()
    for (hamlet_id, key), rows in groups.items():
        kept, others = rows[0], rows[1:]
        if others:
            merged_hamlets.add(hamlet_id)
            _merge(conn, kept.id, [r.id for r in others])
        conn.execute(
            household.update()
            .where(household.c.id == kept.id)
            .values(label_key=key, listed=any(r.listed for r in rows))
        )
    with op.batch_alter_table("household") as batch_op:
        batch_op.alter_column("label_key", existing_type=sa.String(length=LABEL_KEY_LENGTH), nullable=False)
        batch_op.drop_constraint("uq_household_hamlet_id", type_="unique")
        batch_op.create_unique_constraint("uq_household_hamlet_id", ["hamlet_id", "label_key"])
    if merged_hamlets:
        _recount_reached(conn, sorted(merged_hamlets))


def _merge(conn, kept_id: int, other_ids: list[int]) -> None:
    """Move the others' visits and claims to the kept household, then delete the others. A claim
    on the same campaign and day as one already on the kept household is the same claim twice."""
    conn.execute(visit.update().where(visit.c.household_id.in_(other_ids)).values(household_id=kept_id))
    taken = {
        (c.campaign_id, c.day)
        for c in conn.execute(sa.select(claim.c.campaign_id, claim.c.day).where(claim.c.household_id == kept_id))
    }
    for c in conn.execute(
        sa.select(claim.c.id, claim.c.campaign_id, claim.c.day)
        .where(claim.c.household_id.in_(other_ids))
        .order_by(claim.c.id)
    ).all():
        if (c.campaign_id, c.day) in taken:
            conn.execute(claim.delete().where(claim.c.id == c.id))
        else:
            taken.add((c.campaign_id, c.day))
            conn.execute(claim.update().where(claim.c.id == c.id).values(household_id=kept_id))
    conn.execute(household.delete().where(household.c.id.in_(other_ids)))


def _local_day(conn, column):
    """The local (UTC+7, no DST) day of a stored UTC timestamp: as campaign.i18n.local_day_sql does (a migration keeps its own copy)."""
    if conn.dialect.name == "postgresql":
        return sa.cast(column + sa.text("interval '7 hours'"), sa.Date)
    return sa.func.date(column, "+7 hours")


def _recount_reached(conn, hamlet_ids: list[int]) -> None:
    """households_reached of these hamlets from their visits: a household is reached on the day of
    its first conclusive counted visit in a campaign. The other summary columns count visits, which
    the merge did not change."""
    day = _local_day(conn, visit.c.visited_at).label("day")
    order = sa.func.row_number().over(
        partition_by=(visit.c.campaign_id, visit.c.household_id), order_by=(visit.c.visited_at, visit.c.id)
    )
    firsts = (
        sa.select(visit.c.campaign_id, visit.c.hamlet_id, day, order.label("n"))
        .where(
            visit.c.hamlet_id.in_(hamlet_ids),
            visit.c.review_status != "rejected",
            visit.c.superseded.is_(False),
            sa.or_(visit.c.corrects_id.is_(None), visit.c.review_status == "approved"),
            visit.c.site_kind == "household",
            visit.c.outcome.in_(CONCLUSIVE),
        )
        .subquery()
    )
    reached = conn.execute(
        sa.select(firsts.c.campaign_id, firsts.c.hamlet_id, firsts.c.day, sa.func.count())
        .where(firsts.c.n == 1)
        .group_by(firsts.c.campaign_id, firsts.c.hamlet_id, firsts.c.day)
    ).all()
    conn.execute(hamlet_day.update().where(hamlet_day.c.hamlet_id.in_(hamlet_ids)).values(households_reached=0))
    # The day of a household's first counted visit always has its row: that visit counts there.
    for campaign_id, hamlet_id, reached_day, n in reached:
        conn.execute(
            hamlet_day.update()
            .where(
                hamlet_day.c.campaign_id == campaign_id,
                hamlet_day.c.hamlet_id == hamlet_id,
                hamlet_day.c.day == reached_day,
            )
            .values(households_reached=n)
        )
    by_day = (
        sa.select(sa.func.coalesce(sa.func.sum(hamlet_day.c.households_reached), 0))
        .where(
            hamlet_day.c.campaign_id == hamlet_total.c.campaign_id,
            hamlet_day.c.hamlet_id == hamlet_total.c.hamlet_id,
        )
        .scalar_subquery()
    )
    conn.execute(
        hamlet_total.update().where(hamlet_total.c.hamlet_id.in_(hamlet_ids)).values(households_reached=by_day)
    )


def downgrade():
    with op.batch_alter_table("household") as batch_op:
        batch_op.drop_constraint("uq_household_hamlet_id", type_="unique")
        batch_op.create_unique_constraint("uq_household_hamlet_id", ["hamlet_id", "label"])
        batch_op.drop_column("label_key")
