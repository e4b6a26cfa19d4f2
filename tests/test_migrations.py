"""The migrations build exactly the schema of the models, and go down and up again, on SQLite and
on PostgreSQL (a database of its own, never the suite's)."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from campaign import create_app
from campaign.extensions import db
from tests.conftest import base_config


def schema_differences(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def check_round_trip(url: str) -> None:
    app = create_app(base_config(url))
    with app.app_context():
        upgrade()
        model_tables = set(db.metadata.tables)
        assert model_tables <= tables(db.engine)
        assert schema_differences(db.engine) == []
        downgrade(revision="base")
        assert tables(db.engine) - {"alembic_version"} == set()
        upgrade()
        assert schema_differences(db.engine) == []
        with db.engine.connect() as conn:
            head = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        assert head
        db.engine.dispose()


def test_migrations_match_models_and_round_trip_on_sqlite(tmp_path):
    check_round_trip(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")


def test_migrations_match_models_and_round_trip_on_postgresql(scratch_postgres_url):
    check_round_trip(scratch_postgres_url)


def test_a_model_change_without_a_migration_is_noticed(tmp_path):
    """The comparison above can fail: a column the migrations lack shows up as a difference."""
    app = create_app(base_config(f"sqlite:///{tmp_path / 'drift.sqlite3'}"))
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE hamlet ADD COLUMN extra INTEGER"))
        differences = schema_differences(db.engine)
        db.engine.dispose()
    assert any(d[0] == "remove_column" and d[2] == "hamlet" and d[3].name == "extra" for d in differences)
