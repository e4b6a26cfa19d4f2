"""The one set of names a person reads for a visit's outcome, place and review status.

Every page, export and API message takes its wording from here, so that "nobody home" is one
phrase everywhere (there were three). Lazy strings: each is translated when it is shown.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from campaign.campaigns.models import OrgKind
from campaign.i18n import number
from campaign.visits.models import Outcome, ReviewStatus, SiteKind

# In the order the visit form offers them: the common outcomes first.
OUTCOMES = {
    Outcome.INSTALLED: _l("Đã cài giúp"),
    Outcome.NOT_HOME: _l("Không có ai ở nhà"),
    Outcome.ALREADY_INSTALLED: _l("Đã có sẵn"),
    Outcome.COME_BACK_LATER: _l("Hẹn quay lại"),
    Outcome.REFUSED: _l("Từ chối"),
    Outcome.NO_SMARTPHONE: _l("Không có điện thoại thông minh"),
}

SITES = {
    SiteKind.HOUSEHOLD: _l("Hộ gia đình"),
    SiteKind.SCHOOL: _l("Trường học"),
    SiteKind.BUSINESS: _l("Doanh nghiệp, nhà hàng, khách sạn"),
    SiteKind.MARKET: _l("Chợ, trung tâm thương mại"),
    SiteKind.TRANSIT_HUB: _l("Bến xe, bến tàu"),
    SiteKind.INDUSTRIAL_ZONE: _l("Khu công nghiệp"),
    SiteKind.QUARANTINE_SITE: _l("Khu cách ly"),
    SiteKind.BOOTH: _l("Điểm hỗ trợ lưu động"),
}

ORG_KINDS = {
    OrgKind.YOUTH_UNION: _l("Đoàn Thanh niên"),
    OrgKind.WOMENS_UNION: _l("Hội Liên hiệp Phụ nữ"),
    OrgKind.RED_CROSS: _l("Hội Chữ thập đỏ"),
    OrgKind.TELECOM_POST: _l("Bưu điện, viễn thông"),
    OrgKind.SELF_MANAGED: _l("Tổ tự quản"),
    OrgKind.OTHER: _l("Khác"),
}
# Visits logged by someone outside any team (a lead), in the breakdown by organisation.
NO_TEAM_LABEL = _l("Không thuộc đội (trưởng nhóm ghi)")

STATUSES = {
    ReviewStatus.PENDING: _l("Chờ duyệt"),
    ReviewStatus.FLAGGED: _l("Cần xem lại"),
    ReviewStatus.APPROVED: _l("Đã duyệt"),
    ReviewStatus.REJECTED: _l("Không chấp nhận"),
}


def outcome_label(value) -> str:
    """An outcome's name; a household never visited has none yet."""
    return str(_l("Chưa đến")) if value is None else str(OUTCOMES[Outcome(value)])


# --- the automatic checks' reasons (review/checks.py) --------------------------------------------
# Stored as a code and its parameters, {"code": "burst", "params": {"count": 4, ...}}, and put into
# words when shown, in the reader's language. "text" holds a sentence from before the codes that
# the migration could not read back into one.


def flag_text(flag: dict) -> str:
    code, p = flag.get("code"), flag.get("params") or {}
    if code == "gps_far":
        return _(
            "Vị trí GPS cách trung tâm %(hamlet)s %(distance)s m (giới hạn %(limit)s m).",
            hamlet=p["hamlet"],
            distance=number(p["distance"]),
            limit=number(p["limit"]),
        )
    if code == "burst":
        return _(
            "%(count)s lượt thăm trong %(minutes)s phút (tối đa %(limit)s): quá nhanh để gõ cửa từng nhà.",
            count=number(p["count"]),
            minutes=number(p["minutes"]),
            limit=number(p["limit"]),
        )
    if code == "same_day":
        return _("Hộ này đã được tình nguyện viên khác ghi trong cùng ngày (lượt #%(id)s).", id=p["id"])
    if code == "residents":
        return _(
            "Số người trong hộ (%(count)s) vượt mức hợp lý (%(limit)s).",
            count=number(p["count"]),
            limit=number(p["limit"]),
        )
    return str(p.get("text", code))


def flag_texts(visit) -> list[str]:
    return [flag_text(flag) for flag in visit.auto_flags or ()]


def visit_reason(visit) -> str | None:
    """What the volunteer reads: the reviewer's words, else the automatic checks' while they flag it."""
    if visit.review_reason:
        return visit.review_reason
    if visit.review_status == ReviewStatus.FLAGGED and visit.auto_flags:
        return " ".join(flag_texts(visit))
    return None


def register(app) -> None:
    app.jinja_env.globals.update(flag_texts=flag_texts, visit_reason=visit_reason)
