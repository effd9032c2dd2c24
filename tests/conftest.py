"""Shared fixtures: a fresh database of every backend (SQLite file, PostgreSQL schema).

PostgreSQL runs when reachable. When `AGENTFLOOR_TEST_POSTGRES_URL` is set (CI sets it), an
unreachable server is a failure, not a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from agentfloor.adapters.storage import create_engine_for

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    """Return the PostgreSQL URL to test against, or skip/fail with the reason."""
    url = os.environ.get("AGENTFLOOR_TEST_POSTGRES_URL")
    engine = create_engine_for(url or DEFAULT_POSTGRES, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except OperationalError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        if url:
            pytest.fail(f"AGENTFLOOR_TEST_POSTGRES_URL={url} is set but unreachable: {reason}")
        pytest.skip(
            f"PostgreSQL not reachable at {DEFAULT_POSTGRES} "
            f"(set AGENTFLOOR_TEST_POSTGRES_URL to run this leg): {reason}"
        )
    finally:
        engine.dispose()
    return url or DEFAULT_POSTGRES


def fresh_engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """Yield an engine on an empty database: a new SQLite file, or a new PostgreSQL schema."""
    if backend == "sqlite":
        engine = create_engine_for(f"sqlite:///{tmp_path / 'agentfloor.db'}")
        yield engine
        engine.dispose()
        return
    url = postgres_url()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine_for(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine_for(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS, ids=["sqlite", "postgres"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database of each backend."""
    yield from fresh_engine(request.param, tmp_path)
