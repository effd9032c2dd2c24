"""Storage: SQLAlchemy 2.0 tables, the repositories the domain declares, the unit of work, Alembic.

SQLite (a file, WAL) is the embedded default; PostgreSQL is picked by URL. Nothing here is
tenant-agnostic by accident: a unit of work opened for a tenant filters every query by it.
"""

from __future__ import annotations

from agentfloor.adapters.storage.engine import alembic_config, create_engine_for, upgrade_to_head
from agentfloor.adapters.storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

__all__ = [
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "alembic_config",
    "create_engine_for",
    "upgrade_to_head",
]
