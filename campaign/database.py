"""Database URL choice, SQLite tuning and PostgreSQL planning."""

import fcntl
import os
import sqlite3
import time
import weakref
from functools import wraps
from pathlib import Path

import sqlalchemy as sa
from flask import has_app_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

from campaign.config import SQLITE_SYNCHRONOUS_LEVELS
from campaign.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def database_url(app) -> str:
    url = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        return "sqlite:///" + str(Path(app.instance_path) / "campaign.sqlite3")
    # Heroku-style URLs name no driver; we ship psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(url: str, options: dict, connect_timeout_s: int) -> dict:
    """Engine options for the database at `url`, on top of the configured `options`.

    A SQLite file: connections whose writers take turns (WriterQueueConnection); not for an
    in-memory database or a `file:` URI, which name no plain file to lock beside. PostgreSQL: a
    connect timeout, unless the URL or the options set one."""
    scheme, _, path = url.partition(":///")
    connect_args = options.get("connect_args", {})
    if scheme.startswith("postgresql"):
        if "connect_timeout" in sa.engine.make_url(url).query:
            return options
        return {**options, "connect_args": {"connect_timeout": connect_timeout_s, **connect_args}}
    if (
        not scheme.startswith("sqlite")
        or not path
        or path.startswith("file:")
        or ":memory:" in path
        or "?" in path
    ):
        return options
    return {**options, "connect_args": {"factory": WriterQueueConnection, **connect_args}}


BUSY_TIMEOUT_S = 15


class WriterQueueConnection(sqlite3.Connection):
    """A SQLite connection whose writing transactions wait their turn on a file lock.

    SQLite lets one writer in at a time and makes the others retry with sleeps of up to 100 ms,
    so a waiting worker often sleeps long after the lock is free. Waiting on a lock file next to
    the database wakes it within a millisecond (in no strict order: whoever polls first). The
    lock goes with the transaction (released on commit, rollback and close) and with the process
    if it dies.
    """

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        # flock needs no write permission: read-only is enough.
        self._queue = os.open(f"{os.fspath(database)}-writers", os.O_RDONLY | os.O_CREAT, 0o600)
        self._writing = False

    def wait_to_write(self) -> None:
        # Polled rather than blocking, so a second connection of the same thread that tries to
        # write gets "database is locked" after the busy timeout instead of waiting for ever.
        # Once it has the file lock, BEGIN IMMEDIATE waits only for writers outside the app
        # (a backup, the sqlite3 shell), which SQLite's own busy timeout covers.
        deadline, pause = time.monotonic() + BUSY_TIMEOUT_S, 0.0002
        while True:
            try:
                fcntl.flock(self._queue, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._writing = True
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.001)

    def _done_writing(self) -> None:
        if self._writing:
            fcntl.flock(self._queue, fcntl.LOCK_UN)
            self._writing = False

    def commit(self):
        try:
            super().commit()
        finally:
            self._done_writing()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._done_writing()

    def close(self):
        try:
            super().close()
        finally:
            self._done_writing()
            os.close(self._queue)


def tune_sqlite(engine, synchronous: str = "FULL") -> None:
    """WAL, foreign keys, a busy timeout, durable commits, and BEGIN IMMEDIATE for writing requests.

    `synchronous` is FULL by default: in WAL mode NORMAL may roll back commits that were already
    acknowledged after a power cut, and the phone then deletes visits the server lost.

    A deferred transaction that reads and then writes cannot wait for the lock when another
    worker committed in between (SQLITE_BUSY_SNAPSHOT), so writers take the lock up front, after
    their turn on the lock file (WriterQueueConnection). A transaction of a session that reads
    (`reading`: a GET, a `reads_first` view until `start_writing`) stays deferred, so that it
    never queues behind writers.
    """
    if synchronous not in SQLITE_SYNCHRONOUS_LEVELS:  # it is written into a PRAGMA
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {SQLITE_SYNCHRONOUS_LEVELS}")

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        if _reading_request():
            connection.exec_driver_sql("BEGIN")
            return
        if isinstance(connection.connection.dbapi_connection, WriterQueueConnection):
            connection.connection.dbapi_connection.wait_to_write()
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def tune_postgresql(engine) -> None:
    """A transaction that only reads plans each statement with its own parameters (`SET LOCAL
    plan_cache_mode = force_custom_plan`).

    psycopg prepares a statement on the server after its fifth run on a connection, and
    PostgreSQL then switches to a generic plan when it looks no dearer, which it judges without
    the values. For a province's recent summary rows (WHERE day BETWEEN :a AND :b AND province
    = :p) the generic plan reads the whole country's days through the (campaign, day) index:
    25 ms where the plan for the values probes the province's 1,680 hamlets in 4.5 ms. Writes
    keep their prepared plans (with every statement planned, visit batches were stored at
    1,200 visits/s against 3,186 in the bench just before). SET LOCAL ends with the
    transaction, so it holds behind any pooler; it costs a reading request one short round
    trip."""

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        if _reading_request():
            connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


def _reading_request() -> bool:
    """Whether the app's session is a reading request's (a GET, a `reads_first` view until
    `start_writing`)."""
    return reading(db.session() if has_app_context() and db.session.registry.has() else None)


class _PlainRead:
    """A SELECT compiled once for one dialect, with what turns its driver's row into Python values."""

    def __init__(self, statement, dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self.positions = compiled.positiontup if compiled.positional else None
        columns = statement.selected_columns
        self.keys = list(columns.keys())
        # The columns' own result processors (a StrEnum from its text, a UTC datetime from SQLite's).
        self.convert = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]

    def arguments(self, params: dict):
        return [params[name] for name in self.positions] if self.positions else params

    def mapping(self, row) -> dict:
        return {
            key: (value if convert is None else convert(value))
            for key, convert, value in zip(self.keys, self.convert, row, strict=True)
        }


_plain_reads = weakref.WeakKeyDictionary()  # statement → {(dialect class, paramstyle): _PlainRead}


def read_once(statement, params: dict) -> dict | None:
    """The first row (a dict) of one SELECT read outside the session's transaction.

    Every signed-in request loads its user this way, so it runs on the pool's own DBAPI
    connection: SQLAlchemy's execution machinery cost as much CPU as the rest of the request's
    user load. The statement is compiled once per dialect; `params` are plain values the driver
    takes as they are (the statement's binds have no processors), and its columns are converted
    by their types' processors (none that needs the driver's type code, such as Numeric). It
    runs in autocommit: on PostgreSQL one round trip instead of BEGIN, SELECT and ROLLBACK; on
    SQLite (whose connections never BEGIN by themselves) a reading transaction of its own even in
    a POST, so loading the user never waits for the writers' lock. Engine events do not see it."""
    engine = db.engine
    dialect = engine.dialect
    compiled = _plain_reads.setdefault(statement, {})
    plain = compiled.get((type(dialect), dialect.paramstyle))
    if plain is None:
        plain = compiled[type(dialect), dialect.paramstyle] = _PlainRead(statement, dialect)
    pooled = driver = None
    try:
        pooled = engine.raw_connection()
        driver = pooled.driver_connection
        row = _fetch_first(driver, plain, params, autocommit=dialect.name == "postgresql")
    except dialect.loaded_dbapi.Error as error:
        # Raised as SQLAlchemy raises it (the app's handlers know its errors). When the server
        # dropped the connection, it may have dropped the pool's others too (a restart): they
        # all go, as SQLAlchemy's own execution does it, and the next request connects afresh.
        gone = driver is not None and dialect.is_disconnect(error, driver, None)
        if gone:
            pooled.invalidate(error)
            engine.dispose(close=False)
        raise sa.exc.DBAPIError.instance(
            plain.sql, params, error, dialect.loaded_dbapi.Error, connection_invalidated=gone
        ) from error
    finally:
        if pooled is not None:
            pooled.close()
    return None if row is None else plain.mapping(row)


def _fetch_first(driver, plain: _PlainRead, params: dict, autocommit: bool):
    """The first row of `plain` on a driver connection, in autocommit if asked (psycopg's pooled
    connections are not: the pool gets it back as it lent it)."""
    lent_as = driver.autocommit if autocommit else None
    if autocommit:
        driver.autocommit = True
    try:
        cursor = driver.cursor()
        try:
            cursor.execute(plain.sql, plain.arguments(params))
            return cursor.fetchone()
        finally:
            cursor.close()
    finally:
        # A connection the server dropped refuses even this; it leaves the pool anyway, and the
        # error that says why is the one to raise.
        if autocommit and not driver.broken:
            driver.autocommit = lent_as


# The session's own record of how its next transaction begins (in `session.info`):
# READS_FIRST, set for a request that reads before it writes; WRITING, set by `start_writing`
# for the one transaction that follows and dropped when that transaction ends.
READS_FIRST, WRITING = "reads_first", "writing"


def reading(session) -> bool:
    """Whether this session's next transaction only reads. Without a session (a script's own
    connection) or outside a reads-first request, it may write."""
    return session is not None and session.info.get(READS_FIRST, False) and not session.info.get(WRITING)


def register(app) -> None:
    """Every GET reads first (and never writes); `reads_first` views say so themselves."""

    @app.before_request
    def reads_if_safe():
        if request.method in SAFE_METHODS:
            db.session.info[READS_FIRST] = True

    @app.teardown_request
    def forget_mode(_error=None):
        # An app context, and its session, can outlive the request (tests, scripts).
        if db.session.registry.has():
            db.session.info.pop(READS_FIRST, None)


@event.listens_for(Session, "after_transaction_end")
def _done_writing(session, transaction):
    if transaction.parent is None:
        session.info.pop(WRITING, None)


def reads_first(view):
    """For a writing view that reads much before it writes (the visit API and form): its reads
    run in transactions of their own, outside SQLite's one-writer lock, and only what follows
    `start_writing` takes it. Put it above @login_required, so that loading the user is one of
    those reads."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        info = db.session.info
        before, info[READS_FIRST] = info.get(READS_FIRST), True
        try:
            return view(*args, **kwargs)
        finally:
            if before is None:
                info.pop(READS_FIRST, None)

    return wrapped


def start_writing(session) -> None:
    """The view's "now write": end the reading transaction, keeping the objects it loaded; the
    next transaction writes (and takes SQLite's lock), and the session reads again after it.
    Another request may have written in between, so the writes must not rely on what was read
    being still true (the visit inserts skip a client_id stored meanwhile). Not reading first,
    or on PostgreSQL (no one-writer lock), there is no transaction to end."""
    if isinstance(session, scoped_session):
        session = session()
    if not reading(session):
        return
    if session.get_bind().dialect.name == "sqlite":
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire
    session.info[WRITING] = True


def refresh_statistics() -> None:
    """After a bulk load (the demo): PostgreSQL plans queries from table statistics, which
    autovacuum gathers only later; without them it chose a nested loop over every visit of a
    volunteer for the burst check. SQLite keeps none unless asked, and its plans assume none."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))


def ensure_instance_dir(app) -> None:
    os.makedirs(app.instance_path, exist_ok=True)
