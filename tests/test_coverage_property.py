"""Property: whatever visits arrive (through totals.record_new or totals.tracking) and however
reviews change them (through totals.tracking),
the summary tables equal a recomputation from the raw visits."""

from datetime import date, time, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.areas.models import Household
from campaign.auth.models import Role
from campaign.coverage import recount, totals
from campaign.coverage.models import (
    BREAKDOWN_COLUMNS,
    COUNTER_COLUMNS,
)
from campaign.extensions import db
from campaign.visits.models import Outcome, ReviewStatus, SiteKind, Visit, VisitInstall
from tests.test_coverage import CAI_KHE, CAN_THO, NINH_KIEU, add_visit, set_status

DAY0 = date(2026, 8, 1)

add_op = st.tuples(
    st.just("add"),
    st.integers(0, 2),  # hamlet
    st.integers(0, 1),  # household label: few, so that visits meet at the same households
    st.sampled_from(list(Outcome)),
    st.integers(0, 3),  # day
    st.sampled_from([time(0, 10), time(9, 0), time(23, 50)]),
    st.integers(0, 2),  # already installed
    st.integers(1, 3),  # bluezone installs ("installed" needs at least one install)
    st.integers(0, 2),  # ncovi installs
    st.booleans(),  # a household (else a school)
    st.booleans(),  # logged by the second team's volunteer (else by the hamlet's own team)
)
review_op = st.tuples(
    st.just("status"), st.integers(0, 30), st.sampled_from([ReviewStatus.REJECTED, ReviewStatus.APPROVED])
)
correct_op = st.tuples(st.just("correct"), st.integers(0, 30), st.integers(0, 3), st.integers(1, 3))
approve_correction_op = st.tuples(st.just("supersede"), st.integers(0, 30))
operations = st.lists(
    st.one_of(add_op, add_op, add_op, review_op, correct_op, approve_correction_op), min_size=2, max_size=16
)


def _reset(campaign_id):
    db.session.rollback()
    for model in recount.SUMMARY_MODELS:
        db.session.execute(sa.delete(model).where(model.campaign_id == campaign_id))
    visit_ids = sa.select(Visit.id).where(Visit.campaign_id == campaign_id)
    db.session.execute(sa.delete(VisitInstall).where(VisitInstall.visit_id.in_(visit_ids)))
    db.session.execute(sa.update(Visit).where(Visit.campaign_id == campaign_id).values(corrects_id=None))
    db.session.execute(sa.delete(Visit).where(Visit.campaign_id == campaign_id))
    db.session.execute(sa.delete(Household))
    db.session.commit()


def _python_contributions(campaign_id):
    """The per-household Python computation summed over every household: a second recomputation."""
    ids = db.session.scalars(sa.select(Household.id)).all()
    days, apps = totals.contributions(campaign_id, ids)
    days = {k: {c: v[c] for c in COUNTER_COLUMNS} for k, v in days.items() if any(v.values())}
    return days, {k: v for k, v in apps.items() if v}


def _breakdowns_add_up_to_hamlet_days(breakdowns: dict, days: dict) -> None:
    """The breakdown rows summed over teams and site kinds are the HamletDay rows."""
    summed: dict = {}
    for (hamlet_id, day, _team, _site), counters in breakdowns.items():
        row = summed.setdefault((hamlet_id, day), dict.fromkeys(BREAKDOWN_COLUMNS, 0))
        for column in BREAKDOWN_COLUMNS:
            row[column] += counters[column]
    expected = {k: {c: v[c] for c in BREAKDOWN_COLUMNS} for k, v in days.items()}
    assert {k: v for k, v in summed.items() if any(v.values())} == {
        k: v for k, v in expected.items() if any(v.values())
    }


def test_summary_tables_always_equal_a_recomputation(make_campaign, make_hamlet, make_team, make_user):
    campaign = make_campaign(CAN_THO, start=DAY0, deadline=DAY0 + timedelta(days=20))
    hamlets = [
        make_hamlet(NINH_KIEU, name="P1"),
        make_hamlet(NINH_KIEU, name="P2"),
        make_hamlet(CAI_KHE, name="P3"),
    ]
    # A second team covering every hamlet besides each hamlet's own: the breakdown rows split by team.
    second = make_user(Role.VOLUNTEER, team=make_team(NINH_KIEU, campaign=campaign, hamlets=hamlets))

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(operations)
    def run(ops):
        _reset(campaign.id)
        visits: list[Visit] = []
        try:
            for op in ops:
                if op[0] == "add":
                    _, h, label, outcome, day, at, already, bz, nc, household, by_second = op
                    counts = {"bluezone": bz, "ncovi": nc} if outcome == Outcome.INSTALLED else {}
                    visits.append(
                        add_visit(
                            campaign,
                            hamlets[h],
                            f"Số {label}",
                            outcome,
                            DAY0 + timedelta(days=day),
                            at=at,
                            already=already if outcome != Outcome.NOT_HOME else 0,
                            installs=counts,
                            status=ReviewStatus.PENDING,
                            site_kind=SiteKind.HOUSEHOLD if household else SiteKind.SCHOOL,
                            volunteer=second if by_second else None,
                        )
                    )
                elif not visits:
                    continue
                elif op[0] == "status":
                    set_status(visits[op[1] % len(visits)], op[2])
                elif op[0] == "correct":
                    old = visits[op[1] % len(visits)]
                    hamlet = next(h for h in hamlets if h.id == old.hamlet_id)
                    visits.append(
                        add_visit(
                            campaign,
                            hamlet,
                            old.household.label,
                            Outcome.INSTALLED,
                            DAY0 + timedelta(days=op[2]),
                            installs={"bluezone": op[3]},
                            status=ReviewStatus.PENDING,
                            corrects=old,
                            volunteer=old.volunteer,
                        )
                    )
                else:
                    correction = visits[op[1] % len(visits)]
                    if correction.corrects_id is None:
                        continue
                    original = db.session.get(Visit, correction.corrects_id)
                    with totals.tracking(campaign.id, {correction.household_id, original.household_id}):
                        correction.review_status = ReviewStatus.APPROVED
                        original.superseded = True
                    db.session.commit()
            stored = recount.stored(campaign.id)
            assert stored == recount.recompute(campaign.id)
            assert stored == _python_contributions(campaign.id)
            assert recount.mismatches(campaign.id) == []
            breakdowns, breakdown_totals = recount.stored_breakdowns(campaign.id)
            assert breakdowns == recount.recompute_breakdowns(campaign.id)
            _breakdowns_add_up_to_hamlet_days(breakdowns, stored[0])
            counted = [v for v in db.session.scalars(sa.select(Visit)) if v.counts_in_totals]
            assert sum(r["visits"] for r in stored[0].values()) == len(counted)
            for app in campaign.apps:
                stored_installs = sum(n for (_h, _d, app_id), n in stored[1].items() if app_id == app.id)
                visit_installs = sum(i.count for v in counted for i in v.installs if i.app_id == app.id)
                assert stored_installs == visit_installs
        finally:
            _reset(campaign.id)

    run()


def test_a_new_visit_earlier_than_the_households_first_conclusive_one_moves_its_reached_day(
    make_campaign, make_hamlet
):
    campaign = make_campaign(CAN_THO, start=DAY0, deadline=DAY0 + timedelta(days=20))
    hamlet = make_hamlet(NINH_KIEU, name="P1")
    # Day 2 first, then day 1 (now the first) and day 3, each arriving on its own.
    for day in (2, 1, 3):
        add_visit(
            campaign, hamlet, "Số 1", Outcome.REFUSED, DAY0 + timedelta(days=day), status=ReviewStatus.PENDING
        )
    stored = recount.stored(campaign.id)
    assert stored == recount.recompute(campaign.id)
    reached = {day: row["households_reached"] for (_h, day), row in stored[0].items()}
    assert reached == {DAY0 + timedelta(days=1): 1, DAY0 + timedelta(days=2): 0, DAY0 + timedelta(days=3): 0}
