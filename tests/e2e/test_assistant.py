"""The AI agent over a real WebSocket: contained order status, booking, handoff, resume, bad input.

One live server (uvicorn, SQLite file) for the module. Tenant a is set up the way a tenant runs:
a worker, a support and a sales queue with workflows, the demo orders table and a calendar.
Tenant b points its orders at a real local HTTP server that misbehaves on purpose.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from websockets.sync.client import connect

from tests.e2e.server import LiveServer
from tests.e2e.test_chat import Visitor, transcript


def _next_weekday(days_ahead: int = 7) -> date:
    day = date.today() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


class _Shop(BaseHTTPRequestHandler):
    """A tenant's order system that times out or answers garbage, depending on the order."""

    def do_GET(self) -> None:
        if "SLOW" in self.path:
            time.sleep(3)
        if "JUNK" in self.path or "SLOW" in self.path:
            body, kind = b"<html>oops</html>", "text/html"
        else:
            body, kind = (
                json.dumps({"status": "packed", "delivery_date": "Monday"}).encode(),
                ("application/json"),
            )
        try:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the caller gave up waiting

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def shop() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Shop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def centre(live: LiveServer, shop: str) -> dict[str, Any]:
    """Tenant a: a worker, support and sales queues and workflows, an order, a calendar."""
    with live.client() as c:
        worker = c.post(
            "/v1/workers",
            json={"name": "Sam", "capacity": {"chat": 2}, "attributes": {"skills": ["sales"]}},
        ).json()
        support = c.post("/v1/queues", json={"name": "Support"}).json()
        sales = c.post(
            "/v1/queues", json={"name": "Sales", "target_expression": '"sales" IN worker.skills'}
        ).json()
        flows = {}
        for name, queue in (("Support", support), ("Sales", sales)):
            r = c.post(
                "/v1/workflows",
                json={"name": name, "filters": [], "default_target": {"queue_id": queue["id"]}},
            )
            assert r.status_code == 201, r.text
            flows[name] = r.json()
        r = c.put(
            "/v1/assistant",
            json={
                "timezone": "Europe/London",
                "region": "GB",
                "handoff_workflows": {
                    "default": flows["Support"]["id"],
                    "sales": flows["Sales"]["id"],
                },
                "calendar": {"hours": {"mon-fri": "09:00-17:00"}, "slot_minutes": 30},
            },
        )
        assert r.status_code == 200, r.text
        r = c.post(
            "/v1/orders",
            json={"id": "ORD-123456", "status": "out for delivery", "delivery_date": "tomorrow"},
        )
        assert r.status_code == 200, r.text
    with live.client("b") as c:
        support_b = c.post("/v1/queues", json={"name": "Support"}).json()
        wf_b = c.post(
            "/v1/workflows",
            json={
                "name": "Support",
                "filters": [],
                "default_target": {"queue_id": support_b["id"]},
            },
        ).json()
        r = c.put(
            "/v1/assistant",
            json={
                "handoff_workflows": {"default": wf_b["id"]},
                "orders_webhook": shop + "/orders/{order_id}",
            },
        )
        assert r.status_code == 200, r.text
    return {"worker": worker, "support": support, "sales": sales, "workflows": flows}


class Customer(Visitor):
    """A visitor that waits for the AI's replies."""

    def ai_after(self, seq: int, count: int = 1) -> list[str]:
        """Wait for `count` AI messages after `seq`; return every AI text after it."""
        self.wait(
            lambda: (
                sum(1 for s, m in self.messages.items() if s > seq and m["sender"] == "ai") >= count
            ),
            f"{count} AI replies after seq {seq}",
        )
        return [
            m["text"] for s, m in sorted(self.messages.items()) if s > seq and m["sender"] == "ai"
        ]

    def ask(self, client_id: str, text: str, count: int = 1) -> str:
        """Say `text`; return the AI's replies to it, joined."""
        seq = self.say(client_id, text)
        return " | ".join(self.ai_after(seq, count))


def customer(live: LiveServer, tenant: str = "tenant-a") -> Any:
    return _Connected(live, tenant)


class _Connected:
    def __init__(self, live: LiveServer, tenant: str) -> None:
        self.url = f"{live.ws_url}/v1/chat/visitor?tenant={tenant}"

    def __enter__(self) -> Customer:
        self._cm = connect(self.url, open_timeout=10)
        return Customer(self._cm.__enter__())

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)  # type: ignore[arg-type]


def events_of(live: LiveServer, interaction_id: str, tenant: str = "a") -> list[dict[str, Any]]:
    with live.client(tenant) as c:
        r = c.get(f"/v1/interactions/{interaction_id}/events", params={"limit": 500})
        assert r.status_code == 200, r.text
        body = r.json()
        return list(body["items"] if isinstance(body, dict) else body)


def outcome_of(live: LiveServer, interaction_id: str, tenant: str = "a") -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [e for e in events_of(live, interaction_id, tenant) if e["type"] == "ai.outcome"]
        if found:
            assert len(found) == 1, found
            return dict(found[0]["data"])
        time.sleep(0.05)
    raise AssertionError("no ai.outcome event")


def interaction(live: LiveServer, interaction_id: str, tenant: str = "a") -> dict[str, Any]:
    with live.client(tenant) as c:
        r = c.get(f"/v1/interactions/{interaction_id}")
        assert r.status_code == 200, r.text
        return dict(r.json())


def test_order_status_is_answered_and_the_contact_contained(
    live: LiveServer, centre: dict[str, Any]
) -> None:
    with customer(live) as cust:
        chat = cust.hello("order-visitor")
        reply = cust.ask("c1", "Hi, where is my order ORD-123456?", count=2)
        assert "ORD-123456" in reply and "out for delivery" in reply, reply
        assert "anything else" in reply.lower()
        reply = cust.ask("c2", "no thanks, that's all")
        assert "goodbye" in reply.lower() or "thanks" in reply.lower(), reply
    outcome = outcome_of(live, chat["interaction_id"])
    assert outcome["outcome"] == "contained", outcome
    assert interaction(live, chat["interaction_id"])["state"] == "completed"


def test_an_appointment_is_booked_with_a_digression_on_the_way(
    live: LiveServer, centre: dict[str, Any]
) -> None:
    day = _next_weekday()
    with customer(live) as cust:
        chat = cust.hello("booking-visitor", name="Alex Smith")
        reply = cust.ask("b1", "I'd like to book an appointment please")
        assert "which day" in reply.lower(), reply
        reply = cust.ask("b2", "What are your opening hours?", count=2)
        assert "open" in reply.lower() and "which day" in reply.lower(), reply
        reply = cust.ask("b3", f"{day:%A %d %B} at 10am")
        assert "name" in reply.lower(), reply
        reply = cust.ask("b4", "Alex Smith")
        assert reply.lower().startswith("shall i book"), reply
        reply = cust.ask("b5", "yes please")
        assert "booked" in reply.lower() and "10:00" in reply, reply
    with live.client() as c:
        r = c.get(
            "/v1/appointments",
            params={"from": f"{day.isoformat()}T00:00:00Z", "to": f"{day.isoformat()}T23:59:00Z"},
        )
        assert r.status_code == 200, r.text
        booked = [a for a in r.json() if a["interaction_id"] == chat["interaction_id"]]
    assert len(booked) == 1 and booked[0]["name"] == "Alex Smith", booked


def test_asking_for_a_person_lands_in_a_queue_with_the_summary(
    live: LiveServer, centre: dict[str, Any]
) -> None:
    with customer(live) as cust:
        chat = cust.hello("human-visitor")
        cust.ask("h1", "my order ORD-999 never arrived and I'm annoyed")
        reply = cust.ask("h2", "I want to talk to a real person")
        assert "colleague" in reply.lower(), reply
    outcome = outcome_of(live, chat["interaction_id"])
    assert outcome["outcome"] == "handed_off" and outcome["reason"] == "asked_for_person"
    summary = outcome["summary"]
    texts = [t["text"] for t in summary["transcript"]]
    assert "I want to talk to a real person" in texts, summary
    assert summary["customer_id"] == chat["customer_id"]
    with live.client() as c:
        task = c.get(f"/v1/tasks/{outcome['task_id']}").json()
    assert task["interaction_id"] == chat["interaction_id"]
    assert task["attributes"]["summary"]["reason"] == "asked_for_person"
    assert task["queue_id"] == centre["support"]["id"]
    assert interaction(live, chat["interaction_id"])["state"] in ("queued", "offered")


def test_a_hot_lead_goes_straight_to_sales(live: LiveServer, centre: dict[str, Any]) -> None:
    with customer(live) as cust:
        chat = cust.hello("lead-visitor")
        reply = cust.ask("l1", "I'd like a quote for your premium plan")
        cust.ask("l2", "We need it for 40 support agents")
        cust.ask("l3", "about 20000 GBP")
        cust.ask("l4", "I'm the decision maker")
        reply = cust.ask("l5", "this month", count=1)
        assert reply, reply
    outcome = outcome_of(live, chat["interaction_id"])
    assert outcome["outcome"] == "handed_off" and outcome["reason"] == "skill_rule", outcome
    with live.client() as c:
        task = c.get(f"/v1/tasks/{outcome['task_id']}").json()
    assert task["queue_id"] == centre["sales"]["id"]


def test_a_reconnect_mid_conversation_loses_nothing(
    live: LiveServer, centre: dict[str, Any]
) -> None:
    with customer(live) as cust:
        chat = cust.hello("resume-visitor")
        reply = cust.ask("r1", "can I book an appointment?")
        assert "which day" in reply.lower()
        last = max(cust.messages)
        # The next message goes out and the connection drops before the reply is read.
        cust.send({"type": "message", "client_id": "r2", "text": "next Friday at 2pm"})
        time.sleep(0.05)
    with customer(live) as again:
        again.send(
            {
                "type": "hello",
                "visitor_id": "resume-visitor",
                "last_seq": last,
                "interaction_id": chat["interaction_id"],
            }
        )
        again.wait(lambda: bool(again.welcomes), "welcome")
        again.wait(
            lambda: any(m["sender"] == "ai" and s > last for s, m in again.messages.items()),
            "the reply to the message sent before the drop",
        )
        # Resending the same client id is a no-op: nothing is stored twice.
        again.say("r2", "next Friday at 2pm")
    stored = transcript(live, chat["interaction_id"])
    customer_texts = [t for _, sender, t in stored if sender == "customer"]
    assert customer_texts.count("next Friday at 2pm") == 1, stored
    seqs = [s for s, _, _ in stored]
    assert seqs == list(range(1, len(seqs) + 1))
    assert any("name" in t.lower() for _, sender, t in stored if sender == "ai"), stored


def test_oversized_and_binary_messages_are_refused_and_the_chat_goes_on(
    live: LiveServer, centre: dict[str, Any]
) -> None:
    with customer(live) as cust:
        chat = cust.hello("bad-input-visitor")
        error = cust.refused(json.dumps({"type": "message", "client_id": "x1", "text": "a" * 5000}))
        assert error["code"] == "too_long", error
        error = cust.refused(b"\x00\x01\x02binary")
        assert error["code"], error
        reply = cust.ask("x2", "where is my order ORD-123456")
        assert "out for delivery" in reply
    stored = transcript(live, chat["interaction_id"])
    assert not any("aaaa" in t for _, _, t in stored)


@pytest.mark.parametrize(
    ("order", "error"), [("SLOW-1234", "no answer within"), ("JUNK-1234", "not JSON")]
)
def test_a_failing_order_webhook_hands_off_with_the_reason(
    live: LiveServer, centre: dict[str, Any], order: str, error: str
) -> None:
    with customer(live, "tenant-b") as cust:
        chat = cust.hello(f"webhook-{order.lower()}")
        reply = cust.ask("w1", f"what's the status of order {order}?", count=2)
        assert "colleague" in reply.lower(), reply
    outcome = outcome_of(live, chat["interaction_id"], "b")
    assert outcome["outcome"] == "handed_off" and outcome["reason"] == "action_failed"
    assert error in outcome["detail"], outcome
    with live.client("b") as c:
        stored = c.get(f"/v1/interactions/{chat['interaction_id']}/messages").json()
    assert [m["text"] for m in stored if m["sender"] == "customer"] == [
        f"what's the status of order {order}?"
    ]


def test_the_server_says_when_the_ai_agent_is_ready(live: LiveServer) -> None:
    import httpx

    from agentfloor.bootstrap import build

    assert httpx.get(f"{live.base_url}/readyz").json() == {"status": "ready"}
    cold = build(live.container.settings, upgrade=False)
    try:
        assert not cold.nlu.ready
        cold.nlu.warm()
        assert cold.nlu.ready
    finally:
        cold.close()
