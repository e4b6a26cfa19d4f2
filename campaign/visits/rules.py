"""The one set of rules a visit must meet, whether it comes from the HTML form, the API or a file.

`parse_visit` checks shape and types and normalises one item into a `NewVisit` (no database
needed); `intake.check_context` adds the rules that need the database (scope, campaign dates,
app codes). static/js/visit-rules.js runs the same rules on the phone from what `client_rules`
sends it (limits, choices, messages); tests/visit_rule_cases.json holds both to the same answers.

A plain validator rather than WTForms: the phone sends batches of up to 500 items, and this
runs at thousands of items per second. The HTML page posts through the same function.
"""

import math
import re
import uuid
from datetime import UTC, datetime
from functools import cached_property

from flask_babel import gettext as _

from campaign import numbers
from campaign.types import MAX_ID
from campaign.visits.hashing import CONTENT_FIELDS, content_hash
from campaign.visits.models import NewVisit, Outcome, SiteKind

MAX_BATCH = 500
MAX_LABEL = 40
MAX_NOTE = 500
MAX_COUNT = 100_000  # a school or an industrial zone can reach thousands of people
CLOCK_SKEW_SECONDS = 300  # a phone clock a few minutes fast is not "in the future"

FIELDS = ("client_id", *CONTENT_FIELDS, "corrects")
COUNT_FIELDS = ("residents", "smartphones", "already_installed")
_DIGIT = re.compile(r"\d")
_SPACES = re.compile(r"\s+")


def messages() -> dict:
    """Every message the rules can give, for the phone's copy of the rules (visit-rules.js)."""
    return {
        "required": _("Vui lòng nhập mục này."),
        "type": _("Giá trị không đúng kiểu."),
        "unreadable": _("Lượt thăm này có giá trị không đọc được. Hãy kiểm tra lại từng mục."),
        "whole": _("Hãy nhập một số nguyên từ 0 trở lên."),
        "too_big": _("Số quá lớn."),
        "client_id": _("Mã lượt thăm phải là một UUID."),
        "label_long": _("Tối đa %(n)d ký tự.", n=MAX_LABEL),
        "label_digit": _("Ghi số nhà (ví dụ: Số 12, 12/3). Không ghi tên người."),
        "site_kind": _("Loại địa điểm không hợp lệ."),
        "outcome": _("Hãy chọn kết quả."),
        "users_le_residents": _(
            "Số người đã cài giúp cộng số người đã có ứng dụng không được vượt quá số người."
        ),
        "installs_le_smartphones": _("Số lượt cài giúp không được vượt quá số điện thoại thông minh."),
        "installed_none": _("Bạn chọn “Đã cài giúp” nhưng chưa ghi lượt cài nào."),
        "visited_at": _("Thời gian phải theo ISO 8601 và có múi giờ, ví dụ 2026-08-30T09:15:00+07:00."),
        "future": _("Thời gian thăm không được ở tương lai."),
        "before_start": _("Thời gian thăm không được trước ngày bắt đầu chiến dịch."),
        "lat": _("Vĩ độ phải từ -90 đến 90."),
        "lon": _("Kinh độ phải từ -180 đến 180."),
        "accuracy": _("Độ chính xác phải là số không âm."),
        "note_long": _("Ghi chú tối đa %(n)d ký tự.", n=MAX_NOTE),
        "app": _("Ứng dụng này không thuộc chiến dịch."),
        "campaign": _("Không tìm thấy chiến dịch, hoặc bạn không tham gia chiến dịch này."),
        "hamlet": _("Bạn không được ghi lượt thăm ở thôn/ấp/khu phố này."),
        "corrects": _("Không tìm thấy lượt thăm cần sửa trong các lượt thăm của bạn."),
    }


def client_rules() -> dict:
    """What the phone's copy of the rules (visit-rules.js) and the form's attributes read: the
    limits, the choices and the messages, all from here."""
    return {
        "max_label": MAX_LABEL,
        "max_note": MAX_NOTE,
        "max_count": MAX_COUNT,
        "max_batch": MAX_BATCH,
        "max_id": MAX_ID,
        "clock_skew_seconds": CLOCK_SKEW_SECONDS,
        "outcomes": [o.value for o in Outcome],
        "site_kinds": [k.value for k in SiteKind],
        "messages": messages(),
    }


class Rules:
    """Messages are looked up once per request, not once per item, and only if one is needed."""

    @cached_property
    def m(self) -> dict:
        return messages()

    def __getitem__(self, key: str) -> str:
        return self.m[key]


def _int(value, errors: dict, name: str, rules: Rules, required=True):
    if value is None or value == "":
        if required:
            errors[name] = [rules.m["required"]]
        return 0
    if isinstance(value, bool):
        errors[name] = [rules.m["type"]]
        return None
    if isinstance(value, str):
        try:
            return numbers.whole_number(value, MAX_COUNT)
        except numbers.TooBig:
            errors[name] = [rules.m["too_big"]]
        except numbers.NotWhole:
            errors[name] = [rules.m["whole"]]
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        errors[name] = [rules.m["type"] if not isinstance(value, float) else rules.m["whole"]]
        return None
    if value < 0:
        errors[name] = [rules.m["whole"]]
        return None
    if value > MAX_COUNT:
        errors[name] = [rules.m["too_big"]]
        return None
    return value


def _id(value, errors: dict, name: str, rules: Rules):
    if value is None or value == "":
        errors[name] = [rules.m["required"]]
        return None
    if isinstance(value, str):
        try:
            value = numbers.whole_number(value, MAX_ID)
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value > MAX_ID:
        errors[name] = [rules.m["type"]]
        return None
    return value


def _float(value, errors: dict, name: str, rules: Rules, low, high, message):
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        errors[name] = [rules.m["type"]]
        return None
    try:
        value = numbers.decimal(value) if isinstance(value, str) else float(value)
    except (ValueError, OverflowError):  # "x", "١٢", or an int past the largest float (10**400)
        errors[name] = [rules.m["type"]]
        return None
    if not math.isfinite(value):
        errors[name] = [rules.m["type"]]
        return None
    if value < low or (high is not None and value > high):
        errors[name] = [rules.m[message]]
        return None
    return value


def parse_time(value) -> datetime | None:
    """An ISO 8601 instant with an offset, as an aware UTC datetime; None if not one."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        # An offset can carry year 1 or 9999 past the calendar's end: OverflowError, no instant.
        return moment.astimezone(UTC) if moment.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None


def clean_label(value) -> str:
    return _SPACES.sub(" ", value).strip() if isinstance(value, str) else ""


def parse_visit(item, rules: Rules, now: datetime) -> tuple[NewVisit | None, dict]:
    """(visit, {}) or (None, {field: [messages]}). No database access."""
    if not isinstance(item, dict):
        return None, {"_": [rules.m["type"]]}
    errors: dict = {}
    client_id = _uuid(item.get("client_id"))
    if client_id is None:
        errors["client_id"] = [rules.m["client_id"]]
    campaign_id = _id(item.get("campaign_id"), errors, "campaign_id", rules)
    hamlet_id = _id(item.get("hamlet_id"), errors, "hamlet_id", rules)

    site_kind = item.get("site_kind")
    if site_kind is None or site_kind == "":
        site_kind = SiteKind.HOUSEHOLD.value
    if not isinstance(site_kind, str) or site_kind not in SiteKind._value2member_map_:
        errors["site_kind"] = [rules.m["site_kind"]]
        site_kind = None
    household = _label(item.get("household"), site_kind, errors, rules)

    outcome = item.get("outcome")
    if not isinstance(outcome, str) or outcome not in Outcome._value2member_map_:
        errors["outcome"] = [rules.m["outcome"]]
    counts = {name: _int(item.get(name), errors, name, rules, required=False) for name in COUNT_FIELDS}
    installs = _installs(item.get("installs") or {}, errors, rules)

    moment = parse_time(item.get("visited_at"))
    if moment is None:
        errors["visited_at"] = [rules.m["visited_at"] if item.get("visited_at") else rules.m["required"]]
    elif (moment - now).total_seconds() > CLOCK_SKEW_SECONDS:
        errors["visited_at"] = [rules.m["future"]]

    lat = _float(item.get("lat"), errors, "lat", rules, -90, 90, "lat")
    lon = _float(item.get("lon"), errors, "lon", rules, -180, 180, "lon")
    accuracy = _float(item.get("accuracy_m"), errors, "accuracy_m", rules, 0, None, "accuracy")
    note = _note(item.get("note"), errors, rules)
    corrects = item.get("corrects")
    if corrects not in (None, ""):
        corrects = _uuid(corrects, longest=None)
        if corrects is None:
            errors["corrects"] = [rules.m["corrects"]]
    if errors:
        return None, errors
    visit = NewVisit(
        client_id=client_id,
        campaign_id=campaign_id,
        hamlet_id=hamlet_id,
        household=household,
        site_kind=SiteKind(site_kind),
        outcome=Outcome(outcome),
        **counts,
        installs=installs,
        visited_at=moment,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy,
        note=note,
        corrects=corrects or None,
    )
    errors = count_rule_errors(
        visit.residents, visit.smartphones, visit.already_installed, visit.installs_total, rules
    )
    if visit.outcome == Outcome.INSTALLED and not visit.installs:  # visit-rules.js: the same rule
        errors["installs"] = [rules.m["installed_none"]]
    if errors:
        return None, errors
    visit.content_hash = content_hash(
        {name: getattr(visit, name) for name in CONTENT_FIELDS} | {"visited_at": moment.isoformat()}
    )
    return visit, {}


def _uuid(value, longest: int | None = 40) -> str | None:
    if not isinstance(value, str) or (longest is not None and len(value) > longest):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _label(value, site_kind: str | None, errors: dict, rules: Rules) -> str:
    if value is not None and not isinstance(value, str):
        errors["household"] = [rules.m["type"]]
        return ""
    label = clean_label(value)
    if not label:
        errors["household"] = [rules.m["required"]]
    elif len(label) > MAX_LABEL:
        errors["household"] = [rules.m["label_long"]]
    elif site_kind == SiteKind.HOUSEHOLD and not _DIGIT.search(label):
        errors["household"] = [rules.m["label_digit"]]
    return label


def _installs(value, errors: dict, rules: Rules) -> dict[str, int]:
    if not isinstance(value, dict):
        errors["installs"] = [rules.m["type"]]
        return {}
    installs = {}
    for code, count in value.items():
        n = _int(count, errors, f"installs.{code}", rules, required=False)
        if n:
            installs[str(code)[:20]] = n
    return installs


def _note(value, errors: dict, rules: Rules) -> str | None:
    if value is not None and not isinstance(value, str):
        errors["note"] = [rules.m["type"]]
        return None
    note = (value or "").strip() or None
    if note and len(note) > MAX_NOTE:
        errors["note"] = [rules.m["note_long"]]
    return note


def count_rule_errors(residents: int, smartphones: int, already_installed: int, installed: int, m) -> dict:
    """How the counts must relate, for logging a visit and for a lead's edit of one."""
    errors = {}
    if installed + already_installed > residents:
        errors["residents"] = [m["users_le_residents"]]
    if installed > smartphones:
        errors["smartphones"] = [m["installs_le_smartphones"]]
    return errors
