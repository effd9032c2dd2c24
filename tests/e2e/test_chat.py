"""The web chat channel over a real WebSocket: visitors, agents, resume, bad frames, responders."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from agentfloor.access.model import Role
from agentfloor.interactions.chat import ChatMessage
from agentfloor.interactions.model import Interaction
from agentfloor.runtime import access
from agentfloor.runtime.chat import ChatService
from agentfloor.runtime.context import ServiceContext
from tests.e2e.server import LiveServer


class Visitor:
    """A widget stand-in: reads frames, and fails if one connection delivers a seq twice."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.messages: dict[int, dict[str, Any]] = {}
        self.acks: dict[str, int] = {}
        self.errors: list[dict[str, Any]] = []
        self.typing: list[str] = []
        self.welcomes: list[dict[str, Any]] = []

    def _keep(self, message: dict[str, Any]) -> None:
        assert message["seq"] not in self.messages, f"seq {message['seq']} delivered twice"
        self.messages[message["seq"]] = message

    def read(self, timeout_s: float = 10) -> None:
        frame = json.loads(self.ws.recv(timeout=timeout_s))
        kind = frame["type"]
        if kind == "welcome":
            if self.welcomes and self.welcomes[-1]["interaction_id"] != frame["interaction_id"]:
                self.messages = {}  # a new chat numbers its messages from 1 again
            self.welcomes.append(frame)
            for message in frame["messages"]:
                self._keep(message)
        elif kind == "message":
            self._keep(frame)
        elif kind == "ack":
            self.acks[frame["client_id"]] = frame["seq"]
        elif kind == "error":
            self.errors.append(frame)
        elif kind == "typing":
            self.typing.append(frame["sender"])
        else:
            raise AssertionError(f"unexpected frame {frame}")

    def wait(self, done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 10
        while not done():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            self.read(timeout_s=max(deadline - time.monotonic(), 0.01))

    def send(self, frame: dict[str, Any]) -> None:
        self.ws.send(json.dumps(frame))

    def hello(self, visitor_id: str, **fields: Any) -> dict[str, Any]:
        seen = len(self.welcomes)
        self.send({"type": "hello", "visitor_id": visitor_id, "last_seq": 0, **fields})
        self.wait(lambda: len(self.welcomes) > seen, "welcome")
        return self.welcomes[-1]

    def say(self, client_id: str, text: str) -> int:
        self.acks.pop(client_id, None)
        self.send({"type": "message", "client_id": client_id, "text": text})
        self.wait(lambda: client_id in self.acks, f"ack of {client_id}")
        return self.acks[client_id]

    def refused(self, payload: str | bytes) -> dict[str, Any]:
        seen = len(self.errors)
        self.ws.send(payload)
        self.wait(lambda: len(self.errors) > seen, "an error frame")
        return self.errors[-1]

    def texts(self) -> list[tuple[int, str, str]]:
        return [(s, m["sender"], m["text"]) for s, m in sorted(self.messages.items())]


@contextmanager
def visitor(live: LiveServer, tenant: str = "tenant-a") -> Iterator[Visitor]:
    with connect(f"{live.ws_url}/v1/chat/visitor?tenant={tenant}", open_timeout=10) as ws:
        yield Visitor(ws)


@contextmanager
def chat_events(live: LiveServer, key: str) -> Iterator[ClientConnection]:
    with connect(f"{live.ws_url}/v1/events?topics=chat&api_key={key}", open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "subscribed"
        yield ws


def next_event(ws: ClientConnection, topic: str) -> dict[str, Any]:
    while True:
        event: dict[str, Any] = json.loads(ws.recv(timeout=10))
        if event["topic"] == topic:
            return event


def chat_service(live: LiveServer) -> ChatService:
    app = live.server.config.app
    assert isinstance(app, FastAPI)
    service: ChatService = app.state.chat
    return service


def transcript(live: LiveServer, interaction_id: str) -> list[tuple[int, str, str]]:
    with live.client() as c:
        r = c.get(f"/v1/interactions/{interaction_id}/messages")
        assert r.status_code == 200, r.text
        return [(m["seq"], m["sender"], m["text"]) for m in r.json()]


@pytest.fixture(scope="module", autouse=True)
def quiet_assistant(live: LiveServer) -> None:
    """These tests are about the channel itself: the AI agent stays out of the conversations."""
    for tenant in ("a", "b"):
        with live.client(tenant) as c:
            r = c.put("/v1/assistant", json={"enabled": False})
            assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def desk(live: LiveServer) -> dict[str, Any]:
    """Tenant a: a worker with an agent key bound to it."""
    with live.client() as c:
        worker = c.post("/v1/workers", json={"name": "Chris", "capacity": {"chat": 3}}).json()
    issued = access.create_key(
        live.container.ctx,
        live.tenants["a"].tenant_id,
        name="Chris desk",
        role=Role.AGENT,
        actor=None,
        worker_id=worker["id"],
    )
    return {"worker": worker, "key": issued.secret_key}


def agent(live: LiveServer, desk: dict[str, Any]) -> httpx.Client:
    return httpx.Client(
        base_url=live.base_url, headers={"Authorization": f"Bearer {desk['key']}"}, timeout=30
    )


def test_hello_creates_or_links_the_crm_customer(live: LiveServer) -> None:
    with live.client() as c:
        known = c.post(
            "/v1/customers",
            json={"name": "Known", "identities": [{"kind": "phone", "value": "+44 20 7946 0111"}]},
        ).json()
    with visitor(live) as v:
        welcome = v.hello("v-ann-1", name="Ann", email="Ann.Visitor@Example.COM")
        assert welcome["messages"] == [] and welcome["last_seq"] == 0
    with visitor(live) as v:  # a national number in the tenant's region finds the customer
        linked = v.hello("v-known-1", phone="020 7946 0111")
    with visitor(live) as v:  # an unverified claim never takes another customer's e-mail
        v.hello("v-other-1")
    with visitor(live) as v:
        other = v.hello("v-other-1", email="ann.visitor@example.com")
    with live.client() as c:
        ann = c.get(f"/v1/customers/{welcome['customer_id']}").json()
        assert ann["name"] == "Ann"
        assert {(i["kind"], i["value"]) for i in ann["identities"]} == {
            ("chat", "v-ann-1"),
            ("email", "ann.visitor@example.com"),
        }
        assert linked["customer_id"] == known["id"]
        kept = c.get(f"/v1/customers/{known['id']}").json()
        assert {i["kind"] for i in kept["identities"]} == {"phone", "chat"}
        assert other["customer_id"] not in (ann["id"], known["id"])
        chat = c.get(f"/v1/interactions/{welcome['interaction_id']}").json()
    assert (chat["channel"], chat["direction"], chat["state"]) == ("chat", "in", "created")
    assert chat["customer_id"] == ann["id"] and chat["attributes"] == {"visitor_id": "v-ann-1"}


def test_live_conversation_between_visitor_and_agent(
    live: LiveServer, desk: dict[str, Any]
) -> None:
    with (
        chat_events(live, desk["key"]) as feed,
        chat_events(live, live.tenants["a"].keys[Role.SUPERVISOR]) as floor,
        visitor(live) as v,
        agent(live, desk) as a,
    ):
        chat_id = v.hello("v-live-1", email="live@example.org")["interaction_id"]
        with live.client() as c:  # what the router does when it gives the chat to Chris
            c.patch(f"/v1/interactions/{chat_id}", json={"worker_id": desk["worker"]["id"]})
        assert v.say("c-1", "Where is my order?") == 1
        for stream in (feed, floor):  # Chris's desk (a bound key) and the supervisor see it
            seen = next_event(stream, "chat.message")
            assert seen["subject_id"] == chat_id
            assert {k: seen["data"][k] for k in ("interaction_id", "seq", "sender", "text")} == {
                "interaction_id": chat_id,
                "seq": 1,
                "sender": "customer",
                "text": "Where is my order?",
            }
        v.send({"type": "typing"})
        assert next_event(feed, "chat.typing")["data"]["sender"] == "customer"
        assert a.post(f"/v1/interactions/{chat_id}/typing").status_code == 204
        v.wait(lambda: v.typing == ["worker"], "the agent typing")
        r = a.post(f"/v1/interactions/{chat_id}/messages", json={"text": "  On its way!  "})
        assert r.status_code == 201, r.text
        reply = r.json()
        assert (reply["seq"], reply["sender"], reply["text"]) == (2, "worker", "On its way!")
        assert reply["worker_id"] == desk["worker"]["id"]
        v.wait(lambda: 2 in v.messages, "the agent's reply")
        assert v.texts() == [(1, "customer", "Where is my order?"), (2, "worker", "On its way!")]
        assert v.messages[1]["client_id"] == "c-1" and v.messages[2]["id"] == reply["id"]
    with live.client() as c:
        log = c.get(f"/v1/interactions/{chat_id}/events").json()
        page = c.get(f"/v1/interactions/{chat_id}/messages", params={"after_seq": 1}).json()
    said = [
        (e["data"]["seq"], e["data"]["sender"], e["data"]["text"])
        for e in log
        if e["type"] == "chat.message"
    ]
    assert said == [(1, "customer", "Where is my order?"), (2, "worker", "On its way!")]
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
    assert [m["seq"] for m in page] == [2]


def test_reconnect_resumes_with_nothing_lost_or_duplicated(
    live: LiveServer, desk: dict[str, Any]
) -> None:
    with visitor(live) as v:
        chat_id = v.hello("v-resume-1")["interaction_id"]
        assert v.say("c-1", "first") == 1
        v.wait(lambda: 1 in v.messages, "the echo of the first message")
        # The connection drops right after "second" leaves, before its ack arrives.
        v.send({"type": "message", "client_id": "c-2", "text": "second"})
    until = time.monotonic() + 10
    while len(transcript(live, chat_id)) < 2:
        assert time.monotonic() < until, "the server never stored the second message"
        time.sleep(0.02)
    with agent(live, desk) as a:  # the agent answers while the visitor is away
        for text in ("reply one", "reply two"):
            r = a.post(f"/v1/interactions/{chat_id}/messages", json={"text": text})
            assert r.status_code == 201
    with visitor(live) as v:
        welcome = v.hello("v-resume-1", last_seq=1, interaction_id=chat_id)
        assert welcome["interaction_id"] == chat_id
        assert [m["seq"] for m in welcome["messages"]] == [2, 3, 4]
        assert v.say("c-2", "second") == 2  # the resent unacked message is not stored again
        with agent(live, desk) as a:
            a.post(f"/v1/interactions/{chat_id}/messages", json={"text": "anything else?"})
        v.wait(lambda: 5 in v.messages, "the next live message")
        assert sorted(v.messages) == [2, 3, 4, 5]  # each delivered once on this connection
    assert transcript(live, chat_id) == [
        (1, "customer", "first"),
        (2, "customer", "second"),
        (3, "worker", "reply one"),
        (4, "worker", "reply two"),
        (5, "worker", "anything else?"),
    ]


def test_bad_frames_get_error_frames_and_the_chat_goes_on(live: LiveServer) -> None:
    with visitor(live) as v:
        assert v.refused('{"type": "typing"}')["code"] == "hello_first"
        assert v.refused(b"\x00\x01binary")["code"] == "binary"
        assert v.refused("not json {")["code"] == "bad_json"
        assert v.refused("[1, 2]")["code"] == "bad_json"
        assert v.refused(json.dumps({"type": "dance"}))["code"] == "unknown_type"
        assert v.refused("x" * 20_000)["code"] == "frame_too_large"
        bad_id = v.refused(json.dumps({"type": "hello", "visitor_id": "no spaces!", "last_seq": 0}))
        assert bad_id["code"] == "bad_visitor_id" and "no spaces!" in bad_id["detail"]
        bad_mail = v.refused(json.dumps({"type": "hello", "visitor_id": "v-bad-1", "email": "x@"}))
        assert bad_mail["code"] == "invalid" and "e-mail" in bad_mail["detail"]
        chat_id = v.hello("v-bad-1")["interaction_id"]
        too_long = v.refused(
            json.dumps({"type": "message", "client_id": "c-1", "text": "y" * 4001})
        )
        assert too_long == {
            "type": "error",
            "code": "too_long",
            "detail": too_long["detail"],
            "client_id": "c-1",
        }
        assert "4001" in too_long["detail"] and "4000" in too_long["detail"]
        empty = v.refused(json.dumps({"type": "message", "client_id": "c-2", "text": "  \n "}))
        assert empty["code"] == "empty" and empty["client_id"] == "c-2"
        assert v.refused(json.dumps({"type": "message", "text": "no id"}))["code"] == "invalid"
        again = v.refused(json.dumps({"type": "hello", "visitor_id": "v-bad-1"}))
        assert again["code"] == "already_identified"
        assert v.say("c-3", "still here") == 1
        exactly = "z" * 4000
        assert v.say("c-4", exactly) == 2
    assert transcript(live, chat_id) == [(1, "customer", "still here"), (2, "customer", exactly)]


def test_unknown_tenant_closes_with_4404(live: LiveServer) -> None:
    for url in (f"{live.ws_url}/v1/chat/visitor?tenant=nope", f"{live.ws_url}/v1/chat/visitor"):
        with pytest.raises(ConnectionClosed) as info, connect(url, open_timeout=10) as ws:
            ws.recv(timeout=10)
        assert info.value.rcvd is not None and info.value.rcvd.code == 4404
        assert "data-tenant" in info.value.rcvd.reason


class OrderBot:
    """A responder like the flow runtime will be: answers every customer message."""

    def respond(self, ctx: ServiceContext, interaction: Interaction, msg: ChatMessage) -> list[str]:
        assert interaction.id == msg.interaction_id and ctx.clock.now() >= msg.created_at
        return [f"Looking up: {msg.text}", ""]  # an empty reply is skipped


class CrashingBot:
    """A responder with a bug."""

    def respond(self, ctx: ServiceContext, interaction: Interaction, msg: ChatMessage) -> list[str]:
        raise RuntimeError("model file is missing")


def test_registered_responder_replies_as_ai_and_a_crash_is_recorded(live: LiveServer) -> None:
    service = chat_service(live)
    bot, broken = OrderBot(), CrashingBot()
    service.add_responder(broken)
    service.add_responder(bot)
    try:
        with visitor(live) as v:
            chat_id = v.hello("v-bot-1")["interaction_id"]
            assert v.say("c-1", "order 1234") == 1
            v.wait(lambda: 2 in v.messages, "the AI reply")
            assert v.texts() == [(1, "customer", "order 1234"), (2, "ai", "Looking up: order 1234")]
            assert v.say("c-1", "order 1234") == 1  # a resend is not answered twice
            assert v.say("c-2", "thanks") == 3
            v.wait(lambda: 4 in v.messages, "the second AI reply")
    finally:
        service.remove_responder(bot)
        service.remove_responder(broken)
    with live.client() as c:
        log = c.get(f"/v1/interactions/{chat_id}/events").json()
    failures = [e["data"] for e in log if e["type"] == "chat.responder_failed"]
    assert failures == [
        {
            "responder": "CrashingBot",
            "message_seq": s,
            "reason": "RuntimeError: model file is missing",
        }
        for s in (1, 3)
    ]
    assert [m[1] for m in transcript(live, chat_id)] == ["customer", "ai", "customer", "ai"]


def test_a_finished_chat_is_closed_and_the_next_message_opens_a_new_one(
    live: LiveServer, desk: dict[str, Any]
) -> None:
    with visitor(live) as v:
        first = v.hello("v-done-1")["interaction_id"]
        assert v.say("c-1", "hi") == 1
        with live.client() as c:
            for state in ("connected", "completed"):
                r = c.post(f"/v1/interactions/{first}/state", json={"state": state})
                assert r.status_code == 200, r.text
        with agent(live, desk) as a:
            closed = a.post(f"/v1/interactions/{first}/messages", json={"text": "late"})
            assert closed.status_code == 409 and "closed" in closed.json()["detail"]
        assert v.say("c-1", "hi") == 1  # a resend of a stored message still answers its seq
        assert v.say("c-2", "one more thing") == 1
        second = v.welcomes[-1]["interaction_id"]
        assert second != first and len(v.welcomes) == 2
    with visitor(live) as v:
        assert v.hello("v-done-1", last_seq=1, interaction_id=first)["interaction_id"] == second
        assert v.texts() == [(1, "customer", "one more thing")]


def test_agent_api_rules(live: LiveServer, desk: dict[str, Any]) -> None:
    with visitor(live) as v:
        chat_id = v.hello("v-api-1")["interaction_id"]
    url = f"/v1/interactions/{chat_id}/messages"
    with agent(live, desk) as a, live.client() as admin:
        r = a.post(url, json={"text": " "})
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == "text"
        r = a.post(url, json={"text": "y" * 4001})
        assert r.status_code == 422 and "4000" in r.json()["detail"]
        assert a.post(url, json={"text": "hi", "worker_id": "wrk_other"}).status_code == 403
        assert admin.post(url, json={"text": "hi", "worker_id": "wrk_nope"}).status_code == 422
        first = a.post(url, json={"text": "hello", "client_id": "desk-1"})
        again = a.post(url, json={"text": "hello", "client_id": "desk-1"})
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        voice = admin.post("/v1/interactions", json={"channel": "voice"}).json()
        r = admin.post(f"/v1/interactions/{voice['id']}/messages", json={"text": "hi"})
        assert r.status_code == 409 and "voice" in r.json()["detail"]
        r = admin.get(url, params={"after_seq": 0, "limit": 1})
        assert [m["text"] for m in r.json()] == ["hello"]
        assert admin.get(url, params={"after_seq": -1}).status_code == 422
        assert admin.get("/v1/interactions/int_nope/messages").status_code == 404


def test_widget_and_demo_page_are_served(live: LiveServer) -> None:
    widget = httpx.get(f"{live.base_url}/static/widget.js")
    assert widget.status_code == 200 and "javascript" in widget.headers["content-type"]
    assert "/v1/chat/visitor" in widget.text and "localStorage" in widget.text
    demo = httpx.get(f"{live.base_url}/demo")
    assert demo.status_code == 200 and demo.headers["content-type"].startswith("text/html")
    assert '<script src="/static/widget.js" data-tenant="demo"></script>' in demo.text
    other = httpx.get(f"{live.base_url}/demo", params={"tenant": "tenant-b"})
    assert '<script src="/static/widget.js" data-tenant="tenant-b"></script>' in other.text
    bad = httpx.get(f"{live.base_url}/demo", params={"tenant": '"><script>alert(1)</script>'})
    assert bad.status_code == 422 and "slug" in bad.text, bad.text


def test_a_long_transcript_follows_the_welcome_in_order(
    live: LiveServer, desk: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with visitor(live) as v:
        chat_id = v.hello("v-long-1")["interaction_id"]
    with agent(live, desk) as a:
        for n in range(1, 6):
            a.post(f"/v1/interactions/{chat_id}/messages", json={"text": f"part {n}"})
    monkeypatch.setattr("agentfloor.runtime.chat.WELCOME_LIMIT", 2)
    with visitor(live) as v:
        welcome = v.hello("v-long-1", last_seq=0, interaction_id=chat_id)
        assert [m["seq"] for m in welcome["messages"]] == [1, 2] and welcome["last_seq"] == 5
        v.wait(lambda: len(v.messages) == 5, "the rest of the transcript")
        assert [text for _, _, text in v.texts()] == [f"part {n}" for n in range(1, 6)]
