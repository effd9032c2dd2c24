from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentfloor.settings import Settings
from tests.e2e.server import LiveServer, start_server


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server per test module on a fresh SQLite file, with tenants a (GB) and b (US)."""
    var: Path = tmp_path_factory.mktemp("var")
    settings = Settings(var_dir=var, database_url=None, max_body_bytes=64 * 1024)
    server = start_server(settings, {"a": "GB", "b": "US"})
    yield server
    server.stop()
