"""Households of a hamlet in a campaign: latest outcome, attempts, and the revisit list."""

import re

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from campaign import audit, imports
from campaign.areas.models import Hamlet, Household, label_key
from campaign.extensions import db
from campaign.i18n import local_today
from campaign.imports import Column
from campaign.review.models import Claim
from campaign.visits.models import REVISIT_OUTCOMES, Visit, counted_clause


def household_status_query(campaign_id: int, hamlet_ids) -> sa.Select:
    """One row per household of these hamlets: label, attempts, latest outcome and time.

    Households from the hamlet's list that nobody has visited yet come with 0 attempts.
    `hamlet_ids` is a list of ids or a Select of them (e.g. `access.hamlet_ids_query`).
    """
    ranked = (
        sa.select(
            Visit.household_id,
            Visit.outcome,
            Visit.visited_at,
            sa.func.count().over(partition_by=Visit.household_id).label("attempts"),
            sa.func.row_number()
            .over(partition_by=Visit.household_id, order_by=(Visit.visited_at.desc(), Visit.id.desc()))
            .label("position"),
        )
        .where(Visit.campaign_id == campaign_id, Visit.hamlet_id.in_(hamlet_ids), counted_clause())
        .subquery()
    )
    latest = sa.select(ranked).where(ranked.c.position == 1).subquery()
    return (
        sa.select(
            Household.id,
            Household.hamlet_id,
            Household.label,
            sa.func.coalesce(latest.c.attempts, 0).label("attempts"),
            latest.c.outcome.label("latest_outcome"),
            latest.c.visited_at.label("latest_at"),
        )
        .outerjoin(latest, latest.c.household_id == Household.id)
        .where(Household.hamlet_id.in_(hamlet_ids))
        .order_by(Household.hamlet_id, Household.label)
    )


def revisit_query(campaign, hamlet_ids) -> sa.Select:
    """Households to knock on again: latest visit "nobody home" or "come back later", fewer
    attempts than the campaign allows. Fewest attempts first, then the longest waiting."""
    status = household_status_query(campaign.id, hamlet_ids).subquery()
    return (
        sa.select(status)
        .where(
            status.c.latest_outcome.in_([o.value for o in REVISIT_OUTCOMES]),
            status.c.attempts < campaign.revisit_max_attempts,
        )
        .order_by(status.c.attempts, status.c.latest_at)
    )


def revisit_rows(campaign, hamlet_ids) -> list:
    return db.session.execute(revisit_query(campaign, hamlet_ids)).all()


_DIGITS = re.compile(r"([0-9]+)")


def natural_key(label: str) -> list:
    """'Số 2' before 'Số 10': ASCII digits compare as numbers ("²" passes isdigit(), not int())."""
    return [
        (0, int(part), "") if _DIGITS.fullmatch(part) else (1, 0, part.lower())
        for part in _DIGITS.split(label)
    ]


# --- the household list ----------------------------------------------------------------------

HOUSEHOLD_COLUMNS = [Column("label", ("Số nhà", "Nhãn", "Hộ", "Label", "House number", "House"))]


def import_households(user, hamlet: Hamlet, upload) -> dict:
    """Mark these labels as the hamlet's household list; all or nothing.

    Labels already known (from a visit) become listed; new ones are created. Nothing is removed.
    The hamlet's household count becomes the number of listed households.
    Returns {"errors": [...]} or counts of added and already known labels.
    """
    parsed = imports.parse(upload, HOUSEHOLD_COLUMNS)
    seen: dict[str, int] = {}
    labels = []
    for line, row in parsed.rows:
        label = " ".join(row["label"].split())
        if not label:
            parsed.error(line, _("thiếu số nhà."))
        elif len(label) > 40:
            parsed.error(line, _("số nhà dài quá 40 ký tự."))
        elif label_key(label) in seen:
            parsed.error(
                line,
                _("số nhà “%(label)s” trùng với dòng %(line)d.", label=label, line=seen[label_key(label)]),
            )
        else:
            seen[label_key(label)] = line
            labels.append(label)
    if parsed.errors:
        return {"errors": parsed.errors}

    existing = {
        h.label_key: h
        for h in db.session.scalars(sa.select(Household).where(Household.hamlet_id == hamlet.id))
    }
    added = marked = 0
    for label in labels:
        household = existing.get(label_key(label))
        if household is None:
            db.session.add(Household(hamlet_id=hamlet.id, label=label, listed=True))
            added += 1
        elif not household.listed:
            household.listed = True
            marked += 1
    db.session.flush()
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Household)
        .where(Household.hamlet_id == hamlet.id, Household.listed.is_(True))
    )
    result = {"errors": [], "added": added, "marked": marked, "listed": count}
    if added or marked or hamlet.households != count:
        before = {"households": hamlet.households}
        hamlet.households = count
        audit.record(
            user,
            "household.import",
            hamlet,
            ward_code=hamlet.ward_code,
            before=before,
            after={"households": count, "added": added, "marked": marked},
        )
        db.session.flush()
    return result


# --- claims: "I'll knock on this door today" -------------------------------------------------


class ClaimError(ValueError):
    """A claim was refused; `status` says how (404 not on the list, 409 taken)."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.status = status


def todays_claims(campaign_id: int, household_ids) -> dict[int, Claim]:
    """Today's claims (local day) on these households; yesterday's have expired."""
    rows = db.session.scalars(
        sa.select(Claim)
        .options(joinedload(Claim.volunteer))
        .where(
            Claim.campaign_id == campaign_id,
            Claim.day == local_today(),
            Claim.household_id.in_(household_ids),
        )
    )
    return {claim.household_id: claim for claim in rows}


def revisit_list(campaign, hamlet_ids) -> list[dict]:
    """The revisit list with hamlet names and today's claims, for the page and the API."""
    rows = revisit_rows(campaign, hamlet_ids)
    claims = todays_claims(campaign.id, [r.id for r in rows]) if rows else {}
    names = (
        dict(
            db.session.execute(
                sa.select(Hamlet.id, Hamlet.name).where(Hamlet.id.in_({r.hamlet_id for r in rows}))
            )
            .tuples()
            .all()
        )
        if rows
        else {}
    )
    items = []
    for row in rows:
        claim = claims.get(row.id)
        items.append(
            {
                "household_id": row.id,
                "hamlet_id": row.hamlet_id,
                "hamlet": names.get(row.hamlet_id),
                "label": row.label,
                "attempts": row.attempts,
                "latest_outcome": str(row.latest_outcome),
                "latest_at": row.latest_at,
                "claimed_by_id": claim.volunteer_id if claim else None,
                "claimed_by": claim.volunteer.display_name if claim else None,
            }
        )
    return items


def claim_household(user, campaign, household: Household) -> Claim:
    """Claim a household on the revisit list for today. Refused if someone else has it."""
    if all(row.id != household.id for row in revisit_rows(campaign, [household.hamlet_id])):
        raise ClaimError(_("Hộ này không có trong danh sách cần quay lại."), status=404)
    today = local_today()
    existing = db.session.scalar(
        sa.select(Claim).where(
            Claim.campaign_id == campaign.id, Claim.household_id == household.id, Claim.day == today
        )
    )
    if existing is not None:
        if existing.volunteer_id == user.id:
            return existing
        raise ClaimError(_("Đã nhận: %(name)s", name=existing.volunteer.display_name))
    claim = Claim(campaign_id=campaign.id, household_id=household.id, volunteer_id=user.id, day=today)
    try:
        with db.session.begin_nested():
            db.session.add(claim)
    except IntegrityError as error:  # someone claimed it a moment ago
        raise ClaimError(_("Hộ này vừa được người khác nhận.")) from error
    audit.record(
        user,
        "claim.create",
        claim,
        ward_code=household.hamlet.ward_code,
        after={"household_id": household.id, "label": household.label, "day": today.isoformat()},
    )
    return claim


def unclaim_household(user, campaign, household: Household, *, any_user: bool = False) -> bool:
    """Release today's claim (one's own, or anyone's when `any_user`). False if none."""
    query = sa.select(Claim).where(
        Claim.campaign_id == campaign.id, Claim.household_id == household.id, Claim.day == local_today()
    )
    claim = db.session.scalar(query)
    if claim is None:
        return False
    if claim.volunteer_id != user.id and not any_user:
        raise ClaimError(_("Đã nhận: %(name)s", name=claim.volunteer.display_name), status=403)
    audit.record(
        user,
        "claim.delete",
        claim,
        ward_code=household.hamlet.ward_code,
        before={
            "household_id": household.id,
            "volunteer_id": claim.volunteer_id,
            "day": claim.day.isoformat(),
        },
    )
    db.session.delete(claim)
    db.session.flush()
    return True
