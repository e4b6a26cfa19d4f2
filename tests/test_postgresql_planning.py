"""On PostgreSQL every connection plans each statement with its own parameters: a generic plan
(what PostgreSQL may switch to once psycopg prepares a statement) read a whole country's recent
summary rows for one province's page (database.tune_postgresql)."""

import pytest
import sqlalchemy as sa


def test_every_connection_plans_with_its_parameters(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    db.engine.dispose()  # new connections, as a fresh worker opens them
    with db.engine.connect() as first, db.engine.connect() as second:
        for conn in (first, second):
            assert conn.execute(sa.text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
