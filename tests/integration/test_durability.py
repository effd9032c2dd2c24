"""A SIGKILL during a stream of writes loses nothing that was acknowledged with a 2xx."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agentfloor.access.model import Role
from agentfloor.bootstrap import build
from agentfloor.runtime import access
from agentfloor.settings import Settings
from tests.e2e.server import free_port, wait_until


def agentfloor_bin() -> str:
    return str(Path(sys.executable).parent / "agentfloor")


class ServerProcess:
    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            [agentfloor_bin(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        wait_until(self.ready, timeout_s=30, what="the server to answer /healthz")

    def ready(self) -> bool:
        assert self.proc.poll() is None, "server exited early; see its log"
        try:
            return httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self._log.close()


@pytest.fixture
def server_env(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    db = tmp_path / "durable.db"
    settings = Settings(var_dir=tmp_path, database_url=f"sqlite:///{db}")
    container = build(settings)
    tenant = access.create_tenant(container.ctx, name="Durable", slug="durable")
    key = access.create_key(container.ctx, tenant.id, name="w", role=Role.ADMIN, actor=None)
    container.close()
    env = {**os.environ, "AGENTFLOOR_DATABASE_URL": settings.resolved_database_url()}
    yield env, key.secret_key


def test_sigkill_during_writes_loses_no_acknowledged_write(
    server_env: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    env, key = server_env
    port = free_port()
    server = ServerProcess(env, port, tmp_path / "server.log")
    acknowledged: list[tuple[str, str]] = []
    stop = threading.Event()
    errors: list[str] = []

    def writer(n: int) -> None:
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=5) as c:
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    r = c.post(
                        "/v1/customers",
                        json={
                            "name": f"w{n}-{i}",
                            "identities": [{"kind": "email", "value": f"w{n}-{i}@load.test"}],
                        },
                    )
                except httpx.TransportError:
                    return  # the server died mid-request: not acknowledged
                if r.status_code == 201:
                    acknowledged.append((r.json()["id"], f"w{n}-{i}"))
                else:
                    errors.append(r.text)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    try:
        wait_until(lambda: len(acknowledged) >= 150, timeout_s=60, what="150 acknowledged writes")
        server.kill()
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)
    assert not errors, errors[:3]
    survivors = list(acknowledged)

    restarted = ServerProcess(env, free_port(), tmp_path / "server.log")
    try:
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=restarted.base_url, headers=headers, timeout=10) as c:
            missing = [
                (cid, name)
                for cid, name in survivors
                if c.get(f"/v1/customers/{cid}").status_code != 200
            ]
            sample = survivors[len(survivors) // 2]
            found = c.get("/v1/customers/lookup", params={"value": f"{sample[1]}@load.test"})
    finally:
        restarted.stop()
    assert not missing, f"{len(missing)} acknowledged writes lost, e.g. {missing[:3]}"
    assert found.json()["id"] == sample[0]
