"""Alembic migrations take an empty database to exactly the mapped schema, on every backend."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from agentfloor.adapters.storage import alembic_config, upgrade_to_head
from agentfloor.adapters.storage.tables import Base


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_empty_database_upgrades_to_head_and_matches_the_mappings(empty_engine: Engine) -> None:
    assert inspect(empty_engine).get_table_names() == []
    upgrade_to_head(empty_engine)
    head = ScriptDirectory.from_config(alembic_config(empty_engine)).get_current_head()
    assert current_revision(empty_engine) == head
    tables = set(inspect(empty_engine).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    with empty_engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == [], f"migrations and tables.py disagree: {diff}"


def test_upgrade_twice_is_a_no_op_and_downgrade_empties(empty_engine: Engine) -> None:
    upgrade_to_head(empty_engine)
    upgrade_to_head(empty_engine)
    command.downgrade(alembic_config(empty_engine), "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    assert current_revision(empty_engine) is None


ASSISTANT_TABLES = {"intent_models", "assistant_settings", "ai_sessions", "appointments", "orders"}


def test_assistant_migration_downgrades_to_the_flow_schema_and_back(empty_engine: Engine) -> None:
    upgrade_to_head(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) >= ASSISTANT_TABLES
    command.downgrade(alembic_config(empty_engine), "0004")
    assert current_revision(empty_engine) == "0004"
    left = set(inspect(empty_engine).get_table_names())
    assert not left & ASSISTANT_TABLES and "flow_versions" in left
    upgrade_to_head(empty_engine)
    indexes = {i["name"]: i for i in inspect(empty_engine).get_indexes("appointments")}
    assert indexes["uq_appointments_booked_slot"]["unique"]
