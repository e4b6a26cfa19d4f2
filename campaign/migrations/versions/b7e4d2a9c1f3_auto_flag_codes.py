"""The automatic checks' reasons as codes and parameters, translated when shown

Until now each reason was stored as a Vietnamese sentence (in auto_flags, one a line, and joined
in review_reason), so an English page showed it in Vietnamese. Each sentence becomes
{"code": ..., "params": {...}}; one this migration cannot read stays as {"code": "text"}. A
review_reason that only repeated the sentences is cleared: the page now derives it.

Revision ID: b7e4d2a9c1f3
Revises: b7d41e9a5c20
Create Date: 2026-12-01 14:30:00

"""

import re

import sqlalchemy as sa
from alembic import op

revision = "b7e4d2a9c1f3"
down_revision = "b7d41e9a5c20"
branch_labels = None
depends_on = None

NUMBER = r"(\d{1,3}(?:\.\d{3})*)"  # Vietnamese digit groups: 2.224
PATTERNS = {
    "gps_far": (
        re.compile(rf"^Vị trí GPS cách trung tâm (?P<hamlet>.+) (?P<distance>{NUMBER}) m \(giới hạn (?P<limit>{NUMBER}) m\)\.$"),
        "Vị trí GPS cách trung tâm {hamlet} {distance} m (giới hạn {limit} m).",
    ),
    "burst": (
        re.compile(
            rf"^(?P<count>{NUMBER}) lượt thăm trong (?P<minutes>{NUMBER}) phút \(tối đa (?P<limit>{NUMBER})\): "
            r"quá nhanh để gõ cửa từng nhà\.$"
        ),
        "{count} lượt thăm trong {minutes} phút (tối đa {limit}): quá nhanh để gõ cửa từng nhà.",
    ),
    "same_day": (
        re.compile(r"^Hộ này đã được tình nguyện viên khác ghi trong cùng ngày \(lượt #(?P<id>\d+)\)\.$"),
        "Hộ này đã được tình nguyện viên khác ghi trong cùng ngày (lượt #{id}).",
    ),
    "residents": (
        re.compile(rf"^Số người trong hộ \((?P<count>{NUMBER})\) vượt mức hợp lý \((?P<limit>{NUMBER})\)\.$"),
        "Số người trong hộ ({count}) vượt mức hợp lý ({limit}).",
    ),
}


def to_code(sentence: str) -> dict:
    for code, (pattern, _template) in PATTERNS.items():
        match = pattern.match(sentence)
        if match:
            params = {
                name: value if name == "hamlet" else int(value.replace(".", ""))
                for name, value in match.groupdict().items()
            }
            return {"code": code, "params": params}
    return {"code": "text", "params": {"text": sentence}}


def to_sentence(flag: dict) -> str:
    params = flag.get("params") or {}
    if flag.get("code") not in PATTERNS:
        return str(params.get("text", flag.get("code")))
    shown = {k: v if k in ("hamlet", "id") else f"{v:,}".replace(",", ".") for k, v in params.items()}
    return PATTERNS[flag["code"]][1].format(**shown)


def _visits(flags_type):
    return sa.table(
        "visit",
        sa.column("id", sa.Integer),
        sa.column("auto_flags", sa.String),
        sa.column("review_reason", sa.String),
        sa.column("flags_new", flags_type),
    )


def upgrade():
    with op.batch_alter_table("visit") as batch:
        batch.add_column(sa.Column("flags_new", sa.JSON(none_as_null=True), nullable=True))
    visit = _visits(sa.JSON(none_as_null=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(visit.c.id, visit.c.auto_flags, visit.c.review_reason).where(visit.c.auto_flags.is_not(None))
    ).all()
    for visit_id, text, reason in rows:
        sentences = [line for line in text.split("\n") if line.strip()]
        values = {"flags_new": [to_code(s) for s in sentences] or None}
        if reason is not None and reason == " ".join(sentences)[:300]:
            values["review_reason"] = None  # it only repeated the checks' sentences
        connection.execute(sa.update(visit).where(visit.c.id == visit_id).values(**values))
    with op.batch_alter_table("visit") as batch:
        batch.drop_column("auto_flags")
    with op.batch_alter_table("visit") as batch:
        batch.alter_column("flags_new", new_column_name="auto_flags", existing_type=sa.JSON(none_as_null=True))


def downgrade():
    with op.batch_alter_table("visit") as batch:
        batch.alter_column("auto_flags", new_column_name="flags_new", existing_type=sa.JSON(none_as_null=True))
    with op.batch_alter_table("visit") as batch:
        batch.add_column(sa.Column("auto_flags", sa.String(500), nullable=True))
    visit = sa.table(
        "visit",
        sa.column("id", sa.Integer),
        sa.column("auto_flags", sa.String),
        sa.column("review_reason", sa.String),
        sa.column("review_status", sa.String),
        sa.column("flags_new", sa.JSON(none_as_null=True)),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(visit.c.id, visit.c.flags_new, visit.c.review_reason, visit.c.review_status).where(
            visit.c.flags_new.is_not(None)
        )
    ).all()
    for visit_id, flags, reason, status in rows:
        sentences = [to_sentence(flag) for flag in flags or ()]
        values = {"auto_flags": "\n".join(sentences)[:500] or None}
        if reason is None and status == "flagged" and sentences:
            values["review_reason"] = " ".join(sentences)[:300]
        connection.execute(sa.update(visit).where(visit.c.id == visit_id).values(**values))
    with op.batch_alter_table("visit") as batch:
        batch.drop_column("flags_new")
