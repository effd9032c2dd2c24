"""Engines and migrations: SQLite (WAL, durable) by default, PostgreSQL by URL; Alembic to head.

SQLite is set up for a server that must not lose an acknowledged write: WAL journal,
`synchronous=FULL` (every commit is fsynced), foreign keys on, and a 30 s busy timeout. Every
transaction starts with `BEGIN IMMEDIATE`, so two writers queue for the lock instead of one failing
with "database is locked" when it upgrades a read to a write; in WAL mode readers never block.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.engine import make_url

__all__ = ["alembic_config", "create_engine_for", "upgrade_to_head"]


def _normalise_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def create_engine_for(url: str, **kwargs: Any) -> Engine:
    """Return an engine for `url`; a SQLite file's folder is created when missing.

    Args:
        url: a SQLAlchemy URL (`sqlite:///var/agentfloor.db`, `postgresql://user@host/db`).
        **kwargs: passed to `sqlalchemy.create_engine` (e.g. `connect_args`).
    """
    url = _normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return sa_create_engine(url, **kwargs)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"check_same_thread": False, "timeout": 30, **kwargs.pop("connect_args", {})}
    engine = sa_create_engine(url, connect_args=connect_args, **kwargs)
    _make_sqlite_durable(engine)
    return engine


def _make_sqlite_durable(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so that BEGIN IMMEDIATE below is ours.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic config for the packaged migrations, bound to `engine`."""
    script_location = resources.files("agentfloor.adapters.storage") / "migrations"
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Migrate the database behind `engine` to the latest schema (a no-op when it is there)."""
    command.upgrade(alembic_config(engine), "head")
