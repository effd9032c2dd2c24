"""Tenant isolation and role declarations, generated from the route table.

A new route cannot escape: every path parameter must be known here (or the test fails naming
it), every route is called with tenant A's admin key on tenant B's objects and must answer 404,
and every `/v1` route must declare its roles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest

from agentfloor.access.model import Role
from tests.e2e.server import LiveServer

# Bodies valid enough to get past request validation, so the tenant check is what answers.
SAMPLE_BODIES: dict[tuple[str, str], object] = {
    ("POST", "/v1/interactions/{interaction_id}/state"): {"state": "in_flow"},
    ("POST", "/v1/interactions/{interaction_id}/disposition"): {"code": "resolved"},
    ("POST", "/v1/interactions/{interaction_id}/messages"): {"text": "hi"},
    ("POST", "/v1/customers/{customer_id}/identities"): {"kind": "email", "value": "z@z.org"},
    ("POST", "/v1/workers/{worker_id}/activity"): {"activity": "available"},
    ("PATCH", "/v1/notes/{note_id}"): {"body": "changed"},
    ("PUT", "/v1/workflows/{workflow_id}"): {"name": "x", "default_target": {"queue_id": "q"}},
}


@dataclass(frozen=True)
class ApiRoute:
    path: str
    methods: frozenset[str]


def api_routes(live: LiveServer) -> list[ApiRoute]:
    """Every `/v1` HTTP route, read from the app's own OpenAPI document (the route table)."""
    spec = live.server.config.app.openapi()  # type: ignore[attr-defined]
    routes = [
        ApiRoute(path, frozenset(m.upper() for m in ops))
        for path, ops in spec["paths"].items()
        if path.startswith("/v1/")
    ]
    assert len(routes) >= 20, "the route table looks empty; did the OpenAPI schema change?"
    return routes


@pytest.fixture(scope="module")
def tenant_b_objects(live: LiveServer) -> dict[str, str]:
    with live.client("b") as b:
        cust = b.post(
            "/v1/customers",
            json={
                "name": "B person",
                "identities": [{"kind": "phone", "value": "+1 202 555 0142"}],
            },
        ).json()
        other = b.post("/v1/customers", json={"name": "B other"}).json()
        merge = b.post("/v1/merges", json={"target_id": cust["id"], "source_id": other["id"]})
        interaction = b.post(
            "/v1/interactions", json={"channel": "chat", "customer_id": cust["id"]}
        ).json()
        note = b.post("/v1/notes", json={"body": "b note", "customer_id": cust["id"]}).json()
        worker = b.post("/v1/workers", json={"name": "B worker"}).json()
        queue = b.post("/v1/queues", json={"name": "b-queue"}).json()
        disposition = b.post("/v1/dispositions", json={"code": "resolved", "label": "R"}).json()
        key = b.post("/v1/api-keys", json={"name": "b key", "role": "agent"}).json()
        workflow = b.post(
            "/v1/workflows", json={"name": "b flow", "default_target": {"queue_id": queue["id"]}}
        ).json()
        b.post(f"/v1/workers/{worker['id']}/activity", json={"activity": "available"})
        task = b.post("/v1/tasks", json={"channel": "chat", "workflow_id": workflow["id"]}).json()
        reservations = b.get(f"/v1/tasks/{task['id']}/reservations").json()
        flow = b.post(
            "/v1/flows",
            content="name: B flow\nstart: e\nblocks:\n  e: {type: end}\n",
            headers={"content-type": "application/yaml"},
        ).json()
        order = b.post("/v1/orders", json={"id": "BORD-1234", "status": "shipped"}).json()
    return {
        "customer_id": cust["id"],
        "identity_id": cust["identities"][0]["id"],
        "merge_id": merge.json()["id"],
        "interaction_id": interaction["id"],
        "note_id": note["id"],
        "worker_id": worker["id"],
        "queue_id": queue["id"],
        "disposition_id": disposition["id"],
        "key_id": key["id"],
        "workflow_id": workflow["id"],
        "task_id": task["id"],
        "reservation_id": reservations[0]["id"],
        "flow_id": flow["flow_id"],
        "version": "1",
        "order_id": order["id"],
    }


def test_every_path_parameter_has_a_tenant_b_object(
    live: LiveServer, tenant_b_objects: dict[str, str]
) -> None:
    params = {p for r in api_routes(live) for p in re.findall(r"{(\w+)}", r.path)}
    missing = params - tenant_b_objects.keys()
    assert not missing, f"add a tenant-B object for path parameters {missing} in this test"


def test_tenant_a_gets_404_for_every_object_of_tenant_b(
    live: LiveServer, tenant_b_objects: dict[str, str]
) -> None:
    checked = 0
    with live.client("a") as a:
        for route in api_routes(live):
            if "{" not in route.path:
                continue
            url = route.path.format(**tenant_b_objects)
            for method in sorted(route.methods):
                body = SAMPLE_BODIES.get((method, route.path), {} if method != "GET" else None)
                r = a.request(method, url, json=body)
                assert r.status_code == 404, f"{method} {route.path}: {r.status_code} {r.text}"
                assert r.headers["content-type"].startswith("application/problem+json")
                checked += 1
    assert checked >= 20
    with live.client("b") as b:  # and nothing of B's changed
        for name in ("customer", "interaction", "note", "worker", "queue", "disposition"):
            assert b.get(f"/v1/{name}s/{tenant_b_objects[name + '_id']}").status_code == 200
        assert b.get("/v1/customers/lookup", params={"value": "(202) 555-0142"}).status_code == 200
        keys = {k["id"]: k for k in b.get("/v1/api-keys").json()}
        assert keys[tenant_b_objects["key_id"]]["revoked_at"] is None


def test_tenant_a_lists_never_show_tenant_b_rows(
    live: LiveServer, tenant_b_objects: dict[str, str]
) -> None:
    b_ids = set(tenant_b_objects.values())
    with live.client("a") as a:
        for route in api_routes(live):
            if "{" in route.path or "GET" not in route.methods or route.path.endswith("lookup"):
                continue
            r = a.get(route.path)
            assert r.status_code == 200, f"GET {route.path}: {r.text}"
            assert not (b_ids & set(re.findall(r"[a-z]{3}_[0-9A-Z]{26}", r.text))), route.path
        r = a.get("/v1/customers/lookup", params={"value": "+1 202 555 0142"})
        assert r.status_code == 404


def test_every_v1_route_declares_roles_and_requires_a_key(live: LiveServer) -> None:
    spec = httpx.get(f"{live.base_url}/openapi.json").json()
    for path, ops in spec["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, op in ops.items():
            roles = op.get("x-roles")
            assert roles, f"{method.upper()} {path} declares no x-roles"
            assert set(roles) <= {r.value for r in Role}
            r = httpx.request(method, live.base_url + path.replace("{", "").replace("}", ""))
            assert r.status_code == 401, f"{method.upper()} {path} without a key: {r.status_code}"
