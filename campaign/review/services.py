"""Review of visits: review decisions, corrections, count edits and history. The filtered set
they act on is `review.queue`.

Services flush; the view or API route commits once. Every change that can move the totals runs
inside `totals.tracking`, and every change writes an audit entry.
"""

from collections import defaultdict

import sqlalchemy as sa
from flask_babel import gettext as _

from campaign import access
from campaign.audit import AuditLog, record
from campaign.auth.models import User
from campaign.campaigns.models import CampaignApp
from campaign.coverage import totals
from campaign.extensions import db
from campaign.review.queries import VisitFilter, visits_query
from campaign.types import utcnow
from campaign.visits import rules as visit_rules
from campaign.visits.models import ReviewStatus, Visit, VisitConflict, VisitInstall

ACTIONS = {
    "approve": ReviewStatus.APPROVED,
    "flag": ReviewStatus.FLAGGED,
    "reject": ReviewStatus.REJECTED,
}
# Actions that must say why: the volunteer reads the reason.
ACTIONS_NEEDING_REASON = frozenset({"flag", "reject"})
BULK_CHUNK = 500


class ReviewError(Exception):
    """A review action that cannot be done; the message is shown to the user."""


class VersionRequired(Exception):
    """A change of one visit that names no version (If-Match or `version`): 428."""


class StaleVisit(Exception):
    """The visit changed since the reviewer read it: 409, with `visit` as it is now."""

    def __init__(self, visit: "Visit"):
        super().__init__(visit.id)
        self.visit = visit


def stale_message() -> str:
    return _(
        "Người khác vừa thay đổi lượt thăm này. Đây là các giá trị hiện tại; hãy xem lại rồi thử lần nữa."
    )


class CountChanged(Exception):
    """A confirmed bulk action whose filter now selects another number of visits."""

    def __init__(self, count: int, expected: int):
        super().__init__(count)
        self.count, self.expected = count, expected

    @property
    def message(self) -> str:
        return _(
            "Bộ lọc nay khớp %(now)s lượt thăm, không còn %(then)s như lúc bạn xác nhận. Chưa có gì thay đổi.",
            now=self.count,
            then=self.expected,
        )


# --- locking: each change reads what it replaces -----------------------------------------------


def _locked(query: sa.Select) -> sa.Select:
    """The query's visits as stored now, their rows locked until the commit on PostgreSQL (a
    concurrent change waits, then its version check fails); SQLite's writing request holds the
    whole database already. The audit's "before" is read here, so it is what the change replaces."""
    return (
        query.with_for_update(of=Visit)
        .options(sa.orm.selectinload(Visit.installs).joinedload(VisitInstall.app))
        .execution_options(populate_existing=True)
    )


def lock_current(visit: Visit, version: int | None) -> Visit:
    """Re-read one visit under its row lock; it must still be the version the reviewer saw."""
    if version is None:
        raise VersionRequired()
    db.session.scalars(_locked(sa.select(Visit).where(Visit.id == visit.id))).one()
    if visit.version != version:
        raise StaleVisit(visit)
    return visit


def _lock_by_id(visit_id: int) -> Visit:
    return db.session.scalars(_locked(sa.select(Visit).where(Visit.id == visit_id))).one()


# --- review decisions ------------------------------------------------------------------------


def snapshot(visit: Visit) -> dict:
    """The reviewable state of a visit, for the audit log."""
    return {
        "review_status": visit.review_status.value,
        "review_reason": visit.review_reason,
        "superseded": visit.superseded,
        "residents": visit.residents,
        "smartphones": visit.smartphones,
        "already_installed": visit.already_installed,
        "installs": {i.app.code: i.count for i in sorted(visit.installs, key=lambda i: i.app_id)},
    }


def _ward_code(visit: Visit) -> int:
    return visit.hamlet.ward_code


def _affected_households(visits) -> set[int]:
    """Households whose totals a decision can move: the visits', and for corrections those of the
    corrected visit and of the other corrections of it."""
    ids = {visit.household_id for visit in visits}
    corrected = {visit.corrects_id for visit in visits if visit.corrects_id is not None}
    if corrected:
        ids.update(
            db.session.scalars(
                sa.select(Visit.household_id).where(
                    sa.or_(Visit.id.in_(corrected), Visit.corrects_id.in_(corrected))
                )
            )
        )
    return ids


def review(user: User, visits: list[Visit], action: str, reason: str | None = None) -> int:
    """Approve, flag or reject these visits; returns how many changed.

    Approving a correction supersedes the visit it corrects; taking the approval back restores it.
    Visits already in the asked state (with the same reason) are left alone and not audited.
    """
    status = ACTIONS[action]
    reason = (reason or "").strip() or None
    if action in ACTIONS_NEEDING_REASON and not reason:
        raise ReviewError(_("Hãy ghi lý do để tình nguyện viên biết cần sửa gì."))
    for visit in visits:
        if visit.superseded:
            raise ReviewError(
                _("Lượt thăm #%(id)s đã được thay bằng bản sửa, không duyệt lại được.", id=visit.id)
            )
    by_campaign = defaultdict(list)
    for visit in visits:
        by_campaign[visit.campaign_id].append(visit)
    changed = 0
    now = utcnow()
    for campaign_id, group in by_campaign.items():
        with totals.tracking(campaign_id, _affected_households(group)):
            for visit in group:
                new_reason = None if status == ReviewStatus.APPROVED else reason
                if visit.review_status == status and visit.review_reason == new_reason:
                    continue
                before = snapshot(visit)
                was_approved = visit.review_status == ReviewStatus.APPROVED
                visit.review_status, visit.review_reason = status, new_reason
                visit.reviewed_by_id, visit.reviewed_at = user.id, now
                record(
                    user,
                    "visit." + action,
                    visit,
                    ward_code=_ward_code(visit),
                    before=before,
                    after=snapshot(visit),
                )
                if visit.corrects_id is not None:
                    if status == ReviewStatus.APPROVED:
                        _set_superseded(user, _lock_by_id(visit.corrects_id), True)
                        # Only the latest approved correction counts: an earlier one steps aside.
                        for sibling in _approved_siblings(visit):
                            _set_superseded(user, sibling, True)
                    elif was_approved and not _has_other_approved_correction(visit):
                        _set_superseded(user, _lock_by_id(visit.corrects_id), False)
                changed += 1
    return changed


def _approved_siblings(visit: Visit) -> list[Visit]:
    """Other approved, still counting corrections of the same visit."""
    return db.session.scalars(
        _locked(sa.select(Visit)).where(
            Visit.corrects_id == visit.corrects_id,
            Visit.id != visit.id,
            Visit.review_status == ReviewStatus.APPROVED,
            Visit.superseded.is_(False),
        )
    ).all()


def _has_other_approved_correction(visit: Visit) -> bool:
    return bool(_approved_siblings(visit))


def _set_superseded(user: User, original: Visit, value: bool) -> None:
    if original.superseded == value:
        return
    before = snapshot(original)
    original.superseded = value
    action = "visit.supersede" if value else "visit.restore"
    record(user, action, original, ward_code=_ward_code(original), before=before, after=snapshot(original))


def review_visit(user: User, visit: Visit, version: int | None, action: str, reason: str | None) -> int:
    """One reviewer's decision on one visit, at the version they saw."""
    lock_current(visit, version)
    return review(user, [visit], action, reason)


def _reviewable_chunks(user: User, f: VisitFilter, *, lock: bool):
    """The filtered set in chunks, as (visits the user may review, how many they may not: their
    own, or a correction of a visit outside their reach). Locked chunks are re-read with the
    filter under the row locks, so a visit changed since the ids were read is judged as it is
    now (rejected meanwhile, it no longer matches "open") and never written from a stale read."""
    query = visits_query(user, f)
    ids = db.session.scalars(query.with_only_columns(Visit.id)).all()
    yield len(ids)
    for start in range(0, len(ids), BULK_CHUNK):
        chunk = query.where(Visit.id.in_(ids[start : start + BULK_CHUNK])).options(
            sa.orm.joinedload(Visit.hamlet), sa.orm.joinedload(Visit.volunteer)
        )
        visits = db.session.scalars(_locked(chunk) if lock else chunk).all()
        allowed = [v for v in visits if access.can_review_visit(user, v)]
        yield allowed, len(visits) - len(allowed)


def bulk_preview(user: User, f: VisitFilter) -> tuple[int, int]:
    """(matched, skipped) for the confirmation of a bulk action."""
    chunks = _reviewable_chunks(user, f, lock=False)
    matched = next(chunks)
    return matched, sum(skipped for _allowed, skipped in chunks)


def review_filtered(
    user: User, f: VisitFilter, action: str, reason: str | None = None, expected_count: int | None = None
) -> tuple[int, int, int]:
    """Apply one action to exactly the filtered set; returns (matched, changed, skipped).

    With `expected_count` (what the confirmation showed), a filter that now matches another
    number of visits changes nothing (CountChanged)."""
    if action in ACTIONS_NEEDING_REASON and not (reason or "").strip():
        raise ReviewError(_("Hãy ghi lý do để tình nguyện viên biết cần sửa gì."))
    chunks = _reviewable_chunks(user, f, lock=True)
    matched = next(chunks)
    if expected_count is not None and matched != expected_count:
        raise CountChanged(matched, expected_count)
    changed = skipped = 0
    for allowed, not_allowed in chunks:
        changed += review(user, allowed, action, reason)
        skipped += not_allowed
    return matched, changed, skipped


# --- count edits -----------------------------------------------------------------------------


def count_problems(
    residents: int, smartphones: int, already_installed: int, installs: dict[int, int]
) -> dict:
    """The logging rules for a visit's counts, as field errors (empty when fine)."""
    problems: dict[str, list[str]] = {}
    m = visit_rules.messages()
    values = {"residents": residents, "smartphones": smartphones, "already_installed": already_installed}
    for name, value in values.items():
        if value is None or value < 0:
            problems[name] = [_("Số không được âm.")]
        elif value > visit_rules.MAX_COUNT:  # the same ceiling as logging (and past it, no database integer)
            problems[name] = [m["too_big"]]
    if any(count is None or count < 0 for count in installs.values()):
        problems["installs"] = [_("Số cài mới không được âm.")]
    elif any(count > visit_rules.MAX_COUNT for count in installs.values()):
        problems["installs"] = [m["too_big"]]
    if problems:
        return problems
    return visit_rules.count_rule_errors(residents, smartphones, already_installed, sum(installs.values()), m)


def edit_counts(
    user: User,
    visit: Visit,
    version: int | None,
    residents: int,
    smartphones: int,
    already_installed: int,
    installs: dict[int, int],
) -> bool:
    """Change a visit's counts (installs keyed by CampaignApp id), at the version the reviewer
    saw. Returns False if nothing changed.

    Raises ReviewError with the field problems when the counts break the logging rules, and
    VersionRequired or StaleVisit (see `lock_current`).
    """
    app_ids = set(
        db.session.scalars(sa.select(CampaignApp.id).where(CampaignApp.campaign_id == visit.campaign_id))
    )
    if set(installs) - app_ids:
        raise ReviewError(_("Ứng dụng không thuộc chiến dịch này."))
    problems = count_problems(residents, smartphones, already_installed, installs)
    if problems:
        error = ReviewError(_("Các con số chưa hợp lệ."))
        error.fields = problems
        raise error
    lock_current(visit, version)
    before = snapshot(visit)
    wanted = {"residents": residents, "smartphones": smartphones, "already_installed": already_installed}
    stored = {i.app_id: i.count for i in visit.installs if i.count}
    merged = {a: n for a, n in {**stored, **installs}.items() if n}
    if merged == stored and all(getattr(visit, k) == n for k, n in wanted.items()):
        return False  # nothing to write: the version stays
    with totals.tracking(visit.campaign_id, [visit.household_id]):
        visit.residents, visit.smartphones, visit.already_installed = (
            residents,
            smartphones,
            already_installed,
        )
        current = {i.app_id: i for i in visit.installs}
        for app_id, count in installs.items():
            if count:
                if app_id in current:
                    current[app_id].count = count
                else:
                    visit.installs.append(VisitInstall(app_id=app_id, count=count))
            elif app_id in current:
                visit.installs.remove(current[app_id])
        visit.installs_total = sum(c for c in installs.values())
        # Moving installs between apps leaves the row's own columns alone: touch it anyway, so
        # that its version is checked and bumped like any other change.
        sa.orm.attributes.flag_modified(visit, "installs_total")
        db.session.flush()
        db.session.expire(visit, ["installs"])
        record(user, "visit.edit", visit, ward_code=_ward_code(visit), before=before, after=snapshot(visit))
    return True


# --- history ---------------------------------------------------------------------------------


def correction_chain(visit: Visit) -> list[Visit]:
    """The visit it started from, and every correction after it, oldest first."""
    root = visit
    seen = {root.id}
    while root.corrects_id is not None and root.corrects_id not in seen:
        root = db.session.get(Visit, root.corrects_id)
        seen.add(root.id)
    chain, frontier = [root], [root.id]
    while frontier:
        children = db.session.scalars(
            sa.select(Visit).where(Visit.corrects_id.in_(frontier)).order_by(Visit.id)
        ).all()
        children = [c for c in children if c.id not in {v.id for v in chain}]
        chain.extend(children)
        frontier = [c.id for c in children]
    return sorted(chain, key=lambda v: (v.received_at, v.id))


def visit_history(visit: Visit) -> dict:
    chain = correction_chain(visit)
    ids = [v.id for v in chain]
    entries = db.session.scalars(
        sa.select(AuditLog)
        .where(AuditLog.object_type == "visit", AuditLog.object_id.in_(ids))
        .order_by(AuditLog.at, AuditLog.id)
    ).all()
    conflicts = db.session.scalars(
        sa.select(VisitConflict).where(VisitConflict.visit_id.in_(ids)).order_by(VisitConflict.received_at)
    ).all()
    return {"chain": chain, "entries": entries, "conflicts": conflicts}


def ward_audit_query(ward_code: int) -> sa.Select:
    return (
        sa.select(AuditLog)
        .where(AuditLog.ward_code == ward_code)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
    )
