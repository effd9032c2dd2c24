"""A SIGKILLed router loses no task: queues come back in order, offers complete or time out."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentfloor.access.model import Role
from agentfloor.bootstrap import build
from agentfloor.runtime import access
from agentfloor.settings import Settings
from tests.e2e.server import free_port, wait_until
from tests.integration.test_durability import ServerProcess


@pytest.fixture
def server_env(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    settings = Settings(var_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'router.db'}")
    container = build(settings)
    tenant = access.create_tenant(container.ctx, name="Restart", slug="restart")
    key = access.create_key(container.ctx, tenant.id, name="admin", role=Role.ADMIN, actor=None)
    container.close()
    yield (
        {**os.environ, "AGENTFLOOR_DATABASE_URL": settings.resolved_database_url()},
        key.secret_key,
    )


def client(server: ServerProcess, key: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=10
    )


def setup_floor(c: httpx.Client, timeout_s: float) -> dict[str, Any]:
    config = c.get("/v1/routing/config").json()
    assert (
        c.put("/v1/routing/config", json={**config, "reservation_timeout_s": timeout_s}).status_code
        == 200
    )
    queue = c.post("/v1/queues", json={"name": "Support"}).json()
    worker = c.post("/v1/workers", json={"name": "Ann", "capacity": {"chat": 1}}).json()
    tasks = [
        c.post(
            "/v1/tasks", json={"channel": "chat", "queue_id": queue["id"], "priority": p}
        ).json()["id"]
        for p in (0, 3, 0, 3, 1)
    ]
    c.post(f"/v1/workers/{worker['id']}/activity", json={"activity": "available"})
    offered = [t for t in tasks if c.get(f"/v1/tasks/{t}").json()["state"] == "reserved"]
    assert len(offered) == 1
    reservation = c.get(f"/v1/tasks/{offered[0]}/reservations").json()[0]
    waiting = [t["id"] for t in c.get(f"/v1/queues/{queue['id']}/waiting").json()]
    return {
        "queue": queue["id"],
        "worker": worker["id"],
        "tasks": tasks,
        "offered": offered[0],
        "reservation": reservation,
        "waiting": waiting,
    }


def test_after_sigkill_queues_return_in_order_and_the_offer_can_be_accepted(
    server_env: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    env, key = server_env
    server = ServerProcess(env, free_port(), tmp_path / "server.log")
    with client(server, key) as c:
        floor = setup_floor(c, timeout_s=120)
    # priority 3 first (FIFO between the two), then priority 1, then the priority 0s
    assert floor["offered"] == floor["tasks"][1]
    assert floor["waiting"] == [floor["tasks"][i] for i in (3, 4, 0, 2)]
    server.kill()

    restarted = ServerProcess(env, free_port(), tmp_path / "server.log")
    try:
        with client(restarted, key) as c:
            waiting = [t["id"] for t in c.get(f"/v1/queues/{floor['queue']}/waiting").json()]
            assert waiting == floor["waiting"]
            rid = floor["reservation"]["id"]
            assert c.get(f"/v1/reservations/{rid}").json()["state"] == "pending"
            accepted = c.post(f"/v1/reservations/{rid}/accept", json={"worker_id": floor["worker"]})
            assert accepted.status_code == 200, accepted.text
            done = c.post(
                f"/v1/tasks/{floor['offered']}/complete", json={"worker_id": floor["worker"]}
            )
            assert done.status_code == 200 and done.json()["state"] == "completed"
            # The freed worker is offered the next task in order at once.
            nxt = floor["waiting"][0]
            assert c.get(f"/v1/tasks/{nxt}").json()["state"] == "reserved"
            offer = c.get(f"/v1/tasks/{nxt}/reservations").json()[-1]
            assert (offer["state"], offer["worker_id"]) == ("pending", floor["worker"])
    finally:
        restarted.stop()


def test_an_offer_that_expired_while_down_times_out_on_restart(
    server_env: tuple[dict[str, str], str], tmp_path: Path
) -> None:
    env, key = server_env
    server = ServerProcess(env, free_port(), tmp_path / "server.log")
    with client(server, key) as c:
        floor = setup_floor(c, timeout_s=1.0)
        rid = floor["reservation"]["id"]
    server.kill()
    time.sleep(1.5)  # the offer's deadline passes while no router runs

    restarted = ServerProcess(env, free_port(), tmp_path / "server.log")
    try:
        with client(restarted, key) as c:
            wait_until(
                lambda: c.get(f"/v1/reservations/{rid}").json()["state"] == "timed_out",
                what="the overdue offer to time out",
            )
            assert c.get(f"/v1/workers/{floor['worker']}").json()["activity"] == "missed"
            waiting = [t["id"] for t in c.get(f"/v1/queues/{floor['queue']}/waiting").json()]
            assert waiting == [floor["offered"], *floor["waiting"]]  # back in its own place
            late = c.post(f"/v1/reservations/{rid}/accept", json={"worker_id": floor["worker"]})
            assert late.status_code == 409
    finally:
        restarted.stop()
