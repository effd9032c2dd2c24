"""A real uvicorn server on a free port, run in a thread, for end-to-end tests."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

import httpx
import uvicorn

from agentfloor.access.model import Role
from agentfloor.api.app import create_app
from agentfloor.bootstrap import Container, build
from agentfloor.runtime import access
from agentfloor.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: object, timeout_s: float = 10.0, what: str = "condition") -> None:
    """Poll `predicate()` until true or fail after the deadline (real time is unavoidable here)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


@dataclass
class TenantKeys:
    tenant_id: str
    slug: str
    keys: dict[Role, str] = field(default_factory=dict)


@dataclass
class LiveServer:
    container: Container
    base_url: str
    ws_url: str
    server: uvicorn.Server
    thread: threading.Thread
    tenants: dict[str, TenantKeys] = field(default_factory=dict)

    def client(self, tenant: str = "a", role: Role = Role.ADMIN) -> httpx.Client:
        key = self.tenants[tenant].keys[role]
        return httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.container.close()


def start_server(settings: Settings, tenants: dict[str, str]) -> LiveServer:
    """Build the app on `settings`, create tenants (name -> region) with a key per role, serve."""
    container = build(settings)
    live_tenants: dict[str, TenantKeys] = {}
    for name, region in tenants.items():
        t = access.create_tenant(
            container.ctx, name=f"Tenant {name}", slug=f"tenant-{name}", default_region=region
        )
        tk = TenantKeys(t.id, t.slug)
        for role in Role:
            issued = access.create_key(
                container.ctx, t.id, name=f"{role.value} key", role=role, actor=None
            )
            tk.keys[role] = issued.secret_key
        live_tenants[name] = tk
    port = free_port()
    config = uvicorn.Config(
        create_app(container), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, what="uvicorn to start")
    # The AI agent loads its models in the background at start; tests talk to a ready server.
    wait_until(lambda: container.nlu.ready, timeout_s=180, what="the AI agent to warm up")
    return LiveServer(
        container=container,
        base_url=f"http://127.0.0.1:{port}",
        ws_url=f"ws://127.0.0.1:{port}",
        server=server,
        thread=thread,
        tenants=live_tenants,
    )
