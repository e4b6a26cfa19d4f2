"""Reading an area request (level, code, campaign, dates) the same way for pages, exports and the API."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from campaign import access
from campaign.campaigns.models import Campaign
from campaign.coverage.forms import AreaFilterForm
from campaign.coverage.tree import Area, AreaNotFound, find_area, in_campaign
from campaign.errors import RequestError as AreaRequestError
from campaign.extensions import db
from campaign.i18n import local_today


@dataclass
class AreaRequest:
    campaign: Campaign
    area: Area
    as_of: date
    since: date
    campaigns: list[Campaign]


def load(user, level: str, code: str, args, *, campaign_required: bool) -> AreaRequest:
    form = AreaFilterForm(formdata=args)
    if not form.validate():
        fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        raise AreaRequestError(400, _("Tham số chưa hợp lệ, xem lỗi từng trường."), "bad_params", fields)
    try:
        area = find_area(level, code)
    except AreaNotFound:
        raise AreaRequestError(404, _("Không có khu vực này."), "area_not_found") from None
    hamlet = area.row if area.level == "hamlet" else None
    if not access.can_see_area(user, None, area.level, area.code, hamlet):
        raise AreaRequestError(403, _("Bạn không có quyền xem khu vực này."), "forbidden")
    campaigns = [c for c in db.session.scalars(access.campaigns_query(user)) if in_campaign(c, area)]
    if form.campaign_id.data is None:
        if campaign_required:
            raise AreaRequestError(
                400, _("Thiếu campaign_id."), "bad_params", {"campaign_id": [_("Vui lòng chọn chiến dịch.")]}
            )
        if not campaigns:
            raise AreaRequestError(404, _("Chưa có chiến dịch nào ở khu vực này."), "campaign_not_found")
        campaign = campaigns[0]
    else:
        campaign = db.session.get(Campaign, form.campaign_id.data)
        if campaign is None or not access.can_see_campaign(user, campaign):
            raise AreaRequestError(404, _("Không có chiến dịch này."), "campaign_not_found")
        if not in_campaign(campaign, area):
            raise AreaRequestError(404, _("Khu vực này không thuộc chiến dịch."), "area_not_in_campaign")
    if not access.can_see_area(user, campaign, area.level, area.code, hamlet):
        raise AreaRequestError(403, _("Bạn không có quyền xem khu vực này."), "forbidden")
    as_of = form.date.data or local_today()
    since = form.since.data or as_of - timedelta(days=7)
    if since > as_of:
        raise AreaRequestError(
            400,
            _("Ngày so sánh phải trước ngày tính."),
            "bad_params",
            {"since": [_("Ngày so sánh phải trước ngày tính.")]},
        )
    return AreaRequest(campaign, area, as_of, since, campaigns)


def first_team_hamlet(user, campaign: Campaign):
    from campaign.campaigns.models import TeamHamlet

    return db.session.scalar(
        sa.select(TeamHamlet.hamlet_id)
        .where(TeamHamlet.team_id == user.team_id, TeamHamlet.campaign_id == campaign.id)
        .order_by(TeamHamlet.hamlet_id)
        .limit(1)
    )
