"""One area's numbers: its counters as of a day, the rates, shares and pace derived from them,
and the ranking of sibling areas on the campaign's basis (found or official users)."""

from collections import namedtuple
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from campaign.campaigns.models import Campaign
from campaign.coverage.models import OUTCOME_COLUMNS

PACE_DAYS = 7
# The counters read from HamletTotal (minus the HamletDay rows after D) ...
STORED = ("visits", "households_reached", "already_installed", "installs", *OUTCOME_COLUMNS.values())
ALREADY_AT, INSTALLS_AT = STORED.index("already_installed"), STORED.index("installs")
# ... and the ones read from the recent HamletDay rows.
RECENT = (
    "known_since",  # known users at the earlier date
    "gained_window",  # known users gained over the pace window
    "installs_window",  # installs over the pace window
)


class Counters(namedtuple("Counters", STORED + RECENT, defaults=(0,) * len(STORED + RECENT))):
    """A hamlet's or an area's counters as of a day. Areas add up their hamlets' field by field."""

    __slots__ = ()

    @classmethod
    def total(cls, parts) -> "Counters":
        parts = list(parts)
        return cls._make(map(sum, zip(*parts, strict=True))) if parts else cls()


@dataclass
class Numbers:
    """One area's counters and the figures derived from them."""

    level: str
    code: int | str
    name: str
    population: int = 0
    households: int = 0
    households_reached: int = 0
    visits: int = 0
    already_installed: int = 0
    installs: int = 0
    known_since: int = 0
    gained_window: int = 0
    installs_window: int = 0
    outcomes: dict = field(default_factory=lambda: dict.fromkeys(OUTCOME_COLUMNS, 0))
    installs_by_app: dict = field(default_factory=dict)
    rank: int | None = None
    rank_since: int | None = None
    ranked_count: int = 0
    counters: Counters = field(default_factory=Counters, repr=False)
    # The Ministry's count of the campaign's official app as of D, at the earlier date, and the day
    # before the pace window (None: no figure); `basis` is what ranking, target and pace use.
    official_users: int | None = None
    official_since: int | None = None
    official_before_window: int | None = None
    basis: str = "found"  # or "official"

    def count(self, counters: Counters) -> None:
        self.counters = counters
        self.visits = counters.visits
        self.households_reached = counters.households_reached
        self.already_installed = counters.already_installed
        self.installs = counters.installs
        self.known_since = counters.known_since
        self.gained_window = counters.gained_window
        self.installs_window = counters.installs_window
        self.outcomes = {name: getattr(counters, column) for name, column in OUTCOME_COLUMNS.items()}

    def add_installs(self, by_app: dict[int, int]) -> None:
        for app_id, installs in by_app.items():
            self.installs_by_app[app_id] = self.installs_by_app.get(app_id, 0) + installs

    @property
    def known_users(self) -> int:
        return self.already_installed + self.installs

    @property
    def user_rate(self) -> float | None:
        return self.known_users / self.population if self.population else None

    @property
    def official_rate(self) -> float | None:
        if not self.population or self.official_users is None:
            return None
        return self.official_users / self.population

    @property
    def found_share(self) -> float | None:
        """The share of the official users that volunteers found."""
        return self.known_users / self.official_users if self.official_users else None

    @property
    def basis_users(self) -> int | None:
        """The users the ranking, target and pace count: found, or official (None: no figure)."""
        return self.official_users if self.basis == "official" else self.known_users

    @property
    def basis_rate(self) -> float | None:
        return self.official_rate if self.basis == "official" else self.user_rate

    @property
    def basis_gained_window(self) -> int:
        if self.basis != "official":
            return self.gained_window
        if self.official_users is None:
            return 0
        return self.official_users - (self.official_before_window or 0)

    @property
    def exact_rate(self) -> Fraction | None:
        users = self.basis_users
        return Fraction(users, self.population) if self.population and users is not None else None

    @property
    def exact_rate_since(self) -> Fraction | None:
        users = self.official_since if self.basis == "official" else self.known_since
        return Fraction(users, self.population) if self.population and users is not None else None

    @property
    def households_reached_rate(self) -> float | None:
        return self.households_reached / self.households if self.households else None

    @property
    def rank_change(self) -> int | None:
        if self.rank is None or self.rank_since is None:
            return None
        return self.rank_since - self.rank


def official_app_code(campaign: Campaign) -> str | None:
    """The app whose official counts the pages show: the ranking's, else the campaign's first."""
    if campaign.ranking_app_code:
        return campaign.ranking_app_code
    return campaign.apps[0].code if campaign.apps else None


def window_start(campaign: Campaign, as_of: date) -> date:
    """The first day of the pace window ending on D (not before the campaign's start)."""
    return max(as_of - timedelta(days=PACE_DAYS - 1), campaign.start_date)


def rank(units: list[Numbers]) -> None:
    """Competition ranking by the basis rate at D and at the earlier date. A unit without a figure
    on the basis (population 0, or no official count) is unranked: "no figure", never ranked on
    the other basis."""
    for attribute, rate in (("rank", "exact_rate"), ("rank_since", "exact_rate_since")):
        keyed = []
        for unit in units:
            value = getattr(unit, rate)
            if value is None:
                setattr(unit, attribute, None)
            else:
                # The float first: it orders like the exact rate (a < b gives float(a) <= float(b)),
                # and only rates with the same float are compared exactly, which is slow.
                keyed.append(((float(value), value), unit))
        keyed.sort(key=lambda pair: pair[0], reverse=True)
        previous, rank_of_previous = None, 0
        for position, (key, unit) in enumerate(keyed, start=1):
            if key != previous:
                previous, rank_of_previous = key, position
            setattr(unit, attribute, rank_of_previous)
    count = sum(1 for u in units if u.rank is not None)
    for unit in units:
        unit.ranked_count = count
