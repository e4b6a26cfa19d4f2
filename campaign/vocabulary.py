"""The one set of names a person reads for a visit's outcome, place and review status.

Every page, export and API message takes its wording from here, so that "nobody home" is one
phrase everywhere (there were three). Lazy strings: each is translated when it is shown.
"""

from flask_babel import lazy_gettext as _l

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

STATUSES = {
    ReviewStatus.PENDING: _l("Chờ duyệt"),
    ReviewStatus.FLAGGED: _l("Cần xem lại"),
    ReviewStatus.APPROVED: _l("Đã duyệt"),
    ReviewStatus.REJECTED: _l("Không chấp nhận"),
}


def outcome_label(value) -> str:
    """An outcome's name; a household never visited has none yet."""
    return str(_l("Chưa đến")) if value is None else str(OUTCOMES[Outcome(value)])
