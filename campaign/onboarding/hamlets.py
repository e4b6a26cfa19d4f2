"""The province's hamlet file: every hamlet of every ward in one CSV or XLSX, previewed per ward,
applied all or nothing, matched by ward and normalised name (areas.services.name_key, the
household label rule). A hamlet missing from the file stays; retiring it is its own action."""

import sqlalchemy as sa
from flask_babel import gettext as _

from campaign import audit, imports, numbers
from campaign.areas.models import Hamlet, Ward
from campaign.areas.services import HAMLET_COLUMNS, check_hamlet_row, hamlet_snapshot, listed_counts, name_key
from campaign.extensions import db
from campaign.imports import Column, Preview
from campaign.types import MAX_ID, utcnow

WARD_COLUMN = Column(
    "ward", ("Mã phường/xã", "Mã phường", "Mã xã", "Mã đơn vị", "Mã", "Ward code", "Ward", "Commune code")
)
PROVINCE_HAMLET_COLUMNS = [WARD_COLUMN, *HAMLET_COLUMNS]
KIND = "hamlets"  # the staged file's kind


def ward_code_cell(text: str, wards: dict, province_name: str):
    """(ward code, error) for the ward column of any province-wide file."""
    text = text.strip()
    if not text:
        return None, _("thiếu mã phường/xã.")
    try:
        code = numbers.whole_number(text, MAX_ID)
    except ValueError:
        return None, _("mã phường/xã “%(text)s” không phải một mã số.", text=imports.shown(text))
    if code not in wards:
        return None, _("không có phường/xã mã %(code)s ở %(province)s.", code=code, province=province_name)
    return code, None


def province_wards(province_code: int) -> dict[int, Ward]:
    return {w.code: w for w in db.session.scalars(sa.select(Ward).where(Ward.province_code == province_code))}


def _same(hamlet: Hamlet, values: dict) -> bool:
    snapshot = hamlet_snapshot(hamlet)
    return all(
        snapshot[k] == (v.value if hasattr(v, "value") else v) for k, v in values.items() if k != "name"
    )


def preview(province, data) -> Preview:
    """What applying the file would do, per ward, and every error with its line."""
    parsed = imports.parse(
        data, PROVINCE_HAMLET_COLUMNS, imports.PROVINCE_MAX_ROWS, imports.PROVINCE_MAX_BYTES
    )
    wards = province_wards(province.code)
    existing = {
        (h.ward_code, name_key(h.name)): h
        for h in db.session.scalars(sa.select(Hamlet).where(Hamlet.ward_code.in_(list(wards))))
    }
    listed = listed_counts([h.id for h in existing.values()]) if existing else {}
    result = Preview(rows=len(parsed.rows))
    seen: dict[tuple, int] = {}
    for line, row in parsed.rows:
        ward_code, ward_problem = ward_code_cell(row["ward"], wards, province.name)
        values, problems = check_hamlet_row(row)
        if ward_problem:
            problems.insert(0, ward_problem)
        key = (ward_code, name_key(values["name"]))
        if ward_code is not None and 0 < len(values["name"]) <= 80:
            if key in seen:
                problems.append(
                    _("tên “%(name)s” trùng với dòng %(line)d.", name=values["name"], line=seen[key])
                )
            else:
                seen[key] = line
        hamlet = existing.get(key)
        if (
            hamlet is not None
            and listed.get(hamlet.id)
            and values["households"] not in (None, hamlet.households)
        ):
            problems.append(
                _(
                    "“%(name)s” đã có danh sách %(n)d hộ; số hộ phải là %(n)d.",
                    name=hamlet.name,
                    n=listed[hamlet.id],
                )
            )
        for problem in problems:
            parsed.error(line, problem)
        if problems:
            continue
        group = result.group(ward_code, wards[ward_code].name)
        if hamlet is None:
            group.new += 1
            result.plan["create"].append({"ward_code": ward_code, **values})
        elif _same(hamlet, values):
            group.unchanged += 1
        else:
            group.changed += 1
            result.plan["update"].append((hamlet, values))
    result.errors = parsed.errors
    result.groups = dict(sorted(result.groups.items(), key=lambda item: item[1].label))
    return result


def apply(user, result: Preview) -> dict:
    """Write a preview without errors: one insert for the new hamlets, one update per changed
    one, and one audit entry per ward with its counts."""
    created = result.plan["create"]
    if created:
        db.session.execute(sa.insert(Hamlet), created)
    for hamlet, values in result.plan["update"]:
        for key, value in values.items():
            if key != "name":  # the name as first written stays; the key matched it
                setattr(hamlet, key, value)
    db.session.flush()
    now = utcnow()
    db.session.add_all(
        audit.entry(
            user,
            "hamlet.import",
            "ward",
            group.key,
            ward_code=group.key,
            after={"created": group.new, "updated": group.changed, "unchanged": group.unchanged},
            at=now,
        )
        for group in result.groups.values()
        if group.new or group.changed
    )
    return result.totals()


def retire(user, hamlet: Hamlet) -> bool:
    """The hamlet takes no new visits from now on; its visits still count everywhere."""
    if hamlet.retired_at is not None:
        return False
    hamlet.retired_at = utcnow()
    audit.record(user, "hamlet.retire", hamlet, ward_code=hamlet.ward_code, after={"name": hamlet.name})
    db.session.flush()
    return True


def restore(user, hamlet: Hamlet) -> bool:
    if hamlet.retired_at is None:
        return False
    hamlet.retired_at = None
    audit.record(user, "hamlet.restore", hamlet, ward_code=hamlet.ward_code, after={"name": hamlet.name})
    db.session.flush()
    return True
