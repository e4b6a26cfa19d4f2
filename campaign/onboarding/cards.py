"""Printable join cards: name, team, username, a QR code of the join link and the short code.

Printing mints the codes (only their hashes are kept, so a card cannot be printed twice): printing
again reissues them and voids the earlier cards.
"""

from dataclasses import dataclass

import segno
import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup

from campaign.audit import entry, record
from campaign.auth import join
from campaign.auth.models import Role, User
from campaign.auth.services import end_sessions
from campaign.campaigns.models import Team
from campaign.extensions import db

CARDS_PER_PAGE = 10  # two columns of five on A4
# segno otherwise scores all 8 masks per code: 4/5 of a card's print time. A scanner reads the
# mask from the code's format bits, so any mask scans; the search only scores its patterns.
QR_MASK = 2


@dataclass
class Card:
    name: str
    team: str
    ward: str
    username: str
    code: str  # grouped, as typed
    link: str
    qr: Markup


def qr_svg(link: str) -> Markup:
    """An inline SVG (no style attribute, so the page's CSP holds), about 3 cm wide in print."""
    svg = segno.make(link, error="m", mask=QR_MASK).svg_inline(
        scale=4, border=2, omitsize=True, svgclass="qr", lineclass=None
    )
    return Markup(svg)  # segno's own markup: the link is our URL of A-Z and digits


def volunteers_query(ward_codes, team_id: int | None = None, only_not_joined: bool = False) -> sa.Select:
    """Active volunteers of these wards' teams (or one team), by team and name."""
    query = (
        sa.select(User)
        .join(Team, User.team_id == Team.id)
        .where(User.role == Role.VOLUNTEER, User.active.is_(True), Team.ward_code.in_(list(ward_codes)))
        .order_by(Team.ward_code, Team.name, User.display_name, User.id)
        .options(sa.orm.selectinload(User.team).joinedload(Team.ward))  # the card shows both
    )
    if team_id is not None:
        query = query.where(User.team_id == team_id)
    if only_not_joined:
        query = query.where(User.joined_at.is_(None))
    return query


def print_cards(user, people: list[User], ward_code: int | None) -> list[Card]:
    """Mint a code for each person (voiding any earlier card) and lay out their cards."""
    codes = join.mint([p.id for p in people])
    db.session.add(
        entry(
            user,
            "cards.print",
            "ward" if ward_code else "user",
            ward_code,
            ward_code=ward_code,
            after={"cards": len(people)},
        )
    )
    return [card(p, codes[p.id]) for p in people]


def card(person: User, code: str) -> Card:
    link = url_for("onboarding.join", code=code, _external=True)
    return Card(
        name=person.display_name,
        team=person.team.name if person.team else "",
        ward=person.team.ward.name if person.team else "",
        username=person.username,
        code=join.grouped(code),
        link=link,
        qr=qr_svg(link),
    )


def reissue(user, person: User) -> Card:
    """A lost card or phone: a new code, the old one void, and the old phone signed out."""
    code = join.mint([person.id])[person.id]
    end_sessions(person)
    record(user, "user.reissue_code", person, ward_code=person.team.ward_code if person.team else None)
    db.session.flush()
    return card(person, code)


def pages(cards: list[Card]) -> list[list[Card]]:
    return [cards[i : i + CARDS_PER_PAGE] for i in range(0, len(cards), CARDS_PER_PAGE)]
