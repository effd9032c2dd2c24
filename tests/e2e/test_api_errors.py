"""Bad input gets a 4xx RFC 9457 problem a person can act on, and nothing valid is dropped."""

from __future__ import annotations

import httpx
import pytest

from agentfloor.access.model import Role
from tests.e2e.server import LiveServer


def assert_problem(r: httpx.Response, status: int, *words: str) -> dict[str, object]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = r.json()
    assert body["status"] == status and body["title"] and body["type"]
    detail = str(body["detail"]).lower()
    for word in words:
        assert word.lower() in detail, f"{word!r} not in {detail!r}"
    return body


def test_malformed_phone_is_422_naming_the_field(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post(
            "/v1/customers",
            json={"name": "Bad Phone", "identities": [{"kind": "phone", "value": "12ab"}]},
        )
        body = assert_problem(r, 422, "12ab")
        assert body["errors"] == [
            {"loc": "identities[0].value", "message": body["errors"][0]["message"]}  # type: ignore[index]
        ]
        assert c.get("/v1/customers", params={"name_contains": "Bad Phone"}).json()["items"] == []


def test_validation_errors_list_every_field(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post("/v1/workers", json={"name": "", "kind": "robot", "colour": "red"})
        body = assert_problem(r, 422)
        locs = {e["loc"] for e in body["errors"]}  # type: ignore[attr-defined]
        assert {"body.name", "body.kind", "body.colour"} <= locs


def test_unknown_or_missing_key_is_401(live: LiveServer) -> None:
    r = httpx.get(f"{live.base_url}/v1/customers")
    assert_problem(r, 401, "no api key")
    r = httpx.get(f"{live.base_url}/v1/customers", headers={"Authorization": "Bearer af_nope_nope"})
    assert_problem(r, 401, "unknown api key")
    r = httpx.get(f"{live.base_url}/v1/customers", headers={"Authorization": "Bearer garbage"})
    assert_problem(r, 401)


def test_wrong_role_is_403_naming_the_roles_needed(live: LiveServer) -> None:
    with live.client(role=Role.AGENT) as c:
        r = c.post("/v1/queues", json={"name": "agents-cannot"})
        body = assert_problem(r, 403, "agent", "admin")
        assert body["required_roles"] == ["admin"]
    with live.client() as c:
        assert all(q["name"] != "agents-cannot" for q in c.get("/v1/queues").json()["items"])


def test_oversized_body_is_413(live: LiveServer) -> None:
    big = "x" * (live.container.settings.max_body_bytes + 10)
    with live.client() as c:
        r = c.post("/v1/customers", json={"name": "big", "attributes": {"blob": big}})
        assert_problem(r, 413)


def test_oversized_chunked_body_is_413(live: LiveServer) -> None:
    limit = live.container.settings.max_body_bytes

    def chunks() -> object:
        for _ in range(limit // 1024 + 5):
            yield b"x" * 1024

    with live.client() as c:
        r = c.post("/v1/customers", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413


def test_illegal_transition_is_409_listing_the_legal_ones(live: LiveServer) -> None:
    with live.client() as c:
        i = c.post("/v1/interactions", json={"channel": "voice"}).json()
        r = c.post(f"/v1/interactions/{i['id']}/state", json={"state": "wrap_up"})
        body = assert_problem(r, 409, "created", "wrap_up", "in_flow")
        assert body["current"] == "created" and "queued" in body["allowed"]  # type: ignore[operator]
        assert c.get(f"/v1/interactions/{i['id']}").json()["state"] == "created"
        c.post(f"/v1/interactions/{i['id']}/state", json={"state": "abandoned"})
        r = c.post(f"/v1/interactions/{i['id']}/state", json={"state": "queued"})
        assert_problem(r, 409, "final")


def test_duplicate_queue_name_is_409(live: LiveServer) -> None:
    with live.client() as c:
        assert c.post("/v1/queues", json={"name": "dup-q"}).status_code == 201
        body = assert_problem(c.post("/v1/queues", json={"name": "dup-q"}), 409, "dup-q")
        assert body["errors"][0]["loc"] == "name"  # type: ignore[index]


def test_bad_cursor_and_limit_are_422(live: LiveServer) -> None:
    with live.client() as c:
        assert_problem(c.get("/v1/customers", params={"cursor": "%%%"}), 422, "cursor")
        assert_problem(c.get("/v1/customers", params={"limit": 100000}), 422)


def test_unknown_route_and_method_are_problems(live: LiveServer) -> None:
    with live.client() as c:
        assert_problem(c.get("/v1/nothing-here"), 404, "no endpoint")
        assert_problem(c.put("/v1/customers"), 405)


def test_disposition_must_be_a_known_code(live: LiveServer) -> None:
    with live.client() as c:
        i = c.post("/v1/interactions", json={"channel": "chat"}).json()
        for state in ("queued", "offered", "connected"):
            c.post(f"/v1/interactions/{i['id']}/state", json={"state": state})
        r = c.post(f"/v1/interactions/{i['id']}/disposition", json={"code": "no-such-code"})
        assert_problem(r, 422, "no-such-code")


def test_identity_owned_by_another_customer_is_409(live: LiveServer) -> None:
    with live.client() as c:
        ident = {"kind": "phone", "value": "+44 20 7946 0111"}
        first = c.post("/v1/customers", json={"name": "Owner", "identities": [ident]})
        assert first.status_code == 201
        r = c.post("/v1/customers", json={"name": "Second", "identities": [ident]})
        assert_problem(r, 409, "merge")
        assert c.get("/v1/customers", params={"name_contains": "Second"}).json()["items"] == []


@pytest.mark.parametrize(
    "payload",
    [
        {"channel": "fax"},
        {"channel": "chat", "customer_id": "cus_missing"},
        {"channel": "chat", "direction": "sideways"},
    ],
    ids=["bad-channel", "unknown-customer", "bad-direction"],
)
def test_bad_interaction_input_is_422(live: LiveServer, payload: dict[str, str]) -> None:
    with live.client() as c:
        assert_problem(c.post("/v1/interactions", json=payload), 422)
