"""SQLite: writers take turns on a lock file, and the visit API and form read before they take
their turn (the session's `info` says how its next transaction begins)."""

import sqlite3
import threading
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from campaign.database import WriterQueueConnection


def connect(path):
    return sqlite3.connect(path, factory=WriterQueueConnection, isolation_level=None, check_same_thread=False)


def waits_for_its_turn(connection) -> tuple[threading.Thread, threading.Event]:
    got_it = threading.Event()

    def wait():
        connection.wait_to_write()
        got_it.set()

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    return thread, got_it


@pytest.mark.parametrize("finish", ["commit", "rollback", "close"])
def test_a_writer_waits_until_the_other_finishes(tmp_path, finish):
    path = tmp_path / "queue.sqlite3"
    first, second = connect(path), connect(path)
    first.wait_to_write()
    first.execute("BEGIN IMMEDIATE")
    first.execute("CREATE TABLE t (x)")

    thread, got_it = waits_for_its_turn(second)
    assert not got_it.wait(0.2), "the second writer went in while the first was writing"
    getattr(first, finish)()
    assert got_it.wait(2), f"the second writer still waits after the first's {finish}"
    thread.join()

    second.execute("BEGIN IMMEDIATE")
    second.execute("CREATE TABLE IF NOT EXISTS t (x)")
    second.execute("INSERT INTO t VALUES (1)")
    second.commit()
    third = connect(path)
    third.wait_to_write()  # free again after the commit: returns at once
    third.rollback()
    for connection in (second, third) if finish == "close" else (first, second, third):
        connection.close()


def sqlite_only(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the write lock and the BEGIN IMMEDIATE are SQLite's")


def a_visit(field, household: str) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "campaign_id": field.campaign.id,
        "hamlet_id": field.hamlet.id,
        "household": household,
        "outcome": "not_home",
        "visited_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
    }


@contextmanager
def statements_sent(db):
    """The SQL SQLite runs while the block runs (first 30 characters of each), starting as a
    worker does: no transaction open and nothing loaded. SQLite's own trace sees every
    statement, the user load too (database.read_once reads on the pool's DBAPI connection,
    which the engine's events do not see); the connections are new ones, traced from the start."""
    db.session.commit()
    db.session.expunge_all()
    statements = []

    def trace(dbapi_connection, _record):
        dbapi_connection.set_trace_callback(lambda sql: statements.append(" ".join(sql.split())[:30]))

    db.engine.dispose()
    event.listen(db.engine, "connect", trace)
    try:
        yield statements
    finally:
        event.remove(db.engine, "connect", trace)
        db.session.close()
        db.engine.dispose()  # no traced connection outlives the block


def form_fields(visit: dict) -> dict:
    return {**{k: str(v) for k, v in visit.items()}, "install_bluezone": "0", "install_ncovi": "0"}


def send_visit(auth, field, how: str, visit: dict):
    """Log in and send one visit the way `how` does; True if it was stored."""
    if how == "api":
        auth.api_login(field.volunteer)
        return lambda: (
            auth.client.post("/api/v1/visits", json={"visits": [visit]}).get_json()["results"][0]["status"]
            == "created"
        )
    auth.login(field.volunteer)
    return lambda: auth.client.post("/visits/new", data=form_fields(visit)).status_code == 302


@pytest.mark.parametrize("how", ["api", "form"])
def test_a_visit_is_read_outside_the_write_lock(app, db, field, auth, how):
    """Loading the user, the resends and the access rules happen before BEGIN IMMEDIATE; the
    inserts after it, so the other worker can read and check while this one writes. The API
    and the form the same way."""
    sqlite_only(db)
    send = send_visit(auth, field, how, a_visit(field, "Số 7"))
    with statements_sent(db) as statements:
        assert send()
    begins = [n for n, s in enumerate(statements) if s.startswith("BEGIN")]
    assert [statements[n] for n in begins] == ["BEGIN", "BEGIN IMMEDIATE"]
    reads, writes = statements[: begins[1]], statements[begins[1] :]
    assert any(s.startswith("SELECT user") for s in reads)
    assert any(s.startswith("SELECT hamlet.id") for s in reads)
    assert not any(s.startswith(("INSERT", "UPDATE", "DELETE")) for s in reads)
    assert any(s.startswith("INSERT INTO visit ") for s in writes)


@pytest.mark.parametrize("how", ["api", "form"])
def test_a_visit_that_is_not_stored_never_takes_the_write_lock(app, db, field, auth, how):
    """An invalid visit is only read, and so is the form page drawn again with its errors."""
    sqlite_only(db)
    send = send_visit(auth, field, how, {**a_visit(field, "Số 9"), "residents": "-1"})
    with statements_sent(db) as statements:
        assert not send()
    assert "BEGIN" in statements and "BEGIN IMMEDIATE" not in statements
    assert not any(s.startswith(("INSERT", "UPDATE", "DELETE")) for s in statements)


def test_the_session_says_how_its_transactions_begin(app, db):
    """The engine hook reads the session's `info`, nothing about the request: a session that
    reads first begins deferred until `start_writing`, and reads again once that transaction ends."""
    sqlite_only(db)
    from campaign.database import READS_FIRST, start_writing
    from campaign.visits.models import Visit

    with statements_sent(db) as statements:
        db.session.info[READS_FIRST] = True
        try:
            db.session.scalar(sa.select(sa.func.count()).select_from(Visit))
            start_writing(db.session)
            db.session.scalar(sa.select(sa.func.count()).select_from(Visit))
            db.session.commit()
            db.session.scalar(sa.select(sa.func.count()).select_from(Visit))
            db.session.commit()
        finally:
            db.session.info.pop(READS_FIRST)
        db.session.scalar(sa.select(sa.func.count()).select_from(Visit))
    assert [s for s in statements if s.startswith("BEGIN")] == [
        "BEGIN",
        "BEGIN IMMEDIATE",
        "BEGIN",
        "BEGIN IMMEDIATE",
    ]


def test_a_batch_of_resends_never_takes_the_write_lock(app, db, field, auth):
    """A phone that resends what the server already has (it missed the answer) is only read."""
    sqlite_only(db)
    auth.api_login(field.volunteer)
    visit = a_visit(field, "Số 8")
    first = auth.client.post("/api/v1/visits", json={"visits": [visit]})
    assert first.get_json()["results"][0]["status"] == "created"
    with statements_sent(db) as statements:
        again = auth.client.post("/api/v1/visits", json={"visits": [visit, visit]})
    assert [r["status"] for r in again.get_json()["results"]] == ["duplicate", "duplicate"]
    assert "BEGIN IMMEDIATE" not in statements
    assert not any(s.startswith(("INSERT", "UPDATE", "DELETE")) for s in statements)


def test_sqlite_commits_are_durable_when_acknowledged(app, db):
    """In WAL mode, synchronous=NORMAL can roll back acknowledged commits after a power cut; the
    phone would then delete visits the server lost. FULL (2) syncs the WAL on every commit."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's default synchronous_commit=on is already durable")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_an_unknown_synchronous_level_is_refused():
    from campaign.database import tune_sqlite

    with pytest.raises(ValueError):
        tune_sqlite(None, "NORMAL; DROP TABLE visit")
