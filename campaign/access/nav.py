"""The menu: the pages a user's role works with, by the rules of the other modules."""

from typing import NamedTuple

from flask import url_for
from flask_babel import gettext as _

from campaign.access.activity import can_see_activity
from campaign.access.campaigns import can_manage_campaigns, can_manage_province_leads
from campaign.access.review import is_reviewer
from campaign.access.roles import own_ward_code
from campaign.access.visits import logs_visits
from campaign.auth.models import User


class NavItem(NamedTuple):
    href: str
    label: str
    daily: bool  # in the bar; the others fold under "Xem thêm"


def nav_items(user: User) -> list[NavItem]:
    """The menu: the pages the user's role works with, by the rules above. The links a role uses
    every day stay in the bar, so that at 360 px it is one or two rows for every role."""
    volunteer = logs_visits(user) and not is_reviewer(user)
    ward = own_ward_code(user)
    items = [NavItem(url_for("home.index"), _("Trang chủ"), True)]
    if logs_visits(user):
        items += [
            NavItem(url_for("visits.new"), _("Ghi lượt thăm"), True),
            NavItem(url_for("visits.mine"), _("Lượt thăm của tôi"), volunteer),
            NavItem(url_for("areas.revisits"), _("Cần quay lại"), volunteer),
        ]
    if is_reviewer(user):
        items += [
            NavItem(url_for("review.queue"), _("Duyệt lượt thăm"), True),
            NavItem(url_for("coverage.index"), _("Độ phủ"), True),
        ]
    if ward is not None:
        items += [
            NavItem(url_for("areas.hamlets", code=ward), _("Thôn/ấp"), False),
            NavItem(url_for("campaigns.teams", code=ward), _("Đội"), False),
        ]
    if can_manage_campaigns(user):
        items.append(NavItem(url_for("campaigns.manage_campaigns"), _("Chiến dịch"), False))
    if user.province_code is not None and can_manage_province_leads(user, user.province_code):
        items.append(NavItem(url_for("campaigns.leads", code=user.province_code), _("Trưởng nhóm"), False))
    if can_see_activity(user):
        # In a volunteer's bar (five short links fit two rows at 360 px); folded for the others.
        items.append(NavItem(url_for("coverage.activity_page"), _("Tuần này"), volunteer))
    if is_reviewer(user):
        items += [
            NavItem(url_for("review.teams"), _("Hoạt động đội"), False),
            NavItem(url_for("review.export_page"), _("Xuất dữ liệu"), False),
            NavItem(url_for("review.audit_index"), _("Nhật ký"), False),
        ]
    return items
