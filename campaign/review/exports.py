"""Exports of the filtered visits and of the per-team activity, as CSV and XLSX.

No personal data of residents: a household is its label. GPS and the free-text note are left
out (a home's position and a note may identify people). Volunteers appear by display name and
team, which the lead needs to follow up; usernames (half of a login) are never exported.
"""

import sqlalchemy as sa
from flask_babel import gettext as _

from campaign import access
from campaign.areas.models import Hamlet, Household, Ward
from campaign.auth.models import User
from campaign.campaigns.models import Campaign, CampaignApp, Team
from campaign.extensions import db
from campaign.i18n import VN_TZ, local_day_sql, percent
from campaign.review.queries import VisitFilter, visits_query
from campaign.spreadsheets import Column, Table
from campaign.visits.models import ReviewStatus, Visit, VisitInstall, counted_clause
from campaign.vocabulary import OUTCOMES, SITES, STATUSES, flag_texts, visit_reason

CHUNK = 1000
PERCENT_FORMAT = "0.00%"


def _apps(user: User, f: VisitFilter) -> list[CampaignApp]:
    campaign_ids = sa.select(visits_query(user, f).order_by(None).subquery().c.campaign_id).distinct()
    return db.session.scalars(
        sa.select(CampaignApp).where(CampaignApp.campaign_id.in_(campaign_ids)).order_by(CampaignApp.position)
    ).all()


def visit_table(user: User, f: VisitFilter) -> Table:
    """The visits export (values typed: datetimes, ints, text)."""
    apps = _apps(user, f)
    app_codes = list(dict.fromkeys(a.code for a in apps))
    app_names = {a.code: a.name for a in apps}
    header = [
        _("Mã lượt"),
        _("Thời gian"),
        _("Chiến dịch"),
        _("Phường/xã"),
        _("Khu vực"),
        _("Hộ / điểm"),
        _("Loại địa điểm"),
        _("Kết quả"),
        _("Số người"),
        _("Điện thoại thông minh"),
        _("Đã có ứng dụng"),
        *[_("Cài mới %(app)s", app=app_names[c]) for c in app_codes],
        _("Tình nguyện viên"),
        _("Đội"),
        _("Trạng thái duyệt"),
        _("Lý do"),
        _("Cảnh báo tự động"),
        _("Sửa cho lượt"),
        _("Tính vào tổng"),
    ]
    filtered = visits_query(user, f).order_by(None).with_only_columns(Visit.id).subquery()
    base = (
        sa.select(
            Visit,
            Campaign.name,
            Ward.name,
            Hamlet.name,
            Household.label,
            User.display_name,
            Team.name,
        )
        .join(Campaign, Campaign.id == Visit.campaign_id)
        .join(Hamlet, Hamlet.id == Visit.hamlet_id)
        .join(Ward, Ward.code == Hamlet.ward_code)
        .join(Household, Household.id == Visit.household_id)
        .join(User, User.id == Visit.volunteer_id)
        .outerjoin(Team, Team.id == Visit.team_id)  # the team the visit was made in
        .where(Visit.id.in_(sa.select(filtered.c.id)))
        .order_by(Visit.visited_at, Visit.id)
    )
    outcome_names = {o: str(name) for o, name in OUTCOMES.items()}
    site_names = {k: str(name) for k, name in SITES.items()}
    status_names = {s: str(name) for s, name in STATUSES.items()}
    yes, no = _("Có"), _("Không")
    rows = []
    for visit, campaign, ward, hamlet, label, volunteer, team in db.session.execute(base):
        installs = {}
        rows.append(
            [
                visit.id,
                visit.visited_at.astimezone(VN_TZ).replace(tzinfo=None),
                campaign,
                ward,
                hamlet,
                label,
                site_names[visit.site_kind],
                outcome_names[visit.outcome],
                visit.residents,
                visit.smartphones,
                visit.already_installed,
                installs,
                volunteer,
                team or "",
                status_names[visit.review_status.value],
                visit_reason(visit) or "",
                " ".join(flag_texts(visit)),
                visit.corrects_id or "",
                yes if visit.counts_in_totals else no,
            ]
        )
    ids = [r[0] for r in rows]
    counts: dict[int, dict[str, int]] = {}
    for start in range(0, len(ids), CHUNK):
        for visit_id, code, count in db.session.execute(
            sa.select(VisitInstall.visit_id, CampaignApp.code, VisitInstall.count)
            .join(CampaignApp)
            .where(VisitInstall.visit_id.in_(ids[start : start + CHUNK]))
        ):
            counts.setdefault(visit_id, {})[code] = count
    position = header.index(_("Đã có ứng dụng")) + 1  # where the installs per app go
    for row in rows:
        got = counts.get(row[0], {})
        row[position : position + 1] = [got.get(code, 0) for code in app_codes]
    return Table(_("Lượt thăm"), [Column(name) for name in header], rows)


def team_activity(user: User, f: VisitFilter) -> list[dict]:
    """Per team in scope: visits and installs that count, share of visits flagged, days active.

    "Flagged" means flagged by an automatic check on arrival or currently flagged by a reviewer.
    The team is the one the visit was made in (`visit.team_id`), as on the activity page. The filter's area, dates and volunteer apply; its
    status does not (the share needs every status).
    """
    f = VisitFilter(**{**f.__dict__, "status": "all", "upto_id": None})
    filtered = visits_query(user, f).order_by(None).with_only_columns(Visit.id).subquery()
    counted = sa.and_(counted_clause())
    flagged = sa.or_(Visit.auto_flags.is_not(None), Visit.review_status == ReviewStatus.FLAGGED)
    rows = db.session.execute(
        sa.select(
            Team.id,
            Team.name,
            Ward.name.label("ward"),
            sa.func.count(Visit.id).label("all_visits"),
            sa.func.coalesce(sa.func.sum(sa.case((counted, 1), else_=0)), 0).label("visits"),
            sa.func.coalesce(sa.func.sum(sa.case((counted, Visit.installs_total), else_=0)), 0).label(
                "installs"
            ),
            sa.func.coalesce(sa.func.sum(sa.case((flagged, 1), else_=0)), 0).label("flagged"),
            sa.func.count(sa.distinct(local_day_sql(Visit.visited_at))).label("days_active"),
        )
        .select_from(Team)
        .join(Ward, Ward.code == Team.ward_code)
        .outerjoin(Visit, sa.and_(Visit.team_id == Team.id, Visit.id.in_(sa.select(filtered.c.id))))
        .where(Team.id.in_(access.review_team_ids_query(user)))
        .group_by(Team.id, Team.name, Ward.name)
        .order_by(Ward.name, Team.name)
    ).all()
    return [
        {
            "team_id": r.id,
            "team": r.name,
            "ward": r.ward,
            "visits": int(r.visits),
            "installs": int(r.installs),
            "flagged_share": (int(r.flagged) / r.all_visits) if r.all_visits else 0.0,
            "days_active": int(r.days_active),
        }
        for r in rows
    ]


def team_table(rows: list[dict]) -> Table:
    columns = [
        Column(_("Phường/xã")),
        Column(_("Đội")),
        Column(_("Lượt thăm")),
        Column(_("Lượt cài mới")),
        Column(_("Tỉ lệ cần xem lại"), PERCENT_FORMAT, csv_text=percent),  # 7,54 % in CSV
        Column(_("Số ngày hoạt động")),
    ]
    return Table(
        _("Hoạt động đội"),
        columns,
        [
            [r["ward"], r["team"], r["visits"], r["installs"], r["flagged_share"], r["days_active"]]
            for r in rows
        ],
    )
