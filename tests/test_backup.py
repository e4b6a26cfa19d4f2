"""`flask --app campaign backup`: an online, consistent SQLite copy that restores with the same data."""

import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from campaign import create_app
from campaign.backup import backup_sqlite
from tests.conftest import base_config

DEMO_PASSWORD = "mưa chiều qua cầu Cái Răng"
SUMS = {
    "hamlet_day": ("visits", "households_reached", "people_reached", "already_installed", "installs"),
    "hamlet_day_app": ("installs",),
}
COUNTS = ("user", "campaign", "hamlet", "team", "household", "visit", "visit_install", "province", "ward")


def sqlite_app(folder: Path):
    app = create_app(base_config(f"sqlite:///{folder / 'campaign.sqlite3'}"))
    app.instance_path = str(folder)
    return app


def figures(db_file: Path) -> dict:
    """What a coordinator would compare: row counts and the summary tables' sums."""
    with sqlite3.connect(db_file) as conn:
        result = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in COUNTS}
        for table, columns in SUMS.items():
            for column in columns:
                result[f"{table}.{column}"] = conn.execute(f"SELECT sum({column}) FROM {table}").fetchone()[0]
    return result


@pytest.fixture(scope="module")
def demo_instance(tmp_path_factory):
    """A fresh instance made the way a newcomer makes it: `init`, then `demo`."""
    folder = tmp_path_factory.mktemp("demo-instance")
    app = sqlite_app(folder)
    runner = app.test_cli_runner()
    with app.app_context():  # `flask` pushes one; the test runner does not
        for args in (["init"], ["demo", "--password", DEMO_PASSWORD]):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
        from campaign.extensions import db

        db.engine.dispose()
    return app, folder / "campaign.sqlite3"


def invoke(app, *args):
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def test_backup_restores_into_a_fresh_instance_with_the_same_data(demo_instance, tmp_path):
    app, source = demo_instance
    result = invoke(app, "backup")
    assert result.exit_code == 0, result.output
    copies = list((Path(app.instance_path) / "backups").glob("campaign-*.sqlite3"))
    assert len(copies) == 1
    assert str(copies[0]) in result.output
    before = figures(source)
    assert before["visit"] > 2000 and before["hamlet_day.visits"] > 0
    assert f"{before['visit']} visit" in result.output

    # Restore as the README says: copy the file in as the instance's database, then `init`.
    fresh = tmp_path / "fresh-instance"
    fresh.mkdir()
    shutil.copy(copies[0], fresh / "campaign.sqlite3")
    restored_app = sqlite_app(fresh)
    init = invoke(restored_app, "init")
    assert init.exit_code == 0, init.output
    assert "(0 added, 0 renamed)" in init.output
    assert figures(fresh / "campaign.sqlite3") == before

    client = restored_app.test_client()
    response = client.post("/api/v1/session", json={"username": "lead", "password": DEMO_PASSWORD})
    assert response.status_code == 201
    assert response.get_json()["role"] == "lead"
    with restored_app.app_context():
        from campaign.extensions import db

        db.engine.dispose()


def test_backup_is_consistent_while_someone_writes(demo_instance, tmp_path):
    """A write transaction open during the backup is neither waited for nor half copied."""
    _, source = demo_instance
    writer = sqlite3.connect(source, isolation_level=None, timeout=1)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE hamlet SET households = households + 1000")
    writer.execute("DELETE FROM visit_install")
    try:
        copy = backup_sqlite(source, tmp_path / "backups")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert figures(copy) == figures(source)
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not copy.with_name(copy.name + "-wal").exists()


def test_two_backups_in_the_same_second_do_not_overwrite(demo_instance, tmp_path):
    from datetime import UTC, datetime

    _, source = demo_instance
    now = datetime(2026, 8, 30, 7, 0, tzinfo=UTC)
    first = backup_sqlite(source, tmp_path, now=now)
    second = backup_sqlite(source, tmp_path, now=now)
    assert first.name == "campaign-20260830-070000.sqlite3"
    assert second.name == "campaign-20260830-070000-2.sqlite3"


def test_backup_refuses_postgresql_and_points_to_pg_dump(tmp_path):
    app = create_app(base_config("postgresql://nobody@127.0.0.1:1/none"))
    app.instance_path = str(tmp_path)
    result = invoke(app, "backup")
    assert result.exit_code != 0
    assert "pg_dump" in result.output
    assert not (tmp_path / "backups").exists()


def test_backup_of_a_missing_database_says_so(tmp_path):
    with pytest.raises(Exception, match="init"):
        backup_sqlite(tmp_path / "nothing.sqlite3", tmp_path / "backups")
    assert not list(tmp_path.glob("backups/*"))


def test_counts_include_the_summaries(demo_instance):
    """The figures compared above really cover the summary tables (so a lost row would show)."""
    _, source = demo_instance
    engine = sa.create_engine(f"sqlite:///{source}")
    with engine.connect() as conn:
        counted = conn.execute(sa.text("SELECT sum(visits) FROM hamlet_day")).scalar()
    engine.dispose()
    assert counted == figures(source)["hamlet_day.visits"] > 0
