"""A demo campaign in Cần Thơ (which since 2025 includes the former Hậu Giang).

Real wards from vietnam-provinces; hamlets, teams, users and three weeks of visits made up,
deterministically from a seed, so every screen has something real to show.
"""

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from campaign.areas.models import Hamlet, HamletKind, Household, Province, Ward
from campaign.auth.models import Role, User
from campaign.campaigns.models import Campaign, CampaignApp, OrgKind, Team, TeamHamlet
from campaign.coverage import recount
from campaign.coverage.models import OfficialCount
from campaign.extensions import db
from campaign.i18n import VN_TZ
from campaign.visits.hashing import content_hash
from campaign.visits.models import Outcome, ReviewStatus, SiteKind, Visit, VisitInstall

DEMO_CAMPAIGN_NAME = "Cài đặt Bluezone – Cần Thơ"
DEMO_NATIONAL_NAME = "Bluezone toàn quốc – số chính thức"
CAN_THO = 92
# (ward code, number of hamlets); Vị Thanh was Hậu Giang's provincial capital.
DEMO_WARDS = [(31135, 7), (31120, 6), (31168, 6), (31321, 7), (31441, 6)]
TEAM_KINDS = [
    ("Đội thanh niên tình nguyện", OrgKind.YOUTH_UNION),
    ("Chi hội Phụ nữ", OrgKind.WOMENS_UNION),
]


def demo_exists() -> bool:
    return db.session.scalar(sa.select(Campaign.id).where(Campaign.name == DEMO_CAMPAIGN_NAME)) is not None


def set_demo_passwords(password: str) -> list[User]:
    """Give every demo user this password (one hash, shared: hashing is slow by design)."""
    users = db.session.scalars(sa.select(User).where(User.username.in_(_demo_usernames()))).all()
    probe = User()
    probe.set_password(password)
    for user in users:
        user.password_hash = probe.password_hash
        user.session_version += 1
    order = [Role.ADMIN, Role.COORDINATOR, Role.LEAD, Role.VOLUNTEER]
    return sorted(users, key=lambda u: (order.index(u.role), len(u.username), u.username))


def _demo_usernames() -> list[str]:
    names = ["admin", "coordinator", "lead"]
    names += [f"lead{i}" for i in range(2, len(DEMO_WARDS) + 1)]
    names += [f"tnv{i}" for i in range(1, 2 * len(DEMO_WARDS) * 2 + 1)]
    return names


def build_demo(seed: int = 2020, now: datetime | None = None, days: int = 21) -> Campaign:
    """Create the demo campaign and everything around it, up to `now` (the clock by default).
    The caller commits.

    Users get no usable password here: call `set_demo_passwords` afterwards.
    """
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).astimezone(VN_TZ)
    today = now.date()
    campaign = Campaign(
        name=DEMO_CAMPAIGN_NAME,
        province_code=CAN_THO,
        start_date=today - timedelta(days=days - 1),
        deadline=today + timedelta(days=14),
        target_rate=0.30,
    )
    campaign.apps = [
        CampaignApp(code="bluezone", name="Bluezone", position=0),
        CampaignApp(code="ncovi", name="NCOVI", position=1),
    ]
    db.session.add(campaign)

    _add_user(username="admin", display_name="Quản trị hệ thống", role=Role.ADMIN)
    _add_user(
        username="coordinator",
        display_name="Điều phối Tỉnh đoàn Cần Thơ",
        role=Role.COORDINATOR,
        province_code=CAN_THO,
    )
    teams: list[tuple[Team, list[Hamlet]]] = []
    volunteer_number = 0
    for ward_index, (ward_code, hamlet_count) in enumerate(DEMO_WARDS):
        ward = db.session.get(Ward, ward_code)
        rural = ward.division_type == "xã"
        hamlets = []
        for n in range(1, hamlet_count + 1):
            households = rng.randint(260, 520)
            hamlets.append(
                Hamlet(
                    ward_code=ward_code,
                    name=f"Ấp {n}" if rural else f"Khu vực {n}",
                    kind=HamletKind.AP if rural else HamletKind.KHU_PHO,
                    households=households,
                    population=int(households * rng.uniform(3.4, 4.1)),
                    lat=10.03 + ward_index * 0.05 + n * 0.004,
                    lon=105.77 - ward_index * 0.06 + n * 0.004,
                )
            )
        db.session.add_all(hamlets)
        lead_name = "lead" if ward_index == 0 else f"lead{ward_index + 1}"
        _add_user(
            username=lead_name,
            display_name=f"Bí thư Đoàn {ward.name}",
            role=Role.LEAD,
            ward_code=ward_code,
        )
        for kind_index, (team_name, org_kind) in enumerate(TEAM_KINDS):
            team = Team(ward_code=ward_code, name=team_name, org_kind=org_kind)
            db.session.add(team)
            team_hamlets = hamlets[kind_index::2]
            teams.append((team, team_hamlets))
            for _ in range(2):
                volunteer_number += 1
                _add_user(
                    username=f"tnv{volunteer_number}",
                    display_name=f"Tình nguyện viên {volunteer_number}",
                    role=Role.VOLUNTEER,
                    team=team,
                )
    db.session.flush()
    for team, hamlets in teams:
        for hamlet in hamlets:
            db.session.add(TeamHamlet(campaign_id=campaign.id, team_id=team.id, hamlet_id=hamlet.id))
    db.session.flush()
    _make_visits(rng, campaign, teams, now, days)
    recount.rebuild(campaign.id)
    _build_national(rng, today)
    return campaign


NATIONAL_WEEKS = 4


def _build_national(rng: random.Random, today: date) -> Campaign:
    """A national campaign ranked on Bluezone's official counts: every province a figure a day
    for four weeks, most between 5 and 40 %, a few climbing fast. Cần Thơ's population is its
    hamlets' (its door-to-door data stays as it is); the others get an official population."""
    days = NATIONAL_WEEKS * 7
    campaign = Campaign(
        name=DEMO_NATIONAL_NAME,
        province_code=None,
        start_date=today - timedelta(days=days - 1),
        deadline=today + timedelta(days=14),
        target_rate=0.30,
        ranking_app_code="bluezone",
    )
    campaign.apps = [CampaignApp(code="bluezone", name="Bluezone", position=0)]
    db.session.add(campaign)
    cantho_population = db.session.scalar(
        sa.select(sa.func.sum(Hamlet.population)).join(Ward).where(Ward.province_code == CAN_THO)
    )
    for province in db.session.scalars(sa.select(Province).order_by(Province.code)):
        if province.code == CAN_THO:
            population = int(cantho_population or 0)
            start, weekly = 0.08, 0.045  # climbs past the provinces that move slowly
        else:
            population = province.population_official or rng.randint(800_000, 9_000_000)
            province.population_official = population
            fast = rng.random() < 0.12
            start, weekly = (
                rng.uniform(0.05, 0.30),
                rng.uniform(0.05, 0.09) if fast else rng.uniform(0.0, 0.025),
            )
        for back in range(days - 1, -1, -1):
            rate = min(0.95, start + weekly * (days - 1 - back) / 7)
            db.session.add(
                OfficialCount(
                    level="province",
                    code=province.code,
                    day=today - timedelta(days=back),
                    app_code="bluezone",
                    users=int(population * rate),
                )
            )
    db.session.flush()
    return campaign


def _add_user(**fields) -> User:
    """A demo user with no usable password yet; `set_demo_passwords` gives every one the same."""
    user = User(password_hash="!", **fields)
    db.session.add(user)
    return user


OUTCOME_WEIGHTS = [
    (Outcome.INSTALLED, 46),
    (Outcome.ALREADY_INSTALLED, 14),
    (Outcome.REFUSED, 7),
    (Outcome.NOT_HOME, 17),
    (Outcome.NO_SMARTPHONE, 8),
    (Outcome.COME_BACK_LATER, 8),
]
SITE_KINDS = [SiteKind.SCHOOL, SiteKind.MARKET, SiteKind.BUSINESS, SiteKind.TRANSIT_HUB]


def _make_visits(rng, campaign: Campaign, teams, now: datetime, days: int) -> None:
    """Visits by each volunteer on most days, rising as the campaign picks up pace; today's
    round stops at `now`."""
    today = now.date()
    apps = campaign.apps
    # Rows point at each other by position in these lists; the database assigns the ids (explicit
    # ids would leave PostgreSQL's sequences behind, and the next visit logged would collide).
    visit_rows, install_rows, household_rows = [], [], []
    households: dict[tuple[int, str], int] = {}  # (hamlet_id, label) -> position in household_rows
    received = now.astimezone(UTC)
    for team, hamlets in teams:
        for volunteer in team.members:
            street = {h.id: 1 for h in hamlets}
            revisit: list[tuple[Hamlet, str]] = []
            for offset in range(days):
                day = today - timedelta(days=days - 1 - offset)
                if rng.random() < 0.15:
                    continue  # a day off
                count = rng.randint(3, 9) + offset // 3
                moment = datetime.combine(day, time(8, rng.randint(0, 30)), VN_TZ)
                for _ in range(count):
                    moment += timedelta(minutes=rng.randint(4, 14))
                    if moment > now:
                        break  # no visit is logged ahead of the clock (the demo run at 08:05)
                    if revisit and rng.random() < 0.3:
                        hamlet, label = revisit.pop(0)
                        site_kind = SiteKind.HOUSEHOLD
                    elif rng.random() < 0.03:
                        hamlet = rng.choice(hamlets)
                        site_kind = rng.choice(SITE_KINDS)
                        label = f"{_site_label(site_kind)} {hamlet.name}"
                    else:
                        hamlet = rng.choice(hamlets)
                        label = f"Số {street[hamlet.id]}"
                        street[hamlet.id] += 1
                        site_kind = SiteKind.HOUSEHOLD
                    outcome = rng.choices([o for o, _ in OUTCOME_WEIGHTS], [w for _, w in OUTCOME_WEIGHTS])[0]
                    if outcome in (Outcome.NOT_HOME, Outcome.COME_BACK_LATER):
                        revisit.append((hamlet, label))
                    key = (hamlet.id, label)
                    if key not in households:
                        households[key] = len(household_rows)
                        household_rows.append({"hamlet_id": hamlet.id, "label": label})
                    counts = _counts(rng, outcome, site_kind, apps)
                    payload = {
                        "campaign_id": campaign.id,
                        "hamlet_id": hamlet.id,
                        "household": label,
                        "site_kind": site_kind.value,
                        "outcome": outcome.value,
                        **{k: counts[k] for k in ("residents", "smartphones", "already_installed")},
                        "installs": counts["installs"],
                        "visited_at": moment.astimezone(UTC).isoformat(),
                    }
                    visit_rows.append(
                        {
                            "client_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                            "campaign_id": campaign.id,
                            "hamlet_id": hamlet.id,
                            "household_id": households[key],  # a position until inserted
                            "volunteer_id": volunteer.id,
                            "team_id": volunteer.team_id,
                            "site_kind": site_kind,
                            "outcome": outcome,
                            "residents": counts["residents"],
                            "smartphones": counts["smartphones"],
                            "already_installed": counts["already_installed"],
                            "installs_total": sum(counts["installs"].values()),
                            "visited_at": moment,
                            "received_at": min(received, moment + timedelta(minutes=rng.randint(1, 240))),
                            "content_hash": content_hash(payload),
                            "review_status": ReviewStatus.APPROVED
                            if day < today - timedelta(days=3)
                            else ReviewStatus.PENDING,
                        }
                    )
                    for app in apps:
                        if counts["installs"].get(app.code):
                            install_rows.append(
                                {
                                    "visit_id": len(visit_rows) - 1,  # a position until inserted
                                    "app_id": app.id,
                                    "count": counts["installs"][app.code],
                                }
                            )
    household_ids = _insert_returning_ids(Household, household_rows)
    for row in visit_rows:
        row["household_id"] = household_ids[row["household_id"]]
    visit_ids = _insert_returning_ids(Visit, visit_rows)
    for row in install_rows:
        row["visit_id"] = visit_ids[row["visit_id"]]
    if install_rows:
        db.session.execute(sa.insert(VisitInstall), install_rows)
    db.session.flush()


def _insert_returning_ids(model, rows: list[dict]) -> list[int]:
    """Insert the rows; their new ids, in the rows' order."""
    if not rows:
        return []
    statement = sa.insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(db.session.scalars(statement, rows))


def _site_label(kind: SiteKind) -> str:
    return {
        SiteKind.SCHOOL: "Trường THCS",
        SiteKind.MARKET: "Chợ",
        SiteKind.BUSINESS: "Nhà hàng",
        SiteKind.TRANSIT_HUB: "Bến xe",
    }[kind]


def _counts(rng, outcome: Outcome, site_kind: SiteKind, apps) -> dict:
    residents = (
        rng.randint(25, 120)
        if site_kind != SiteKind.HOUSEHOLD
        else rng.choices([1, 2, 3, 4, 5, 6, 7], [5, 15, 22, 27, 17, 9, 5])[0]
    )
    if outcome in (Outcome.NOT_HOME, Outcome.COME_BACK_LATER):
        return {"residents": 0, "smartphones": 0, "already_installed": 0, "installs": {}}
    if outcome == Outcome.NO_SMARTPHONE:
        return {"residents": residents, "smartphones": 0, "already_installed": 0, "installs": {}}
    smartphones = max(1, min(residents, round(residents * rng.uniform(0.5, 0.95))))
    already = (
        rng.randint(0, smartphones // 2)
        if outcome != Outcome.ALREADY_INSTALLED
        else rng.randint(1, smartphones)
    )
    installs: dict[str, int] = {}
    if outcome == Outcome.INSTALLED:
        already = min(already, smartphones - 1)
        room = smartphones - already
        first = rng.randint(1, room)
        installs[apps[0].code] = first
        if len(apps) > 1 and rng.random() < 0.25:
            installs[apps[1].code] = rng.randint(0, room - first)
    return {
        "residents": residents,
        "smartphones": smartphones,
        "already_installed": already,
        "installs": installs,
    }
