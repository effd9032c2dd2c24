"""The live router over real HTTP and WebSocket: workflows, offers, accept, reject, stats."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from agentfloor.access.model import Role
from agentfloor.runtime import access
from tests.e2e.server import LiveServer, wait_until


@pytest.fixture(scope="module")
def floor(live: LiveServer) -> dict[str, Any]:
    """Tenant a: a billing queue, a workflow, two billing workers with bound agent keys."""
    with live.client() as c:
        queue = c.post(
            "/v1/queues",
            json={"name": "Billing", "target_expression": '"billing" IN worker.skills'},
        ).json()
        other = c.post("/v1/queues", json={"name": "Overflow"}).json()
        workflow = c.post(
            "/v1/workflows",
            json={
                "name": "Main",
                "filters": [
                    {
                        "name": "billing",
                        "expression": 'task.topic == "billing"',
                        "targets": [{"queue_id": queue["id"]}],
                    }
                ],
                "default_target": {"queue_id": other["id"]},
            },
        )
        assert workflow.status_code == 201, workflow.text
        c.post("/v1/dispositions", json={"code": "resolved", "label": "Resolved"})
        workers = []
        for name in ("Ann", "Bob"):
            w = c.post(
                "/v1/workers",
                json={
                    "name": name,
                    "attributes": {"skills": ["billing"]},
                    "capacity": {"voice": 1, "chat": 2},
                },
            ).json()
            key = access.create_key(
                live.container.ctx,
                live.tenants["a"].tenant_id,
                name=f"{name} desk",
                role=Role.AGENT,
                actor=None,
                worker_id=w["id"],
            )
            workers.append({**w, "key": key.secret_key})
    return {"queue": queue, "overflow": other, "workflow": workflow.json(), "workers": workers}


def agent(live: LiveServer, worker: dict[str, Any]) -> httpx.Client:
    return httpx.Client(
        base_url=live.base_url, headers={"Authorization": f"Bearer {worker['key']}"}, timeout=30
    )


@contextmanager
def offers(live: LiveServer, worker: dict[str, Any]) -> Iterator[ClientConnection]:
    """The worker's live feed of its own reservation events."""
    url = f"{live.ws_url}/v1/events?topics=reservation&api_key={worker['key']}"
    with connect(url, open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "subscribed"
        yield ws


def next_offer(ws: ClientConnection) -> dict[str, Any]:
    msg: dict[str, Any] = json.loads(ws.recv(timeout=10))
    assert msg["type"] == "event"
    return msg


def test_bad_expressions_are_422_with_the_column(live: LiveServer, floor: dict[str, Any]) -> None:
    with live.client() as c:
        r = c.post("/v1/queues", json={"name": "Bad", "target_expression": '"x" IN worker.'})
        assert r.status_code == 422, r.text
        body = r.json()
        assert "column" in body["detail"] and body["errors"][0]["loc"] == "target_expression"
        r = c.post(
            "/v1/workflows",
            json={
                "name": "Broken",
                "filters": [
                    {
                        "name": "f",
                        "expression": "task.a ==",
                        "targets": [
                            {"queue_id": floor["queue"]["id"], "worker_expression": "worker.x >"},
                            {"queue_id": "que_nope"},
                        ],
                    }
                ],
            },
        )
        assert r.status_code == 422, r.text
        locs = {e["loc"] for e in r.json()["errors"]}
        assert locs == {
            "filters[0].expression",
            "filters[0].targets[0].worker_expression",
            "filters[0].targets[1].queue_id",
        }
        r = c.post("/v1/tasks", json={"channel": "chat", "queue_id": "que_nope"})
        assert r.status_code in (404, 422) and "que_nope" in r.json()["detail"]
        r = c.post(f"/v1/workers/{floor['workers'][0]['id']}/activity", json={"activity": "nap"})
        assert r.status_code == 422 and "nap" in r.json()["detail"]


def test_expressions_are_checked_without_saving(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post(
            "/v1/routing/expressions/check",
            json={"expression": '"billing" IN worker.skills AND task.vip'},
        )
        assert r.status_code == 200, r.text
        assert r.json() == {
            "valid": True,
            "reads_task": True,
            "reads_worker": True,
            "paths": ["task.vip", "worker.skills"],
        }
        r = c.post("/v1/routing/expressions/check", json={"expression": "task.lang == "})
        assert r.status_code == 422, r.text
        body = r.json()
        assert (
            body["errors"][0]["loc"] == "expression" and "column 14" in body["errors"][0]["message"]
        )
        assert body["column"] == 14
        r = c.post(
            "/v1/routing/expressions/check",
            json={"expression": "worker.level > 2", "use": "filter"},
        )
        assert r.status_code == 422 and "worker expression" in r.json()["detail"], r.text
        r = c.post("/v1/routing/expressions/check", json={"expression": "x", "use": "queue"})
        assert r.status_code == 422 and r.json()["errors"][0]["loc"].endswith("use"), r.text
        queues = c.get("/v1/queues").json()["items"]
    assert not any(q["target_expression"] == "task.lang == " for q in queues)  # nothing saved
    with live.client(role=Role.AGENT) as agent:
        r = agent.post("/v1/routing/expressions/check", json={"expression": "task.vip"})
        assert r.status_code == 403, r.text


def test_offer_accept_complete_over_http_and_websocket(
    live: LiveServer, floor: dict[str, Any]
) -> None:
    ann, bob = floor["workers"]
    with live.client() as c, agent(live, ann) as a, offers(live, ann) as feed:
        interaction = c.post("/v1/interactions", json={"channel": "chat"}).json()
        assert (
            a.post(f"/v1/workers/{ann['id']}/activity", json={"activity": "available"}).status_code
            == 200
        )
        task = c.post(
            "/v1/tasks",
            json={
                "channel": "chat",
                "workflow_id": floor["workflow"]["id"],
                "attributes": {"topic": "billing"},
                "interaction_id": interaction["id"],
            },
        )
        assert task.status_code == 201, task.text
        assert task.json()["queue_id"] == floor["queue"]["id"]
        offer = next_offer(feed)
        assert offer["topic"] == "reservation.created"
        assert (
            offer["data"]["task_id"] == task.json()["id"]
            and offer["data"]["worker_id"] == ann["id"]
        )
        rid = offer["subject_id"]
        # Bob may not touch Ann's offer; Ann accepts once, not twice.
        with agent(live, bob) as b:
            assert b.post(f"/v1/reservations/{rid}/accept", json={}).status_code == 403
        accepted = a.post(f"/v1/reservations/{rid}/accept", json={})
        assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
        again = a.post(f"/v1/reservations/{rid}/accept", json={})
        assert again.status_code == 409 and "accepted" in again.json()["detail"]
        with agent(live, bob) as b:
            r = b.post(f"/v1/tasks/{task.json()['id']}/complete", json={})
            assert r.status_code == 403
        done = a.post(
            f"/v1/tasks/{task.json()['id']}/complete", json={"disposition_code": "resolved"}
        )
        assert done.status_code == 200, done.text
        assert done.json()["state"] in ("wrapping", "completed")
        final = c.get(f"/v1/interactions/{interaction['id']}").json()
        assert final["state"] == "completed" and final["disposition_code"] == "resolved"
        log = [e["type"] for e in c.get(f"/v1/interactions/{interaction['id']}/events").json()]
        for expected in ("task.queued", "reservation.created", "task.assigned", "task.completed"):
            assert expected in log
        stats = c.get(f"/v1/queues/{floor['queue']['id']}/stats").json()
        assert stats["answered_today"] >= 1 and stats["service_level_today"] == 1.0
        a.post(f"/v1/workers/{ann['id']}/activity", json={"activity": "offline"})


def test_reject_puts_the_task_back_in_its_place(live: LiveServer, floor: dict[str, Any]) -> None:
    ann, _ = floor["workers"]
    qid = floor["queue"]["id"]
    with live.client() as c, agent(live, ann) as a:
        made = [
            c.post("/v1/tasks", json={"channel": "voice", "queue_id": qid}).json()["id"]
            for _ in range(3)
        ]
        waiting = [t["id"] for t in c.get(f"/v1/queues/{qid}/waiting").json()]
        assert waiting == made
        with offers(live, ann) as feed:
            a.post(f"/v1/workers/{ann['id']}/activity", json={"activity": "available"})
            offer = next_offer(feed)
            assert offer["data"]["task_id"] == made[0]
            r = a.post(f"/v1/reservations/{offer['subject_id']}/reject", json={"activity": "break"})
            assert r.status_code == 200 and r.json()["state"] == "rejected"
        assert [t["id"] for t in c.get(f"/v1/queues/{qid}/waiting").json()] == made
        worker = c.get(f"/v1/workers/{ann['id']}").json()
        assert worker["activity"] == "break"
        for tid in made:
            r = c.post(f"/v1/tasks/{tid}/cancel", json={"reason": "abandoned"})
            assert r.status_code == 200 and r.json()["state"] == "abandoned"
        assert c.get(f"/v1/queues/{qid}/waiting").json() == []
        assert c.get(f"/v1/queues/{qid}/stats").json()["abandoned_today"] >= 3


def test_an_unanswered_offer_times_out_and_the_worker_is_missed(
    live: LiveServer, floor: dict[str, Any]
) -> None:
    _, bob = floor["workers"]
    with live.client() as c, agent(live, bob) as b:
        config = c.get("/v1/routing/config").json()
        r = c.put("/v1/routing/config", json={**config, "reservation_timeout_s": 0.5})
        assert r.status_code == 200, r.text
        try:
            with offers(live, bob) as feed:
                b.post(f"/v1/workers/{bob['id']}/activity", json={"activity": "available"})
                task = c.post(
                    "/v1/tasks", json={"channel": "chat", "queue_id": floor["queue"]["id"]}
                ).json()
                offer = next_offer(feed)
                timed_out = next_offer(feed)  # nobody answers: the router's timer fires
            assert timed_out["topic"] == "reservation.timed_out"
            late = b.post(f"/v1/reservations/{offer['subject_id']}/accept", json={})
            assert late.status_code == 409 and "timed_out" in late.json()["detail"]
            assert c.get(f"/v1/workers/{bob['id']}").json()["activity"] == "missed"
            assert c.get(f"/v1/tasks/{task['id']}").json()["state"] == "pending"
            c.post(f"/v1/tasks/{task['id']}/cancel", json={})
        finally:
            c.put("/v1/routing/config", json=config)


def test_routing_config_validation(live: LiveServer) -> None:
    with live.client() as c:
        r = c.put(
            "/v1/routing/config",
            json={"activities": {"available": False}, "missed_activity": "gone"},
        )
        assert r.status_code == 422
        assert {e["loc"] for e in r.json()["errors"]} == {"activities", "missed_activity"}
    with live.client(role=Role.AGENT) as agent_client:
        r = agent_client.put("/v1/routing/config", json={"activities": {"available": True}})
        assert r.status_code == 403


def test_an_unbound_agent_key_must_say_which_worker(
    live: LiveServer, floor: dict[str, Any]
) -> None:
    with live.client(role=Role.AGENT) as a:
        r = a.post("/v1/reservations/res_x/accept", json={})
        assert r.status_code == 422 and "worker_id" in r.json()["detail"]


def test_waiting_tasks_are_in_priority_then_fifo_order(
    live: LiveServer, floor: dict[str, Any]
) -> None:
    qid = floor["overflow"]["id"]
    with live.client() as c:
        low1 = c.post("/v1/tasks", json={"channel": "chat", "queue_id": qid}).json()["id"]
        high = c.post("/v1/tasks", json={"channel": "chat", "queue_id": qid, "priority": 5}).json()[
            "id"
        ]
        low2 = c.post("/v1/tasks", json={"channel": "chat", "queue_id": qid}).json()["id"]
        wait_until(lambda: len(c.get(f"/v1/queues/{qid}/waiting").json()) == 3, what="3 waiting")
        assert [t["id"] for t in c.get(f"/v1/queues/{qid}/waiting").json()] == [high, low1, low2]
        for tid in (low1, high, low2):
            c.post(f"/v1/tasks/{tid}/cancel", json={})
