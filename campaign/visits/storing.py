"""Writing what `intake.read_batch` left to write: households, visits, installs, the summary, the
automatic checks, the conflicting resends. Flushes; the caller commits the whole batch at once."""

from collections import defaultdict

from campaign.areas.models import label_key
from campaign.coverage import totals
from campaign.extensions import db
from campaign.review.checks import run_automatic_checks
from campaign.visits import sql
from campaign.visits.intake import CREATED, INVALID, Batch, existing_visits, settle_resend
from campaign.visits.models import NewVisit, VisitConflict


def write_batch(batch: Batch) -> list[dict]:
    """Store the batch's new visits and conflicts; the results, in item order. Without anything
    to write (a batch of duplicates or of invalid items) it sends no statement at all."""
    if not batch.writes:
        return batch.results
    inserted = _store_new(list(batch.new.values()), batch.now) if batch.new else set()
    for index, v in batch.new.items():
        if v.client_id in inserted:
            batch.results[index].update(status=CREATED, errors={})

    # Repeats inside this batch, and a client_id that another request stored since the read.
    pending = [
        index
        for index, v in enumerate(batch.parsed)
        if v is not None and batch.results[index]["status"] == INVALID and not batch.results[index]["errors"]
    ]
    if pending:
        stored = existing_visits({batch.parsed[index].client_id for index in pending})
        for index in pending:
            row = stored.get(batch.parsed[index].client_id)
            if row is None:  # cannot happen: a pending item names a stored visit
                batch.results[index]["errors"] = {"client_id": [batch.rules.m["client_id"]]}
            else:
                settle_resend(batch, index, row)
    for index, visit_id in batch.conflicts.items():
        item = batch.items[index]
        db.session.add(
            VisitConflict(
                visit_id=visit_id,
                volunteer_id=batch.user.id,
                received_at=batch.now,
                payload=item if isinstance(item, dict) else {"value": item},
            )
        )
    db.session.flush()
    return batch.results


def household_ids(pairs: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """Find or create the households named (hamlet_id, label); safe against a concurrent insert.
    Labels with one `label_key` are one household, stored with the label first seen."""
    keys = {(h, label): (h, label_key(label)) for h, label in sorted(pairs)}
    first = {}
    for (_hamlet, label), key in keys.items():
        first.setdefault(key, label)
    db.session.execute(
        sql.INSERT_HOUSEHOLDS,
        [
            {"hamlet_id": h, "label": label, "label_key": key, "listed": False}
            for (h, key), label in first.items()
        ],
    )
    # Locked (on PostgreSQL) until the visits and the summary are written: see totals.lock_households.
    found = db.session.execute(sql.HOUSEHOLDS_FOR_UPDATE, {"keys": sorted(first)}).all()
    ids = {(row.hamlet_id, row.label_key): row.id for row in found}
    return {pair: ids[key] for pair, key in keys.items()}


def _store_new(new: list[NewVisit], now) -> set[str]:
    """Insert the new visits campaign by campaign, add them to the summary, run the automatic checks."""
    households = household_ids({(v.hamlet_id, v.household) for v in new})
    by_campaign = defaultdict(list)
    for v in new:
        v.household_id = households[(v.hamlet_id, v.household)]
        by_campaign[v.campaign_id].append(v)
    inserted: set[str] = set()
    for campaign_id, visits in sorted(by_campaign.items()):
        # In client_id order, so that two resends of one batch lock the same keys in the same order.
        visits.sort(key=lambda v: v.client_id)
        created = {}
        for start in range(0, len(visits), sql.VISIT_INSERT_ROWS):
            chunk = visits[start : start + sql.VISIT_INSERT_ROWS]
            created.update(
                db.session.execute(sql.insert_visits(len(chunk)), sql.visit_params(chunk, now)).all()
            )
        stored = [v for v in visits if v.client_id in created]
        if not stored:
            continue
        apps = {a.code: a.id for a in visits[0].campaign.apps}
        installs = []
        for v in stored:
            v.id = created[v.client_id]
            installs.extend(
                {"visit_id": v.id, "app_id": apps[code], "count": n} for code, n in v.installs.items()
            )
        if installs:
            db.session.execute(sql.INSERT_INSTALLS, installs)
        totals.record_new(campaign_id, stored, installs)
        run_automatic_checks(stored)
        inserted.update(created)
    return inserted
