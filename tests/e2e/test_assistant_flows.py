"""The AI agent behind a tenant's entry flow, per-tenant intent training, and settings errors.

A live server of its own (uvicorn, SQLite file): tenant a runs its chats through a published
flow whose menu hands order questions to the `order_status` skill and people to a queue.
"""

from __future__ import annotations

from typing import Any

import pytest

from agentfloor.bootstrap import build
from tests.e2e.server import LiveServer
from tests.e2e.test_assistant import customer, events_of, interaction, outcome_of

FLOW = """
name: Chat entry
start: menu
blocks:
  menu:
    type: menu
    prompt: "Do you want to check an order or talk to a person?"
    options:
      - {label: Order, dtmf: "1", intent: order_status, next: orders}
      - {label: Person, dtmf: "2", intent: human, next: queue}
    no_match: queue
    max_retries: 1
  orders:
    type: ai_agent
    skill: order_status
    on_contained: more
    on_handoff: queue
  more:
    type: menu
    prompt: "Can I help with anything else?"
    options:
      - {label: "Yes", dtmf: "1", intent: affirm, next: menu}
      - {label: "No", dtmf: "2", intent: deny, next: bye}
    no_match: bye
    max_retries: 0
  queue:
    type: enqueue
    workflow_id: WORKFLOW
    position_message: "You are number {queue.position} in the queue."
  bye:
    type: end
    message: "Goodbye from the flow!"
"""


def publish(live: LiveServer, text: str) -> Any:
    with live.client() as c:
        return c.post("/v1/flows", content=text, headers={"content-type": "application/yaml"})


@pytest.fixture(scope="module")
def setup(live: LiveServer) -> dict[str, Any]:
    with live.client() as c:
        queue = c.post("/v1/queues", json={"name": "Support"}).json()
        workflow = c.post(
            "/v1/workflows",
            json={"name": "Support", "filters": [], "default_target": {"queue_id": queue["id"]}},
        ).json()
        r = publish(live, FLOW.replace("WORKFLOW", workflow["id"]))
        assert r.status_code == 201, r.text
        flow = r.json()
        r = c.put(
            "/v1/assistant",
            json={"flow_id": flow["flow_id"], "handoff_workflows": {"default": workflow["id"]}},
        )
        assert r.status_code == 200, r.text
        r = c.post("/v1/orders", json={"id": "ORD-555123", "status": "shipped"})
        assert r.status_code == 200, r.text
    return {"queue": queue, "workflow": workflow, "flow": flow}


def test_the_first_message_answers_the_menu_and_the_skill_contains_the_contact(
    live: LiveServer, setup: dict[str, Any]
) -> None:
    with customer(live) as cust:
        chat = cust.hello("flow-order")
        reply = cust.ask("f1", "where is my order ORD-555123?", count=2)
        assert "ORD-555123 is shipped" in reply, reply
        assert "anything else" in reply.lower() and "Do you want to check" not in reply
        reply = cust.ask("f2", "no")
        assert reply == "Goodbye from the flow!"
    outcome = outcome_of(live, chat["interaction_id"])
    assert (outcome["outcome"], outcome["reason"]) == ("contained", "flow_completed")
    assert interaction(live, chat["interaction_id"])["state"] == "completed"


def test_the_menu_sends_people_to_the_queue_with_a_summary(
    live: LiveServer, setup: dict[str, Any]
) -> None:
    with customer(live) as cust:
        chat = cust.hello("flow-person")
        reply = cust.ask("p1", "hello")
        assert "Do you want to check an order" in reply, reply
        reply = cust.ask("p2", "a person please")
        assert "You are number 1 in the queue." in reply, reply
    outcome = outcome_of(live, chat["interaction_id"])
    assert outcome["outcome"] == "handed_off"
    with live.client() as c:
        task = c.get(f"/v1/tasks/{outcome['task_id']}").json()
    texts = [t["text"] for t in task["attributes"]["summary"]["transcript"]]
    assert "a person please" in texts and task["queue_id"] == setup["queue"]["id"]


def test_a_running_contact_keeps_its_flow_version(live: LiveServer, setup: dict[str, Any]) -> None:
    with customer(live) as cust:
        cust.hello("flow-version")
        reply = cust.ask("v1", "hi")
        assert "Do you want to check an order" in reply
        changed = FLOW.replace("WORKFLOW", setup["workflow"]["id"]).replace(
            "Goodbye from the flow!", "Bye from version two!"
        )
        r = publish(live, changed)
        assert r.status_code == 201 and r.json()["version"] == 2, r.text
        reply = cust.ask("v2", "my order ORD-555123", count=2)
        assert "shipped" in reply
        assert cust.ask("v3", "no") == "Goodbye from the flow!"
    with customer(live) as newcomer:
        newcomer.hello("flow-version-2")
        newcomer.ask("n1", "order ORD-555123 please", count=2)
        assert newcomer.ask("n2", "no") == "Bye from version two!"


def test_an_unknown_skill_is_refused_on_upload_and_handed_off_at_run_time(
    live: LiveServer, setup: dict[str, Any]
) -> None:
    r = publish(
        live,
        FLOW.replace("WORKFLOW", setup["workflow"]["id"]).replace(
            "skill: order_status", "skill: refunds"
        ),
    )
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["errors"]] == ["blocks.orders.skill"]
    with live.client() as c:  # a skill the running flow uses is switched off afterwards
        settings = c.get("/v1/assistant").json()["settings"]
        r = c.put("/v1/assistant", json={**settings, "disabled_skills": ["order_status"]})
        assert r.status_code == 200, r.text
    try:
        with customer(live) as cust:
            chat = cust.hello("flow-unknown-skill")
            reply = cust.ask("u1", "where is my order ORD-555123?")
            assert "You are number" in reply, reply
        outcome = outcome_of(live, chat["interaction_id"])
        assert (outcome["outcome"], outcome["reason"]) == ("handed_off", "unknown_skill")
        assert "order_status" in outcome["detail"]
    finally:
        with live.client() as c:
            assert c.put("/v1/assistant", json=settings).status_code == 200


def test_settings_are_checked_whole_with_paths(live: LiveServer, setup: dict[str, Any]) -> None:
    with live.client() as c:
        before = c.get("/v1/assistant").json()
        r = c.put(
            "/v1/assistant",
            json={
                "timezone": "Mars/Base",
                "handoff_workflows": {"default": "wfl_nope"},
                "calendar": {"hours": {"mon": "25:00-26:00"}, "slot_minutes": 2},
                "skills": [{"name": "Bad Name", "intents": [], "action": {"kind": "teleport"}}],
                "surprise": 1,
            },
        )
        assert r.status_code == 422, r.text
        locs = {e["loc"] for e in r.json()["errors"]}
        assert {"timezone", "handoff_workflows.default", "surprise"} <= locs, locs
        assert any(loc.startswith("calendar.") for loc in locs), locs
        assert any(loc.startswith("skills[0].") for loc in locs), locs
        assert c.get("/v1/assistant").json() == before  # nothing half-stored


def test_a_tenant_trains_its_own_intents_and_they_survive_a_restart(
    live: LiveServer, setup: dict[str, Any]
) -> None:
    refunds = [
        "I want my money back",
        "can I get a refund for this",
        "please refund my purchase",
        "how do I return this and get reimbursed",
        "refund me now",
        "I'd like a refund on order 55",
        "give me my money back please",
        "the item broke, I want a refund",
    ]
    with live.client() as c:
        r = c.post(
            "/v1/assistant/intents",
            json={"examples": [{"text": t, "intent": "refund"} for t in refunds]},
        )
        assert r.status_code == 201, r.text
        model = r.json()
        assert "refund" in model["intents"] and "order_status" in model["intents"]
        said = c.post("/v1/assistant/understand", json={"text": "can you refund my money"})
        assert said.json()["intent"] == "refund", said.json()
        bad = c.post("/v1/assistant/intents", json={"examples": [{"text": "", "intent": "X Y"}]})
        assert bad.status_code == 422
    restarted = build(live.container.settings, upgrade=False)
    try:
        tenant = live.tenants["a"].tenant_id
        info = restarted.nlu.info(tenant)
        assert info is not None and info.trained_at == pytest.approx(
            __import__("datetime").datetime.fromisoformat(model["trained_at"]).timestamp()
        )
        heard, _ = restarted.nlu.understand(tenant, "I want a refund")
        assert heard.intent == "refund"
    finally:
        restarted.close()


def test_every_ai_contact_has_exactly_one_outcome(live: LiveServer, setup: dict[str, Any]) -> None:
    with live.client() as c:
        chats = c.get("/v1/interactions", params={"channel": "chat", "limit": 100}).json()
    items = chats["items"] if isinstance(chats, dict) else chats
    ended = [i for i in items if i["state"] in ("completed", "queued", "offered")]
    assert ended
    for item in ended:
        outcomes = [e for e in events_of(live, item["id"]) if e["type"] == "ai.outcome"]
        assert len(outcomes) == 1, (item["id"], outcomes)
