"""Breakdowns by team (organisation kind) and site kind: a visit's team, and two summary tables

Each visit keeps the team its volunteer was in when it was stored (backfilled here from the
volunteer's team now). `breakdown_day` and `breakdown_total` are filled from the visits here,
with the rules of campaign/coverage/recount.py, so `check-totals` agrees straight after upgrade.

Revision ID: d5c1b2e3f4a6
Revises: c4b0a1d2e3f5
Create Date: 2026-12-02 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d5c1b2e3f4a6"
down_revision = "c4b0a1d2e3f5"
branch_labels = None
depends_on = None

SITE_KINDS = (
    "household",
    "school",
    "business",
    "market",
    "transit_hub",
    "industrial_zone",
    "quarantine_site",
    "booth",
)
CONCLUSIVE = ("already_installed", "installed", "no_smartphone", "refused")
COUNTERS = ("visits", "households_reached", "people_reached", "already_installed", "installs")
VN_HOURS = 7  # Asia/Ho_Chi_Minh, a fixed offset

visit = sa.table(
    "visit",
    sa.column("id", sa.Integer),
    sa.column("campaign_id", sa.Integer),
    sa.column("hamlet_id", sa.Integer),
    sa.column("household_id", sa.Integer),
    sa.column("volunteer_id", sa.Integer),
    sa.column("team_id", sa.Integer),
    sa.column("site_kind", sa.String),
    sa.column("outcome", sa.String),
    sa.column("residents", sa.Integer),
    sa.column("already_installed", sa.Integer),
    sa.column("installs_total", sa.Integer),
    sa.column("visited_at", sa.DateTime),
    sa.column("review_status", sa.String),
    sa.column("superseded", sa.Boolean),
    sa.column("corrects_id", sa.Integer),
)
user = sa.table("user", sa.column("id", sa.Integer), sa.column("team_id", sa.Integer))
day_table = sa.table(
    "breakdown_day",
    *(sa.column(c) for c in ("campaign_id", "hamlet_id", "day", "team_id", "site_kind", *COUNTERS)),
)
total_table = sa.table(
    "breakdown_total",
    *(sa.column(c) for c in ("campaign_id", "hamlet_id", "team_id", "site_kind", *COUNTERS)),
)


def _counters():
    return [sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS]


def _site_kind():
    return sa.Column(
        "site_kind",
        sa.Enum(*SITE_KINDS, name="sitekind", native_enum=False, create_constraint=True),
        nullable=False,
    )


def upgrade():
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_visit_team_id_team"), "team", ["team_id"], ["id"])
        batch_op.create_index("ix_visit_team_visited", ["team_id", "visited_at"], unique=False)
    op.create_table(
        "breakdown_day",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        _site_kind(),
        *_counters(),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], name=op.f("fk_breakdown_day_campaign_id_campaign")),
        sa.ForeignKeyConstraint(["hamlet_id"], ["hamlet.id"], name=op.f("fk_breakdown_day_hamlet_id_hamlet")),
        sa.PrimaryKeyConstraint(
            "campaign_id", "hamlet_id", "day", "team_id", "site_kind", name=op.f("pk_breakdown_day")
        ),
    )
    with op.batch_alter_table("breakdown_day", schema=None) as batch_op:
        batch_op.create_index("ix_breakdown_day_campaign_day", ["campaign_id", "day"], unique=False)
        batch_op.create_index(
            "ix_breakdown_day_campaign_team_day", ["campaign_id", "team_id", "day"], unique=False
        )
    op.create_table(
        "breakdown_total",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        _site_kind(),
        *_counters(),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_breakdown_total_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(["hamlet_id"], ["hamlet.id"], name=op.f("fk_breakdown_total_hamlet_id_hamlet")),
        sa.PrimaryKeyConstraint("campaign_id", "hamlet_id", "team_id", "site_kind", name=op.f("pk_breakdown_total")),
    )
    backfill()


def backfill():
    """The visits' teams (their volunteers' teams now), then both tables from the counted visits."""
    bind = op.get_bind()
    op.execute(
        visit.update().values(
            team_id=sa.select(user.c.team_id).where(user.c.id == visit.c.volunteer_id).scalar_subquery()
        )
    )
    if bind.dialect.name == "postgresql":
        day = sa.cast(visit.c.visited_at + sa.text(f"interval '{VN_HOURS} hours'"), sa.Date)
    else:
        day = sa.func.date(visit.c.visited_at, f"+{VN_HOURS} hours")
    team = sa.func.coalesce(visit.c.team_id, 0)
    counted = sa.and_(
        visit.c.review_status != "rejected",
        visit.c.superseded.is_(sa.false()),
        sa.or_(visit.c.corrects_id.is_(None), visit.c.review_status == "approved"),
    )
    keys = (visit.c.campaign_id, visit.c.hamlet_id, day, team, visit.c.site_kind)
    grouped = (
        sa.select(
            *keys,
            sa.func.count(),
            sa.literal(0),
            sa.func.sum(visit.c.residents),
            sa.func.sum(visit.c.already_installed),
            sa.func.sum(visit.c.installs_total),
        )
        .where(counted)
        .group_by(*keys)
    )
    op.execute(day_table.insert().from_select(list(day_table.c), grouped))
    # A household is reached by its first conclusive counted visit (earliest time, then id).
    order = sa.func.row_number().over(
        partition_by=(visit.c.campaign_id, visit.c.household_id), order_by=(visit.c.visited_at, visit.c.id)
    )
    firsts = (
        sa.select(
            visit.c.campaign_id, visit.c.hamlet_id, day.label("day"), team.label("team"), order.label("n")
        )
        .where(counted, visit.c.site_kind == "household", visit.c.outcome.in_(CONCLUSIVE))
        .subquery()
    )
    reached = bind.execute(
        sa.select(firsts.c.campaign_id, firsts.c.hamlet_id, firsts.c.day, firsts.c.team, sa.func.count())
        .where(firsts.c.n == 1)
        .group_by(firsts.c.campaign_id, firsts.c.hamlet_id, firsts.c.day, firsts.c.team)
    ).all()
    if reached:
        bind.execute(
            day_table.update()
            .where(
                day_table.c.campaign_id == sa.bindparam("c"),
                day_table.c.hamlet_id == sa.bindparam("h"),
                day_table.c.day == sa.bindparam("d"),
                day_table.c.team_id == sa.bindparam("t"),
                day_table.c.site_kind == "household",
            )
            .values(households_reached=sa.bindparam("n")),
            [{"c": c, "h": h, "d": d, "t": t, "n": n} for c, h, d, t, n in reached],
        )
    total_keys = (day_table.c.campaign_id, day_table.c.hamlet_id, day_table.c.team_id, day_table.c.site_kind)
    op.execute(
        total_table.insert().from_select(
            list(total_table.c),
            sa.select(*total_keys, *(sa.func.sum(day_table.c[c]) for c in COUNTERS)).group_by(*total_keys),
        )
    )


def downgrade():
    op.drop_table("breakdown_total")
    with op.batch_alter_table("breakdown_day", schema=None) as batch_op:
        batch_op.drop_index("ix_breakdown_day_campaign_team_day")
        batch_op.drop_index("ix_breakdown_day_campaign_day")
    op.drop_table("breakdown_day")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_team_visited")
        batch_op.drop_constraint(batch_op.f("fk_visit_team_id_team"), type_="foreignkey")
        batch_op.drop_column("team_id")
