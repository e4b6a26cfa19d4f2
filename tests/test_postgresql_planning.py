"""On PostgreSQL a transaction that only reads plans each statement with its own parameters: a
generic plan (what PostgreSQL may switch to once psycopg prepares a statement) read a whole
country's recent summary rows for one province's page. Writes keep their prepared plans
(database.tune_postgresql)."""

import pytest
import sqlalchemy as sa

from campaign.database import READS_FIRST, WRITING


@pytest.fixture
def pg(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    return db


def plan_cache_mode(db) -> str:
    mode = db.session.execute(sa.text("SHOW plan_cache_mode")).scalar()
    db.session.rollback()
    return mode


def test_a_reading_request_plans_with_its_parameters(pg):
    pg.session.info[READS_FIRST] = True
    assert plan_cache_mode(pg) == "force_custom_plan"
    pg.session.info[WRITING] = True  # a reads-first view that started writing
    assert plan_cache_mode(pg) == "auto"


def test_a_writing_request_keeps_prepared_plans(pg):
    assert plan_cache_mode(pg) == "auto"
