"""Areas: the official list of provinces and wards, and queries over hamlets."""

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from vietnam_provinces import Province as OfficialProvince
from vietnam_provinces import Ward as OfficialWard

from campaign import audit, imports
from campaign.areas.models import (
    MAX_HAMLET_HOUSEHOLDS,
    MAX_HAMLET_POPULATION,
    Hamlet,
    HamletKind,
    Household,
    Province,
    Ward,
    label_key,
)
from campaign.extensions import db
from campaign.imports import Column, fold


def load_official_areas() -> dict:
    """Insert or rename provinces and wards from vietnam-provinces. Idempotent.

    Returns how many rows were added and renamed, so the CLI can say what changed.
    """
    added = renamed = 0
    existing_provinces = {p.code: p for p in db.session.scalars(sa.select(Province))}
    for official in OfficialProvince.iter_all():
        code = int(official.code)
        row = existing_provinces.get(code)
        if row is None:
            db.session.add(
                Province(code=code, name=official.name, division_type=official.division_type.value)
            )
            added += 1
        elif row.name != official.name:
            row.name = official.name
            renamed += 1
    db.session.flush()

    existing_wards = dict(db.session.execute(sa.select(Ward.code, Ward.name)).tuples().all())
    new_wards = []
    for official in OfficialWard.iter_all():
        code = int(official.code)
        if code not in existing_wards:
            new_wards.append(
                {
                    "code": code,
                    "province_code": int(official.province_code),
                    "name": official.name,
                    "division_type": official.division_type.value,
                }
            )
        elif existing_wards[code] != official.name:
            db.session.execute(sa.update(Ward).where(Ward.code == code).values(name=official.name))
            renamed += 1
    if new_wards:
        db.session.execute(sa.insert(Ward), new_wards)
        added += len(new_wards)
    db.session.flush()
    return {"added": added, "renamed": renamed}


def area_counts() -> tuple[int, int]:
    provinces = db.session.scalar(sa.select(sa.func.count()).select_from(Province))
    wards = db.session.scalar(sa.select(sa.func.count()).select_from(Ward))
    return provinces, wards


# --- hamlets ---------------------------------------------------------------------------------

KIND_LABELS = {
    HamletKind.THON: _l("Thôn"),
    HamletKind.AP: _l("Ấp"),
    HamletKind.BAN: _l("Bản"),
    HamletKind.TO_DAN_PHO: _l("Tổ dân phố"),
    HamletKind.KHU_PHO: _l("Khu phố"),
}
# What people write in the "kind" column of a CSV, folded (no accents, lower case).
KIND_WORDS = {
    "thon": HamletKind.THON,
    "ap": HamletKind.AP,
    "ban": HamletKind.BAN,
    "to dan pho": HamletKind.TO_DAN_PHO,
    "to": HamletKind.TO_DAN_PHO,
    "khu pho": HamletKind.KHU_PHO,
    "khu": HamletKind.KHU_PHO,
    "hamlet": HamletKind.THON,
    "village": HamletKind.BAN,
    "residential group": HamletKind.TO_DAN_PHO,
    "quarter": HamletKind.KHU_PHO,
    **{kind.value.replace("_", " "): kind for kind in HamletKind},
}

HAMLET_FIELDS = ("name", "kind", "households", "population", "lat", "lon")


class AreaError(ValueError):
    """A change to hamlets or households was refused; the message is for a person."""


def hamlet_snapshot(hamlet: Hamlet) -> dict:
    return {
        "name": hamlet.name,
        "kind": hamlet.kind.value,
        "households": hamlet.households,
        "population": hamlet.population,
        "lat": hamlet.lat,
        "lon": hamlet.lon,
    }


def ward_hamlets_query(ward_code: int) -> sa.Select:
    return sa.select(Hamlet).where(Hamlet.ward_code == ward_code).order_by(Hamlet.name)


def name_key(name: str) -> str:
    """A hamlet's identity in its ward: the household label rule (case, spacing and Unicode
    compatibility forms do not count; accents do), so every import matches names one way."""
    return label_key(name)


def _name_taken(ward_code: int, name: str, hamlet_id: int | None = None) -> bool:
    rows = db.session.execute(sa.select(Hamlet.id, Hamlet.name).where(Hamlet.ward_code == ward_code))
    return any(name_key(other) == name_key(name) and id_ != hamlet_id for id_, other in rows)


def _check_centre(values: dict) -> None:
    if (values.get("lat") is None) != (values.get("lon") is None):
        raise AreaError(_("Tâm thôn cần có cả vĩ độ và kinh độ, hoặc để trống cả hai."))


def create_hamlet(user, ward_code: int, values: dict) -> Hamlet:
    values = {k: values.get(k) for k in HAMLET_FIELDS}
    values["name"] = values["name"].strip()
    _check_centre(values)
    if _name_taken(ward_code, values["name"]):
        raise AreaError(_("Phường/xã đã có thôn/ấp tên “%(name)s”.", name=values["name"]))
    hamlet = Hamlet(ward_code=ward_code, **values)
    db.session.add(hamlet)
    db.session.flush()
    audit.record(user, "hamlet.create", hamlet, ward_code=ward_code, after=hamlet_snapshot(hamlet))
    return hamlet


def update_hamlet(user, hamlet: Hamlet, values: dict) -> bool:
    """Change the given fields; returns False (and records nothing) when nothing changed."""
    values = {k: v for k, v in values.items() if k in HAMLET_FIELDS}
    if "name" in values:
        values["name"] = values["name"].strip()
        if _name_taken(hamlet.ward_code, values["name"], hamlet.id):
            raise AreaError(_("Phường/xã đã có thôn/ấp tên “%(name)s”.", name=values["name"]))
    if "households" in values and listed_count(hamlet.id) and values["households"] != hamlet.households:
        raise AreaError(
            _(
                "Thôn/ấp này đã có danh sách hộ (%(n)d hộ); số hộ lấy theo danh sách.",
                n=listed_count(hamlet.id),
            )
        )
    before = hamlet_snapshot(hamlet)
    _check_centre({**before, **values})
    for key, value in values.items():
        setattr(hamlet, key, value)
    after = hamlet_snapshot(hamlet)
    if after == before:
        return False
    db.session.flush()
    audit.record(user, "hamlet.update", hamlet, ward_code=hamlet.ward_code, before=before, after=after)
    return True


def listed_count(hamlet_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Household)
        .where(Household.hamlet_id == hamlet_id, Household.listed.is_(True))
    )


def listed_counts(hamlet_ids) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Household.hamlet_id, sa.func.count())
        .where(Household.hamlet_id.in_(hamlet_ids), Household.listed.is_(True))
        .group_by(Household.hamlet_id)
    )
    return dict(rows.tuples().all())


HAMLET_COLUMNS = [
    Column("name", ("Tên", "Tên thôn", "Tên thôn/ấp", "Name", "Hamlet")),
    Column("kind", ("Loại", "Kind", "Type")),
    Column("households", ("Số hộ", "Hộ", "Households")),
    Column("population", ("Dân số", "Số dân", "Nhân khẩu", "Population")),
    Column("lat", ("Vĩ độ", "Lat", "Latitude"), required=False),
    Column("lon", ("Kinh độ", "Lon", "Lng", "Longitude"), required=False),
]


def check_hamlet_row(row: dict) -> tuple[dict, list[str]]:
    """One row of a hamlet file (one ward's or a province's) as values, and what is wrong with it."""
    values, problems = {}, []
    name = " ".join(row["name"].split())
    if not name:
        problems.append(_("thiếu tên thôn/ấp."))
    elif len(name) > 80:
        problems.append(_("tên thôn/ấp dài quá 80 ký tự."))
    values["name"] = name
    kind = KIND_WORDS.get(fold(row["kind"]))
    if kind is None:
        problems.append(
            _(
                "loại “%(text)s” không rõ (thôn, ấp, bản, tổ dân phố, khu phố).",
                text=imports.shown(row["kind"]),
            )
        )
    values["kind"] = kind
    for key, label, maximum in (
        ("households", _("số hộ"), MAX_HAMLET_HOUSEHOLDS),
        ("population", _("dân số"), MAX_HAMLET_POPULATION),
    ):
        values[key], problem = imports.whole_number(row[key], label, maximum=maximum)
        if problem:
            problems.append(problem)
    values["lat"], problem = imports.decimal(row["lat"], _("vĩ độ"), -90, 90)
    if problem:
        problems.append(problem)
    values["lon"], problem = imports.decimal(row["lon"], _("kinh độ"), -180, 180)
    if problem:
        problems.append(problem)
    if not problems and (values["lat"] is None) != (values["lon"] is None):
        problems.append(_("cần có cả vĩ độ và kinh độ, hoặc để trống cả hai."))
    return values, problems


def import_hamlets(user, ward_code: int, upload) -> dict:
    """Create or update the ward's hamlets from a CSV; all or nothing.

    Returns {"errors": [...]} when any row is wrong (nothing changed), else counts of
    created, updated and unchanged hamlets.
    """
    parsed = imports.parse(upload, HAMLET_COLUMNS)
    seen: dict[str, int] = {}
    values_by_line = []
    for line, row in parsed.rows:
        values, problems = check_hamlet_row(row)
        if 0 < len(values["name"]) <= 80:
            key = name_key(values["name"])
            if key in seen:
                problems.append(
                    _("tên “%(name)s” trùng với dòng %(line)d.", name=values["name"], line=seen[key])
                )
            else:
                seen[key] = line
        for problem in problems:
            parsed.error(line, problem)
        values_by_line.append((line, values))

    existing = {name_key(h.name): h for h in db.session.scalars(ward_hamlets_query(ward_code))}
    counted = listed_counts([h.id for h in existing.values()]) if existing else {}
    for line, values in values_by_line:
        hamlet = existing.get(name_key(values["name"] or ""))
        if (
            hamlet is not None
            and counted.get(hamlet.id)
            and values["households"] not in (None, hamlet.households)
        ):
            parsed.error(
                line,
                _(
                    "“%(name)s” đã có danh sách %(n)d hộ; số hộ phải là %(n)d.",
                    name=hamlet.name,
                    n=counted[hamlet.id],
                ),
            )
    if parsed.errors:
        return {"errors": parsed.errors}

    created = updated = unchanged = 0
    for _line, values in values_by_line:
        hamlet = existing.get(name_key(values["name"]))
        if hamlet is None:
            create_hamlet(user, ward_code, values)
            created += 1
        elif update_hamlet(user, hamlet, {**values, "name": hamlet.name}):
            updated += 1
        else:
            unchanged += 1
    return {"errors": [], "created": created, "updated": updated, "unchanged": unchanged}
