"""Migrations (claims_api/core/db.py + claims_api/alembic): a fresh database is upgraded to
head, the migration matches the ORM models, and upgrading twice is harmless."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from claims_api.core.db import alembic_config, make_engine, ping, run_migrations
from claims_api.models import Base

TABLES = {
    "policies", "claims", "claim_events", "claim_materials", "complaints",
    "notifications", "idempotency_keys", "alembic_version",
}


def test_run_migrations_creates_every_table(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    try:
        assert not (set(inspect(engine).get_table_names()) & TABLES)
        run_migrations(engine)
        assert TABLES <= set(inspect(engine).get_table_names())
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == head
    finally:
        engine.dispose()


def test_migrations_match_the_models(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    try:
        run_migrations(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_run_migrations_twice_is_a_no_op(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    try:
        run_migrations(engine)
        run_migrations(engine)
        assert TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_downgrade_to_base_drops_the_tables(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url)
    try:
        run_migrations(engine)
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            cfg.attributes["configure_logger"] = False
            command.downgrade(cfg, "base")
        assert not (set(inspect(engine).get_table_names()) & (TABLES - {"alembic_version"}))
    finally:
        engine.dispose()


def test_ping_reports_an_unreachable_database() -> None:
    engine = make_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none?connect_timeout=1")
    assert ping(engine) is False
