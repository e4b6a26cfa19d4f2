"""A new campaign from an earlier one: its settings, apps and team -> hamlet assignments,
after a preview. Retired hamlets are left out."""

from collections import defaultdict

import sqlalchemy as sa

from campaign.areas.models import Hamlet, Ward
from campaign.campaigns.models import Campaign, TeamHamlet
from campaign.campaigns.services import CAMPAIGN_FIELDS, save_campaign
from campaign.extensions import db


def assignments_query(source: Campaign) -> sa.Select:
    return (
        sa.select(TeamHamlet.team_id, TeamHamlet.hamlet_id, Hamlet.ward_code)
        .join(Hamlet, Hamlet.id == TeamHamlet.hamlet_id)
        .where(TeamHamlet.campaign_id == source.id, Hamlet.retired_at.is_(None))
    )


def preview(source: Campaign) -> list[dict]:
    """Per ward: how many teams and hamlets the copy will assign."""
    wards = defaultdict(lambda: {"teams": set(), "hamlets": 0})
    for team_id, _hamlet_id, ward_code in db.session.execute(assignments_query(source)):
        wards[ward_code]["teams"].add(team_id)
        wards[ward_code]["hamlets"] += 1
    rows = db.session.execute(sa.select(Ward.code, Ward.name).where(Ward.code.in_(list(wards))))
    names = {code: name for code, name in rows}
    return sorted(
        (
            {"ward": names[code], "teams": len(v["teams"]), "hamlets": v["hamlets"]}
            for code, v in wards.items()
        ),
        key=lambda row: row["ward"],
    )


def copy(user, source: Campaign, name: str, start_date, deadline) -> Campaign:
    values = {key: getattr(source, key) for key in CAMPAIGN_FIELDS}
    values.update(name=name, start_date=start_date, deadline=deadline)
    campaign = save_campaign(user, None, values, [(a.code, a.name) for a in source.apps])
    rows = [
        {"campaign_id": campaign.id, "team_id": team_id, "hamlet_id": hamlet_id}
        for team_id, hamlet_id, _ward in db.session.execute(assignments_query(source))
    ]
    if rows:
        db.session.execute(sa.insert(TeamHamlet), rows)
    db.session.flush()
    return campaign
