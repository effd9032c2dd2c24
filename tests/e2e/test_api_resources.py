"""CRUD, filters and cursor pagination for every `/v1` resource, over real HTTP."""

from __future__ import annotations

import httpx
import pytest

from agentfloor.access.model import Role
from tests.e2e.server import LiveServer


def walk(client: httpx.Client, path: str, **params: object) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        r = client.get(path, params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def test_openapi_is_published_and_versioned(live: LiveServer) -> None:
    r = httpx.get(f"{live.base_url}/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/v1/customers" in paths
    assert all(p.startswith("/v1/") or p in ("/healthz", "/readyz") for p in paths)


def test_workers_crud_and_filters(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post(
            "/v1/workers",
            json={
                "name": "Ada",
                "kind": "human",
                "attributes": {"skills": ["billing"], "level": {"billing": 4}},
                "capacity": {"voice": 1, "chat": 3},
            },
        )
        assert r.status_code == 201, r.text
        ada = r.json()
        assert ada["activity"] == "offline"
        bot = c.post("/v1/workers", json={"name": "Bot", "kind": "ai", "capacity": {"chat": 50}})
        assert bot.status_code == 201
        r = c.post(f"/v1/workers/{ada['id']}/activity", json={"activity": "available"})
        assert r.json()["activity"] == "available"
        assert r.json()["activity_since"] >= ada["activity_since"]
        ai_only = walk(c, "/v1/workers", kind="ai")
        assert [w["name"] for w in ai_only] == ["Bot"]
        available = walk(c, "/v1/workers", activity="available")
        assert [w["id"] for w in available] == [ada["id"]]
        r = c.patch(f"/v1/workers/{ada['id']}", json={"attributes": {"skills": ["sales"]}})
        assert r.json()["attributes"] == {"skills": ["sales"]}
        assert c.delete(f"/v1/workers/{bot.json()['id']}").status_code == 204
        assert c.get(f"/v1/workers/{bot.json()['id']}").status_code == 404


def test_queues_and_dispositions_crud(live: LiveServer) -> None:
    with live.client() as c:
        q = c.post(
            "/v1/queues", json={"name": "billing-q", "target_expression": '"b" IN worker.skills'}
        ).json()
        r = c.patch(f"/v1/queues/{q['id']}", json={"description": "Billing questions"})
        assert r.status_code == 200 and r.json()["description"] == "Billing questions"
        d = c.post("/v1/dispositions", json={"code": "resolved-x", "label": "Resolved"})
        assert d.status_code == 201
        r = c.patch(f"/v1/dispositions/{d.json()['id']}", json={"active": False})
        assert r.json()["active"] is False
        assert c.delete(f"/v1/queues/{q['id']}").status_code == 204
        assert c.get(f"/v1/queues/{q['id']}").status_code == 404


def test_pagination_walks_every_customer_once(live: LiveServer) -> None:
    with live.client() as c:
        made = set()
        for i in range(23):
            r = c.post("/v1/customers", json={"name": f"Page Person {i:02d}"})
            assert r.status_code == 201
            made.add(r.json()["id"])
        seen = walk(c, "/v1/customers", limit=5, name_contains="Page Person")
        ids = [s["id"] for s in seen]
        assert len(ids) == len(set(ids)) == 23
        assert set(ids) == made
        assert ids == sorted(ids)


def test_interaction_lifecycle_writes_event_log(live: LiveServer) -> None:
    with live.client() as c:
        cust = c.post(
            "/v1/customers",
            json={"name": "Life Cycle", "identities": [{"kind": "email", "value": "LC@x.org"}]},
        ).json()
        c.post("/v1/dispositions", json={"code": "resolved", "label": "Resolved"})
        i = c.post("/v1/interactions", json={"channel": "chat", "customer_id": cust["id"]}).json()
        assert i["state"] == "created" and i["direction"] == "in"
        for state in ("in_flow", "queued", "offered", "connected", "wrap_up"):
            r = c.post(f"/v1/interactions/{i['id']}/state", json={"state": state})
            assert r.status_code == 200, r.text
        r = c.post(f"/v1/interactions/{i['id']}/disposition", json={"code": "resolved"})
        assert r.json()["disposition_code"] == "resolved"
        r = c.post(f"/v1/interactions/{i['id']}/state", json={"state": "completed"})
        assert r.json()["state"] == "completed" and r.json()["ended_at"] is not None
        events = c.get(f"/v1/interactions/{i['id']}/events").json()
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        assert [e["type"] for e in events] == [
            "interaction.created",
            *["interaction.state_changed"] * 5,
            "interaction.dispositioned",
            "interaction.state_changed",
        ]
        assert events[-1]["data"] == {"from": "wrap_up", "to": "completed"}
        by_state = walk(c, "/v1/interactions", customer_id=cust["id"], state="completed")
        assert [x["id"] for x in by_state] == [i["id"]]
        assert walk(c, "/v1/interactions", customer_id=cust["id"], channel="voice") == []


def test_notes_crud_on_customer_and_interaction(live: LiveServer) -> None:
    with live.client() as c:
        cust = c.post("/v1/customers", json={"name": "Noted"}).json()
        i = c.post("/v1/interactions", json={"channel": "sms", "customer_id": cust["id"]}).json()
        n1 = c.post("/v1/notes", json={"body": "prefers e-mail", "customer_id": cust["id"]})
        assert n1.status_code == 201
        n2 = c.post("/v1/notes", json={"body": "asked about refund", "interaction_id": i["id"]})
        assert n2.json()["customer_id"] == cust["id"]
        notes = walk(c, "/v1/notes", customer_id=cust["id"])
        assert {n["body"] for n in notes} == {"prefers e-mail", "asked about refund"}
        r = c.patch(f"/v1/notes/{n1.json()['id']}", json={"body": "prefers phone"})
        assert r.json()["body"] == "prefers phone"
        assert c.delete(f"/v1/notes/{n2.json()['id']}").status_code == 204
        assert [n["body"] for n in walk(c, "/v1/notes", customer_id=cust["id"])] == [
            "prefers phone"
        ]


def test_api_key_shown_once_then_works_and_revokes(live: LiveServer) -> None:
    with live.client() as admin:
        r = admin.post("/v1/api-keys", json={"name": "crm sync", "role": "integration"})
        assert r.status_code == 201
        issued = r.json()
        listed = admin.get("/v1/api-keys").json()
        assert all("key" not in k and "secret_hash" not in k for k in listed)
        headers = {"X-API-Key": issued["key"]}
        assert httpx.get(f"{live.base_url}/v1/queues", headers=headers).status_code == 200
        assert admin.post(f"/v1/api-keys/{issued['id']}/revoke").status_code == 200
        r = httpx.get(f"{live.base_url}/v1/queues", headers=headers)
        assert r.status_code == 401
        assert "revoked" in r.json()["detail"]


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ADMIN, 200), (Role.SUPERVISOR, 200), (Role.AGENT, 403), (Role.INTEGRATION, 403)],
    ids=lambda v: str(v),
)
def test_audit_log_is_for_admins_and_supervisors(live: LiveServer, role: Role, status: int) -> None:
    with live.client(role=role) as c:
        assert c.get("/v1/audit-log").status_code == status


def test_audit_log_records_who_changed_what(live: LiveServer) -> None:
    with live.client(role=Role.SUPERVISOR) as sup:
        cust = sup.post("/v1/customers", json={"name": "Before"}).json()
        sup.patch(f"/v1/customers/{cust['id']}", json={"name": "After"})
        entries = sup.get("/v1/audit-log", params={"resource_id": cust["id"]}).json()["items"]
    assert [e["action"] for e in entries] == ["customer.updated", "customer.created"]
    update = entries[0]
    assert update["actor_role"] == "supervisor" and update["actor_key_id"].startswith("key_")
    assert update["before"]["name"] == "Before" and update["after"]["name"] == "After"
