"""Rosters: thousands of volunteers from a CSV, an XLSX or lines pasted from a spreadsheet.

A line is a full name, a team, the ward code (a lead's roster may leave it out: their ward), and
optionally the organisation and a phone number. Teams that do not exist are listed in the
preview and created on apply with the organisation chosen there. Accounts get generated ASCII
usernames and no password: the volunteer joins with the code printed on their card.

Uploading the same roster again creates nobody twice: a line matches an account of the same
team with the same name (the household label rule), so k identical lines match the first k such
accounts, and only the lines beyond are new.
"""

import re
from collections import Counter, defaultdict

import sqlalchemy as sa
from flask_babel import gettext as _

from campaign import audit, imports
from campaign.areas.models import Ward, label_key
from campaign.auth.models import Role, User
from campaign.campaigns.models import OrgKind, Team
from campaign.campaigns.services import create_team
from campaign.extensions import db
from campaign.imports import Column, Preview, fold
from campaign.onboarding.hamlets import WARD_COLUMN, ward_code_cell
from campaign.types import utcnow

KIND = "roster"
ROSTER_COLUMNS = [
    Column("name", ("Họ và tên", "Họ tên", "Tên", "Tình nguyện viên", "Full name", "Name")),
    Column("team", ("Đội", "Tên đội", "Nhóm", "Team")),
    Column(WARD_COLUMN.name, WARD_COLUMN.headers, required=False),
    Column(
        "org",
        ("Tổ chức", "Loại tổ chức", "Đơn vị", "Organisation", "Organization", "Org kind"),
        required=False,
    ),
    Column("phone", ("Số điện thoại", "Điện thoại", "SĐT", "Phone"), required=False),
]
# What people write in the organisation column, folded (no accents, lower case).
ORG_WORDS = {
    "doan thanh nien": OrgKind.YOUTH_UNION,
    "doan": OrgKind.YOUTH_UNION,
    "thanh nien": OrgKind.YOUTH_UNION,
    "youth union": OrgKind.YOUTH_UNION,
    "hoi lien hiep phu nu": OrgKind.WOMENS_UNION,
    "hoi phu nu": OrgKind.WOMENS_UNION,
    "phu nu": OrgKind.WOMENS_UNION,
    "women's union": OrgKind.WOMENS_UNION,
    "womens union": OrgKind.WOMENS_UNION,
    "hoi chu thap do": OrgKind.RED_CROSS,
    "chu thap do": OrgKind.RED_CROSS,
    "red cross": OrgKind.RED_CROSS,
    "buu dien": OrgKind.TELECOM_POST,
    "vien thong": OrgKind.TELECOM_POST,
    "buu dien, vien thong": OrgKind.TELECOM_POST,
    "telecom": OrgKind.TELECOM_POST,
    "to tu quan": OrgKind.SELF_MANAGED,
    "self managed": OrgKind.SELF_MANAGED,
    "khac": OrgKind.OTHER,
    "other": OrgKind.OTHER,
    **{kind.value.replace("_", " "): kind for kind in OrgKind},
}
PHONE = re.compile(r"\+?[0-9][0-9 .\-]{5,18}")
USERNAME_STEM = 30  # leaves room for the number, within the 40 of user.username
TEAM_LIMIT = 80


def team_key(name: str) -> str:
    return label_key(name)


def _org(text: str):
    if not text.strip():
        return None, None
    kind = ORG_WORDS.get(fold(text))
    if kind is None:
        return None, _(
            "tổ chức “%(text)s” không rõ (Đoàn Thanh niên, Hội Phụ nữ, Chữ thập đỏ, Bưu điện, Tổ tự quản, Khác).",
            text=imports.shown(text),
        )
    return kind, None


def preview(wards: dict[int, Ward], default_ward: int | None, data, scope_name: str) -> Preview:
    """`wards`: the wards the uploader manages; `default_ward`: a lead's, for lines without one."""
    parsed = imports.parse(data, ROSTER_COLUMNS, imports.PROVINCE_MAX_ROWS, imports.PROVINCE_MAX_BYTES)
    teams = {
        (t.ward_code, team_key(t.name)): t
        for t in db.session.scalars(sa.select(Team).where(Team.ward_code.in_(list(wards))))
    }
    existing = defaultdict(list)  # (team id, name key) -> accounts, oldest first
    team_ids = [t.id for t in teams.values()]
    if team_ids:
        for person in db.session.scalars(
            sa.select(User).where(User.team_id.in_(team_ids), User.role == Role.VOLUNTEER).order_by(User.id)
        ):
            existing[(person.team_id, label_key(person.display_name))].append(person)
    result = Preview(rows=len(parsed.rows))
    new_teams: dict[tuple, dict] = {}
    taken: Counter = Counter()
    names_new: Counter = Counter()
    for line, row in parsed.rows:
        problems = []
        name = " ".join(row["name"].split())
        team_name = " ".join(row["team"].split())
        if not name:
            problems.append(_("thiếu họ tên."))
        elif len(name) > 80:
            problems.append(_("họ tên dài quá 80 ký tự."))
        if not team_name:
            problems.append(_("thiếu tên đội."))
        elif len(team_name) > TEAM_LIMIT:
            problems.append(_("tên đội dài quá 80 ký tự."))
        if row["ward"].strip() or default_ward is None:
            ward_code, problem = ward_code_cell(row["ward"], wards, scope_name)
            if problem:
                problems.append(problem)
        else:
            ward_code = default_ward
        org, problem = _org(row["org"])
        if problem:
            problems.append(problem)
        phone = row["phone"].strip()
        if phone and not PHONE.fullmatch(phone):
            problems.append(_("số điện thoại “%(text)s” không hợp lệ.", text=imports.shown(phone)))
        for problem in problems:
            parsed.error(line, problem)
        if problems:
            continue
        key = (ward_code, team_key(team_name))
        team = teams.get(key)
        label = f"{wards[ward_code].name} · {team.name if team else team_name}"
        group = result.group(key, label)
        if team is None:
            new_teams.setdefault(key, {"ward_code": ward_code, "name": team_name, "org": org, "line": line})
        else:
            person_key = (team.id, label_key(name))
            taken[person_key] += 1
            matched = existing.get(person_key, [])
            if taken[person_key] <= len(matched):
                person = matched[taken[person_key] - 1]
                group.unchanged += 1
                if phone and person.phone != phone:
                    result.plan["phones"].append((person, phone))
                continue
        group.new += 1
        names_new[(key, label_key(name))] += 1
        result.plan["people"].append({"team": key, "name": name, "phone": phone or None})
    for (key, _name_key), count in names_new.items():
        if count > 1:
            shown_name = next(
                p["name"]
                for p in result.plan["people"]
                if p["team"] == key and label_key(p["name"]) == _name_key
            )
            result.groups[key].notes.append(
                _(
                    "%(n)d người cùng tên %(name)s: mỗi người một tên đăng nhập riêng.",
                    n=count,
                    name=shown_name,
                )
            )
    result.plan["teams"] = new_teams
    result.errors = parsed.errors
    result.groups = dict(sorted(result.groups.items(), key=lambda item: item[1].label))
    return result


def username_stem(name: str) -> str:
    """ "Nguyễn Văn An" -> "nguyenvanan": the name without diacritics, ASCII letters and digits."""
    stem = re.sub(r"[^a-z0-9]", "", fold(name))
    return stem[:USERNAME_STEM] or "tnv"


class Usernames:
    """Hands out unique usernames, stem plus the next free number: nguyenvanan1, nguyenvanan2."""

    def __init__(self):
        self.taken = set(db.session.scalars(sa.select(User.username)))
        self.next = defaultdict(lambda: 1)

    def make(self, name: str) -> str:
        stem = username_stem(name)
        n = self.next[stem]
        while f"{stem}{n}" in self.taken:
            n += 1
        username = f"{stem}{n}"
        self.taken.add(username)
        self.next[stem] = n + 1
        return username


def apply(user, result: Preview, team_kinds: dict) -> dict:
    """Create the new teams (with the organisation chosen in the preview, else the roster's, else
    the Youth Union) and the new accounts, one insert; one audit entry per team."""
    teams: dict[tuple, Team] = {}
    for key, spec in result.plan["teams"].items():
        kind = team_kinds.get(key) or spec["org"] or OrgKind.YOUTH_UNION
        teams[key] = create_team(user, spec["ward_code"], spec["name"], kind)
    if result.plan["people"]:
        known = {
            (t.ward_code, team_key(t.name)): t
            for t in db.session.scalars(
                sa.select(Team).where(Team.ward_code.in_({k[0] for k in result.groups}))
            )
        }
        teams = {**known, **teams}
    for person, phone in result.plan["phones"]:
        person.phone = phone
    usernames = Usernames()
    now = utcnow()
    rows = [
        {
            "username": usernames.make(p["name"]),
            "display_name": p["name"],
            "role": Role.VOLUNTEER,
            "team_id": teams[p["team"]].id,
            "phone": p["phone"],
            "password_hash": None,
            "created_at": now,
        }
        for p in result.plan["people"]
    ]
    if rows:
        db.session.execute(sa.insert(User), rows)
    per_team = Counter(r["team_id"] for r in rows)
    ward_of = {t.id: t.ward_code for t in teams.values()}
    db.session.add_all(
        audit.entry(
            user,
            "roster.import",
            "team",
            team_id,
            ward_code=ward_of[team_id],
            after={"created": count},
            at=now,
        )
        for team_id, count in per_team.items()
    )
    db.session.flush()
    return {"teams": len(result.plan["teams"]), "people": len(rows), **result.totals()}
