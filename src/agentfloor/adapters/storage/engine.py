"""Engines and migrations: SQLite (WAL, durable) by default, PostgreSQL by URL; Alembic to head.

SQLite is set up for a server that must not lose an acknowledged write: WAL journal,
`synchronous=FULL` (every commit is fsynced), foreign keys on, and a 30 s busy timeout. Every
transaction starts with `BEGIN IMMEDIATE`, so two writers queue for the lock instead of one failing
with "database is locked" when it upgrades a read to a write; in WAL mode readers never block.
Within one process, transactions also take a Python lock first: SQLite's busy handler waits by
sleeping (1, 2, 5, ... up to 100 ms at a time), which put hundreds of milliseconds on the slowest
chat replies when a few threads wrote at once; a lock hands over the moment it is released.
Other processes still queue on SQLite's own lock.
"""

from __future__ import annotations

import threading
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

    turn = threading.Lock()  # held from BEGIN to COMMIT/ROLLBACK by this process's writer
    holders: set[int] = set()  # ids of the DB-API connections holding it
    guard = threading.Lock()

    def release(dbapi_conn: Any) -> None:
        with guard:
            if id(dbapi_conn) not in holders:
                return
            holders.discard(id(dbapi_conn))
        turn.release()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        dbapi_conn = conn.connection.dbapi_connection
        turn.acquire()
        with guard:
            holders.add(id(dbapi_conn))
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            release(dbapi_conn)
            raise

    @event.listens_for(engine, "commit")
    def _on_commit(conn: Any) -> None:
        try:
            if conn.connection.dbapi_connection.in_transaction:
                conn.exec_driver_sql("COMMIT")  # commit now, then let the next writer in
        finally:
            release(conn.connection.dbapi_connection)

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn: Any) -> None:
        try:
            if conn.connection.dbapi_connection.in_transaction:
                conn.exec_driver_sql("ROLLBACK")
        finally:
            release(conn.connection.dbapi_connection)

    # A connection handed back to the pool mid-transaction is rolled back by the pool.
    @event.listens_for(engine, "reset")
    def _on_reset(dbapi_conn: Any, _record: Any, _state: Any) -> None:
        release(dbapi_conn)

    @event.listens_for(engine, "close")
    def _on_close(dbapi_conn: Any, _record: Any) -> None:
        release(dbapi_conn)


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
