"""The automatic checks' reasons are codes with parameters, put into words in the reader's language;
the migration turns the sentences stored before into the same codes."""

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, refresh
from flask_migrate import downgrade, upgrade

from campaign import create_app
from campaign.extensions import db
from campaign.vocabulary import flag_text
from tests.conftest import base_config
from tests.review_helpers import add_visit

MIGRATION = (
    Path(__file__).resolve().parent.parent / "campaign/migrations/versions/b7e4d2a9c1f3_auto_flag_codes.py"
)
spec = importlib.util.spec_from_file_location("auto_flag_codes", MIGRATION)
migration = importlib.util.module_from_spec(spec)
spec.loader.exec_module(migration)

# One of each code the checks make, with numbers past a thousand (digit groups) and a hamlet
# name with spaces, digits and brackets.
FLAGS = [
    {"code": "gps_far", "params": {"hamlet": "Khu vực 3 (cũ)", "distance": 12224, "limit": 1000}},
    {"code": "burst", "params": {"count": 1204, "minutes": 10, "limit": 3}},
    {"code": "same_day", "params": {"id": 123456}},
    {"code": "residents", "params": {"count": 21, "limit": 20}},
]


@pytest.mark.parametrize("flag", FLAGS, ids=[f["code"] for f in FLAGS])
def test_each_code_reads_back_from_the_sentence_it_was_stored_as(app, flag):
    """The migration's patterns and the page's sentences are the same words: a sentence the
    checks wrote before the codes becomes the code, and the old text comes back on the way down."""
    with app.test_request_context(), force_locale("vi"):
        sentence = flag_text(flag)
    assert migration.to_code(sentence) == flag
    assert migration.to_sentence(flag) == sentence


def test_a_sentence_the_migration_cannot_read_is_kept_word_for_word(app):
    flag = migration.to_code("Một lý do cũ không theo mẫu nào.")
    assert flag == {"code": "text", "params": {"text": "Một lý do cũ không theo mẫu nào."}}
    with app.test_request_context():
        assert flag_text(flag) == "Một lý do cũ không theo mẫu nào."


def test_an_english_page_shows_the_checks_reasons_in_english(field, db, client, auth):
    field.campaign.max_plausible_residents = 20
    db.session.commit()
    big = add_visit(field.campaign, field.hamlet, field.volunteer, residents=1500)
    db.session.commit()
    assert big.auto_flags == [{"code": "residents", "params": {"count": 1500, "limit": 20}}]
    auth.login(field.volunteer)
    vi = client.get("/visits/mine").get_data(as_text=True)
    assert "Số người trong hộ (1.500) vượt mức hợp lý (20)." in vi
    client.post("/lang/en", data={"next": "/visits/mine"})
    refresh()  # the test's app context outlives the requests: forget the locale it cached
    en = client.get("/visits/mine").get_data(as_text=True)
    assert "(1,500)" in en and "Số người trong hộ" not in en


PARENTS = ("province", "ward", "hamlet", "household", "user", "campaign")
FILLERS = {"kind": "thon", "role": "volunteer", "label_key": "1", "name": "x", "username": "x"}


def add_parents(conn) -> None:
    """Row 1 of each table a visit points at, with a plain value in every required column."""
    inspector = sa.inspect(conn)
    for table in PARENTS:
        values = {}
        for column in inspector.get_columns(table):
            if column["nullable"] and column["name"] != "code":
                continue
            kind = str(column["type"]).upper()
            if column["name"] in FILLERS:
                values[column["name"]] = FILLERS[column["name"]]
            elif "DATE" in kind:
                values[column["name"]] = "2026-08-01" if kind == "DATE" else "2026-08-01 00:00:00"
            elif "CHAR" in kind or "TEXT" in kind:
                values[column["name"]] = "x"
            elif "JSON" in kind:
                values[column["name"]] = "[]"
            else:
                values[column["name"]] = 1
        names = ", ".join(f'"{n}"' for n in values)
        conn.execute(
            sa.text(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join(":" + n for n in values)})'), values
        )


def test_the_migration_converts_stored_sentences_and_back(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'flags.sqlite3'}"))
    sentences = [
        "Số người trong hộ (1.500) vượt mức hợp lý (20).",
        "Hộ này đã được tình nguyện viên khác ghi trong cùng ngày (lượt #7).",
    ]
    with app.app_context():
        upgrade(revision="b7d41e9a5c20")
        with db.engine.connect() as conn:
            add_parents(conn)
            for visit_id, reason in ((1, " ".join(sentences)), (2, "Lý do của đội trưởng")):
                conn.execute(
                    sa.text(
                        "INSERT INTO visit (id, client_id, campaign_id, hamlet_id, household_id, volunteer_id,"
                        " site_kind, outcome, residents, smartphones, already_installed, installs_total,"
                        " visited_at, received_at, content_hash, review_status, review_reason, auto_flags,"
                        " superseded, version) VALUES (:id, :cid, 1, 1, 1, 1, 'household', 'refused', 1500, 0,"
                        " 0, 0, '2026-08-12 02:00:00', '2026-08-12 02:00:00', 'h', 'flagged', :reason, :flags,"
                        " 0, 1)"
                    ),
                    {
                        "id": visit_id,
                        "cid": f"00000000-0000-4000-8000-00000000000{visit_id}",
                        "reason": reason,
                        "flags": "\n".join(sentences),
                    },
                )
            conn.commit()
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, review_reason, auto_flags FROM visit ORDER BY id")).all()
        codes = [
            {"code": "residents", "params": {"count": 1500, "limit": 20}},
            {"code": "same_day", "params": {"id": 7}},
        ]
        import json

        assert [(r[0], r[1], json.loads(r[2])) for r in rows] == [
            (1, None, codes),
            (2, "Lý do của đội trưởng", codes),
        ]
        downgrade(revision="b7d41e9a5c20")
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, review_reason, auto_flags FROM visit ORDER BY id")).all()
        assert rows == [
            (1, " ".join(sentences), "\n".join(sentences)),
            (2, "Lý do của đội trưởng", "\n".join(sentences)),
        ]
        db.engine.dispose()
