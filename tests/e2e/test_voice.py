"""Voice calls end to end: the test caller dials a live server over the real webhook and stream.

Tenant a is set up as for chat (a support queue and workflow, an order, the AI agent on); the
caller speaks flite utterances into the Media Streams WebSocket, and what the bot says is
transcribed with pocketsphinx. Tenant b runs an entry flow whose DTMF menu plays on answer.
Calls play at 2x speed (frames are paced, only faster); the barge-in test plays in real time.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from agentfloor.access.model import Role
from agentfloor.adapters.voice import FliteTts, PocketsphinxStt, flite_path
from agentfloor.adapters.voice.test_caller import TestCaller
from tests.e2e.centre import MENU_FLOW, support_line
from tests.e2e.server import LiveServer

pytestmark = pytest.mark.skipif(
    flite_path() is None, reason="flite is not installed (make voice-tools)"
)


@pytest.fixture(scope="module")
def engines() -> tuple[FliteTts, PocketsphinxStt]:
    return FliteTts(), PocketsphinxStt()


@pytest.fixture(scope="module")
def centre(live: LiveServer) -> dict[str, Any]:
    line = support_line(
        live,
        order={"id": "ORD-742913", "status": "out for delivery", "delivery_date": "tomorrow"},
    )
    with live.client("b") as c:
        r = c.post("/v1/flows", content=MENU_FLOW, headers={"Content-Type": "application/yaml"})
        assert r.status_code == 201, r.text
        r = c.put("/v1/assistant", json={"flow_id": r.json()["flow_id"]})
        assert r.status_code == 200, r.text
    return {"support": line["queue"], "workflow": line["workflow"]}


_calls = iter(range(1, 10_000))


def caller(
    live: LiveServer, engines: tuple[FliteTts, PocketsphinxStt], tenant: str = "a", **kw: Any
) -> TestCaller:
    tts, stt = engines
    n = next(_calls)
    return TestCaller(
        live.base_url,
        live.tenants[tenant].keys[Role.INTEGRATION],
        tts,
        stt,
        call_sid=f"CA{n:032d}",
        **{"speed": 2.0, **kw},
    )


def events_of(live: LiveServer, interaction_id: str, tenant: str = "a") -> list[dict[str, Any]]:
    with live.client(tenant) as c:
        r = c.get(f"/v1/interactions/{interaction_id}/events", params={"limit": 500})
        assert r.status_code == 200, r.text
        body = r.json()
        return list(body["items"] if isinstance(body, dict) else body)


def call_interaction(live: LiveServer, call_sid: str, tenant: str = "a") -> dict[str, Any]:
    """Find the voice interaction of a call by its CallSid (waits for it to exist)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with live.client(tenant) as c:
            r = c.get("/v1/interactions", params={"channel": "voice", "limit": 200})
            assert r.status_code == 200, r.text
            for item in r.json()["items"]:
                if item["attributes"].get("call_sid") == call_sid:
                    return dict(item)
        time.sleep(0.05)
    raise AssertionError(f"no interaction for call {call_sid}")


def settled(live: LiveServer, call_sid: str, tenant: str = "a") -> dict[str, Any]:
    """Wait for the call's interaction to be final; return it."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = call_interaction(live, call_sid, tenant)
        if found["state"] in ("completed", "abandoned", "failed"):
            return found
        time.sleep(0.1)
    raise AssertionError(f"call {call_sid} never ended: {found}")


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


@pytest.mark.slow
def test_a_caller_checks_an_order_by_voice_and_is_contained(
    live: LiveServer, centre: dict[str, Any], engines: tuple[FliteTts, PocketsphinxStt]
) -> None:
    with caller(live, engines) as call:
        greeting = call.wait_for_reply(0)
        assert "help" in " ".join(greeting), greeting
        heard = len(call.lines)
        call.say("where is my order")
        asked = " ".join(call.wait_for_reply(heard))
        # pocketsphinx hears flite over 8 kHz unevenly ("what's your order number" can come out
        # "like a failure and amber"); the exact words are checked on the transcript below.
        assert "check" in asked or "confirmation" in asked, asked
        heard = len(call.lines)
        call.say("O R D, seven four two nine one three")
        answer = " ".join(call.wait_for_reply(heard))
        found = call_interaction(live, call.call_sid)
        assert "delivery" in answer, (answer, events_of(live, found["id"]))
    found = settled(live, call.call_sid)
    assert found["state"] == "completed"
    assert found["channel"] == "voice" and found["customer_id"]
    assert found["attributes"]["ai"]["outcome"] == "contained"
    events = events_of(live, found["id"])
    said = [
        (e["data"]["sender"], e["data"]["text"]) for e in events if e["type"] == "voice.utterance"
    ]
    assert ("customer", "where is my order") in said, said
    assert ("customer", "ORD-742913") in said, said
    assert any(who == "ai" and "order number" in text for who, text in said), said
    assert any(who == "ai" and "out for delivery" in text for who, text in said), said
    turns = [e["data"] for e in events if e["type"] == "voice.turn"]
    assert [t["hints"] for t in turns] == ["domain", "order_id"], turns
    assert types(events).count("ai.outcome") == 1
    assert events[-1]["type"] in ("voice.call_ended", "interaction.state_changed")


@pytest.mark.slow
def test_the_same_caller_is_the_same_customer(
    live: LiveServer, centre: dict[str, Any], engines: tuple[FliteTts, PocketsphinxStt]
) -> None:
    ids = []
    for _ in range(2):
        with caller(live, engines, from_number="020 7946 0999", speed=4.0) as call:
            call.wait_for(lambda c=call: len(c.lines) >= 1, 30, "the greeting")
        ids.append(settled(live, call.call_sid)["customer_id"])
    assert ids[0] and ids[0] == ids[1]
    with live.client() as c:
        r = c.get("/v1/customers/lookup", params={"value": "+44 20 7946 0999"})
        assert r.status_code == 200 and r.json()["id"] == ids[0]


@pytest.mark.slow
def test_a_caller_presses_a_digit_in_a_menu(
    live: LiveServer, centre: dict[str, Any], engines: tuple[FliteTts, PocketsphinxStt]
) -> None:
    with caller(live, engines, tenant="b") as call:
        menu = " ".join(call.wait_for_reply(0))  # the entry flow's menu plays on answer
        assert "press" in menu or "opening" in menu or "address" in menu, menu
        heard = len(call.lines)
        call.press("1")
        answer = " ".join(call.wait_for_reply(heard))
        assert "monday" in answer or "friday" in answer, answer
        call.wait_for(lambda: call.closed, 30, "the bot to hang up after goodbye")
    found = settled(live, call.call_sid, "b")
    assert found["state"] == "completed"
    events = events_of(live, found["id"], "b")
    assert {"digit": "1"} in [e["data"] for e in events if e["type"] == "voice.dtmf"]
    turns = [e["data"] for e in events if e["type"] == "voice.turn"]
    assert turns[0]["input"] == "digits" and turns[0]["text"] == "1"


@pytest.mark.slow
def test_a_caller_interrupts_a_long_prompt_and_playback_is_cleared(
    live: LiveServer, centre: dict[str, Any], engines: tuple[FliteTts, PocketsphinxStt]
) -> None:
    with caller(live, engines, speed=1.0) as call:
        call.wait_for(lambda: bool(call._playout.items), 30, "the greeting to start playing")
        time.sleep(0.5)
        call.say("where is my order", wait=False)
        call.wait_for(lambda: bool(call.events_of("clear")), 10, "a clear")
        onset = call.events_of("speech_onset")[0].at
        cleared = call.events_of("clear")[0].at
        # The target is 200 ms from speech start: measured by benchmarks/voice.py
        # (`--phases barge-in`: 42 ms p50), not asserted here, where only the order is checked.
        assert cleared >= onset, (onset, cleared)
        assert any(line.cut for line in call.lines)
        call.wait_for_reply(len(call.lines))
    found = settled(live, call.call_sid)
    events = events_of(live, found["id"])
    barge = [e["data"] for e in events if e["type"] == "voice.barge_in"]
    assert barge and barge[0]["cut"], barge


def test_malformed_frame_fails_the_call_and_keeps_what_was_said(
    live: LiveServer, centre: dict[str, Any], engines: tuple[FliteTts, PocketsphinxStt]
) -> None:
    with caller(live, engines, speed=4.0) as call:
        call.wait_for(lambda: len(call.lines) >= 1, 30, "the greeting")
        call.send({"event": "wobble", "streamSid": call.stream_sid})
        call.send("{not json")
        call.wait_for(lambda: call.closed, 10, "the server to close the stream")
    found = settled(live, call.call_sid)
    assert found["state"] == "failed"
    events = events_of(live, found["id"])
    errors = [e["data"]["kind"] for e in events if e["type"] == "voice.protocol_error"]
    assert errors == ["unknown_event", "malformed"], errors
    ended = [e["data"] for e in events if e["type"] == "voice.call_ended"]
    assert [e["reason"] for e in ended] == ["protocol_error"]
    assert any(e["type"] == "voice.utterance" for e in events)  # the greeting is on record


def test_a_stream_that_ends_without_stop_is_recorded(
    live: LiveServer, centre: dict[str, Any], engines: tuple[FliteTts, PocketsphinxStt]
) -> None:
    call = caller(live, engines, speed=4.0).dial()
    call.wait_for(lambda: len(call.lines) >= 1, 30, "the greeting")
    call.hang_up(send_stop=False)
    found = settled(live, call.call_sid)
    assert found["state"] == "abandoned"
    ended = [e["data"] for e in events_of(live, found["id"]) if e["type"] == "voice.call_ended"]
    assert ended and ended[0]["reason"] == "disconnected"


def test_a_stream_without_a_valid_token_is_refused(
    live: LiveServer, centre: dict[str, Any], engines: tuple[FliteTts, PocketsphinxStt]
) -> None:
    call = caller(live, engines).dial(parameters={"token": "forged"})
    call.wait_for(lambda: call.closed, 10, "the server to refuse the stream")
    assert call.close_code == 4401


def test_twiml_webhook_needs_a_key_and_answers_connect_stream(live: LiveServer) -> None:
    import httpx

    form = {"CallSid": "CA1", "From": "+447700900123", "To": "+442079460000"}
    assert httpx.post(f"{live.base_url}/v1/voice/twiml", data=form).status_code == 401
    with live.client(role=Role.INTEGRATION) as c:
        r = c.post("/v1/voice/twiml", data=form)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    assert '<Response><Connect><Stream url="ws://' in r.text and '/v1/voice/stream">' in r.text
    assert '<Parameter name="from" value="+447700900123" />' in r.text
    with live.client(role=Role.INTEGRATION) as c:
        assert c.post("/v1/voice/twiml", data={"From": "x"}).status_code == 422
