"""Live events over a real WebSocket: filtered by topic, scoped to the key's tenant."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.e2e.server import LiveServer


@contextmanager
def open_stream(live: LiveServer, tenant: str, topics: str) -> Iterator[ClientConnection]:
    key = live.tenants[tenant].keys[next(iter(live.tenants[tenant].keys))]
    url = f"{live.ws_url}/v1/events?topics={topics}&api_key={key}"
    with connect(url, open_timeout=10) as ws:
        hello = json.loads(ws.recv(timeout=10))
        assert hello == {"type": "subscribed", "topics": topics.split(",")}
        yield ws


def next_event(ws: ClientConnection) -> dict[str, object]:
    msg: dict[str, object] = json.loads(ws.recv(timeout=10))
    assert msg["type"] == "event"
    return msg


def test_topic_filter_and_tenant_scope(live: LiveServer) -> None:
    with (
        open_stream(live, "a", "customer") as customers_only,
        open_stream(live, "a", "interaction.state_changed") as states_only,
        open_stream(live, "b", "*") as other_tenant,
    ):
        with live.client("a") as a:
            cust = a.post("/v1/customers", json={"name": "Streamed"}).json()
            inter = a.post("/v1/interactions", json={"channel": "chat"}).json()
            a.post(f"/v1/interactions/{inter['id']}/state", json={"state": "queued"})
            a.patch(f"/v1/customers/{cust['id']}", json={"name": "Streamed 2"})
        first = next_event(customers_only)
        assert first["topic"] == "customer.created" and first["subject_id"] == cust["id"]
        second = next_event(customers_only)
        assert second["topic"] == "customer.updated"
        assert second["data"]["name"] == "Streamed 2"  # type: ignore[index]
        state = next_event(states_only)
        assert state["topic"] == "interaction.state_changed"
        assert state["data"] == {"from": "created", "to": "queued", "seq": 2}
        with live.client("b") as b:
            marker = b.post("/v1/queues", json={"name": "b-marker"}).json()
        # Tenant b's first event is its own marker: nothing of tenant a leaked before it.
        assert next_event(other_tenant)["subject_id"] == marker["id"]


def test_bad_key_closes_with_4401(live: LiveServer) -> None:
    url = f"{live.ws_url}/v1/events?api_key=af_bad_key"
    with pytest.raises(ConnectionClosed) as info, connect(url, open_timeout=10) as ws:
        ws.recv(timeout=10)
    assert info.value.rcvd is not None and info.value.rcvd.code == 4401
