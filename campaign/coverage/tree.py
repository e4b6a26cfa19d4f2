"""The area tree: country, provinces, wards, hamlets; finding an area by its code, and the SQL that
restricts a query to the hamlets of an area inside a campaign."""

from dataclasses import dataclass

import sqlalchemy as sa

from campaign.areas.models import Hamlet, Province, Ward
from campaign.campaigns.models import Campaign
from campaign.extensions import db
from campaign.numbers import whole_number
from campaign.types import MAX_ID

LEVELS = ("country", "province", "ward", "hamlet")
CHILD_LEVEL = {"country": "province", "province": "ward", "ward": "hamlet"}
COUNTRY_CODE = "vn"


class AreaNotFound(LookupError):
    pass


@dataclass
class Area:
    level: str
    code: int | str
    name: str
    parent: "Area | None" = None
    # The province (for scope checks) and the object itself when it is a row.
    province_code: int | None = None
    ward_code: int | None = None
    row: object = None

    @property
    def chain(self) -> list["Area"]:
        """From the country down to this area."""
        chain, area = [], self
        while area is not None:
            chain.append(area)
            area = area.parent
        return chain[::-1]

    def holds(self, province_code: int, ward_code: int, hamlet_id: int | None = None) -> bool:
        """Whether a hamlet (or, without `hamlet_id`, a ward) lies inside this area."""
        return (
            self.level == "country"
            or (self.level == "province" and province_code == self.code)
            or (self.level == "ward" and ward_code == self.code)
            or (self.level == "hamlet" and hamlet_id == self.code)
        )


def country_area() -> Area:
    return Area("country", COUNTRY_CODE, "Việt Nam")


def find_area(level: str, code) -> Area:
    """The area named by a level and its code (`vn`, a province or ward code, a hamlet id)."""
    if level == "country":
        if str(code).lower() != COUNTRY_CODE:
            raise AreaNotFound(level)
        return country_area()
    if level not in LEVELS:
        raise AreaNotFound(level)
    try:  # codes and ids are 32-bit: "１２" or 25 digits name no area (and would overflow SQLite)
        number = whole_number(str(code), MAX_ID)
    except ValueError:
        raise AreaNotFound(level) from None
    if level == "province":
        province = db.session.get(Province, number)
        if province is None:
            raise AreaNotFound(level)
        return Area("province", province.code, province.name, country_area(), province.code, None, province)
    if level == "ward":
        ward = db.session.get(Ward, number)
        if ward is None:
            raise AreaNotFound(level)
        parent = find_area("province", ward.province_code)
        return Area("ward", ward.code, ward.name, parent, ward.province_code, ward.code, ward)
    hamlet = db.session.get(Hamlet, number)
    if hamlet is None:
        raise AreaNotFound(level)
    parent = find_area("ward", hamlet.ward_code)
    return Area("hamlet", hamlet.id, hamlet.name, parent, parent.province_code, hamlet.ward_code, hamlet)


def in_campaign(campaign: Campaign, area: Area) -> bool:
    """A provincial campaign covers its province only; a national one everything."""
    return (
        campaign.province_code is None
        or area.level == "country"
        or area.province_code == campaign.province_code
    )


def hamlet_condition(campaign: Campaign, scope: Area):
    """A function that turns a summary table's hamlet_id column into a WHERE clause for the hamlets
    of `scope`, or None when the campaign's own rows are exactly those (the country, or a
    provincial campaign's province)."""
    if scope.level == "country" or (scope.level == "province" and campaign.province_code == scope.code):
        return None
    if scope.level == "hamlet":
        return lambda column: column == scope.code
    hamlets = sa.select(Hamlet.id)
    if scope.level == "ward":
        hamlets = hamlets.where(Hamlet.ward_code == scope.code)
    else:
        hamlets = hamlets.join(Ward, Ward.code == Hamlet.ward_code).where(Ward.province_code == scope.code)
    return lambda column: column.in_(hamlets)


def within(query: sa.Select, campaign: Campaign, area: Area, *, wards: bool = False) -> sa.Select:
    """Restrict a query joined to Hamlet and Ward to the hamlets of an area inside the campaign;
    with `wards`, a query on Ward alone to the wards of the area (none inside a hamlet)."""
    if campaign.province_code is not None:
        query = query.where(Ward.province_code == campaign.province_code)
    if area.level == "province":
        query = query.where(Ward.province_code == area.code)
    elif area.level == "ward":
        query = query.where((Ward.code if wards else Hamlet.ward_code) == area.code)
    elif area.level == "hamlet":
        query = query.where(sa.false() if wards else Hamlet.id == area.code)
    return query


def names(level: str, keys) -> dict:
    """{code: name} of these units of a level."""
    keys = list(keys)
    if level == "country":
        return {COUNTRY_CODE: "Việt Nam"}
    if not keys:
        return {}
    model, column = {
        "hamlet": (Hamlet, Hamlet.id),
        "ward": (Ward, Ward.code),
        "province": (Province, Province.code),
    }[level]
    return dict(db.session.execute(sa.select(column, model.name).where(column.in_(keys))).tuples().all())
