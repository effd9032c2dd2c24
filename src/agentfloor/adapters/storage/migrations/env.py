"""Alembic environment: runs migrations on the engine handed over by `upgrade_to_head`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, create_engine

from agentfloor.adapters.storage.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run the migrations inside one transaction on the configured engine."""
    engine: Engine | None = config.attributes.get("engine")
    if engine is None:  # plain `alembic` command line use
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("agentfloor migrations run online only: use `agentfloor db upgrade`")
run_migrations_online()
