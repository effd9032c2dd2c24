"""A caller asks for a person and gets one: hold music, the queue, the agent's audio socket.

The test caller (carrier protocol, flite speech, pocketsphinx ears) dials a live server; the
agent side is a real WebSocket client on `/v1/voice/agent/{interaction_id}` sending and receiving
PCM16 at 8 kHz, as the desk's AudioWorklet does. Tenant a has a Support queue (the AI hands off
to it) and a Billing queue, and three workers with voice capacity: Robin takes the call, Sam gets
it by cold transfer (to a queue, or to Sam by name while Kim is free too) or warm transfer
(consult, conference, hand-over), Kim is only ever a bystander.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from agentfloor.access.model import Role
from agentfloor.adapters.voice import FliteTts, PocketsphinxStt, flite_path
from agentfloor.adapters.voice.mulaw import mulaw_to_pcm16, pcm16_to_mulaw
from agentfloor.adapters.voice.test_caller import TestCaller, wait_on
from tests.e2e.centre import support_line
from tests.e2e.server import LiveServer
from tests.e2e.test_voice import call_interaction, events_of

pytestmark = pytest.mark.skipif(
    flite_path() is None, reason="flite is not installed (make voice-tools)"
)

Engines = tuple[FliteTts, PocketsphinxStt]
_LOUD_RMS = 300.0  # of 32768: speech or music, not a quiet line


@pytest.fixture(scope="module")
def engines() -> Engines:
    return FliteTts(), PocketsphinxStt()


@pytest.fixture(scope="module")
def centre(live: LiveServer) -> dict[str, Any]:
    line = support_line(live)
    with live.client() as c:
        config = c.get("/v1/routing/config").json()
        config["reservation_timeout_s"] = 300  # a loaded machine is slow to accept
        assert c.put("/v1/routing/config", json=config).status_code == 200
        billing = c.post("/v1/queues", json={"name": "Billing"}).json()
        people = {}
        for name in ("Robin", "Sam", "Kim"):
            worker = c.post("/v1/workers", json={"name": name, "capacity": {"voice": 1}}).json()
            r = c.post(
                "/v1/api-keys",
                json={"name": f"{name}'s desk", "role": "agent", "worker_id": worker["id"]},
            )
            assert r.status_code == 201, r.text
            people[name] = {"worker": worker, "key": r.json()["key"]}
    return {"support": line["queue"], "billing": billing, **people}


def rms(pcm: bytes) -> float:
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], "<i2").astype(np.float64)
    return float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0


class AgentSocket:
    """The desk's audio socket, played by the test: PCM16 8 kHz both ways, JSON controls."""

    def __init__(self, live: LiveServer, interaction_id: str, key: str, **query: str) -> None:
        params = "&".join(f"{k}={v}" for k, v in {"api_key": key, **query}.items())
        url = f"{live.ws_url}/v1/voice/agent/{interaction_id}?{params}"
        # entered by hand: the socket outlives this call (closed in `close`)
        self.ws: ClientConnection = connect(url, open_timeout=10, max_size=2**20).__enter__()
        self.frames: list[bytes] = []
        self.messages: list[dict[str, Any]] = []
        self.close_code: int | None = None
        self.close_reason = ""
        self.closed = threading.Event()
        self._lock = threading.Condition()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        code, reason = None, ""
        try:
            while True:
                raw = self.ws.recv()
                with self._lock:
                    if isinstance(raw, bytes):
                        self.frames.append(raw)
                    else:
                        self.messages.append(json.loads(raw))
                    self._lock.notify_all()
        except ConnectionClosed as exc:
            if exc.rcvd is not None:
                code, reason = exc.rcvd.code, exc.rcvd.reason
        finally:
            with self._lock:
                self.close_code, self.close_reason = code, reason
                self.closed.set()
                self._lock.notify_all()

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
        wait_on(self._lock, predicate, timeout_s, what)

    def control(self, kind: str, **fields: str) -> dict[str, Any]:
        """Send a control and return the server's answer (the next state or error message)."""
        before = len(self.messages)
        self.ws.send(json.dumps({"type": kind, **fields}))
        self.wait_for(lambda: len(self.messages) > before, 10, f"the answer to {kind}")
        return self.messages[before]

    def speak(self, pcm: bytes) -> None:
        """Send PCM16 as the browser does, in 20 ms pieces (not paced: the carrier buffers)."""
        for i in range(0, len(pcm), 320):
            self.ws.send(pcm[i : i + 320])

    def heard(self) -> bytes:
        with self._lock:
            return b"".join(self.frames)

    def loud_frames(self) -> int:
        with self._lock:
            return sum(1 for f in self.frames if rms(f) > _LOUD_RMS)

    def close(self) -> None:
        self.ws.close()
        self._thread.join(timeout=5)


def refused(live: LiveServer, interaction_id: str, key: str, **query: str) -> tuple[int, str]:
    socket = AgentSocket(live, interaction_id, key, **query)
    assert socket.closed.wait(10), "the server did not close the socket"
    assert socket.close_code is not None
    return socket.close_code, socket.close_reason


def set_activity(live: LiveServer, person: dict[str, Any], activity: str) -> None:
    with live.client() as c:
        r = c.post(f"/v1/workers/{person['worker']['id']}/activity", json={"activity": activity})
        assert r.status_code == 200, r.text


def accept_call(live: LiveServer, person: dict[str, Any], interaction_id: str) -> dict[str, Any]:
    """Wait for the call's offer to the worker and accept it with their key; return the task."""
    headers = {"Authorization": f"Bearer {person['key']}"}
    deadline = time.monotonic() + 30
    with live.client() as c:
        while time.monotonic() < deadline:
            tasks = c.get("/v1/tasks", params={"state": "reserved", "limit": 500}).json()["items"]
            for task in tasks:
                if task["interaction_id"] != interaction_id:
                    continue
                for offer in c.get(f"/v1/tasks/{task['id']}/reservations").json():
                    if offer["state"] == "pending" and offer["worker_id"] == person["worker"]["id"]:
                        r = c.post(
                            f"/v1/reservations/{offer['id']}/accept", json={}, headers=headers
                        )
                        assert r.status_code == 200, r.text
                        return dict(task)
            time.sleep(0.1)
    raise AssertionError(f"no offer of {interaction_id} to {person['worker']['name']}")


@pytest.fixture
def call(live: LiveServer, engines: Engines) -> Iterator[TestCaller]:
    tts, stt = engines
    caller = TestCaller(
        live.base_url,
        live.tenants["a"].keys[Role.INTEGRATION],
        tts,
        stt,
        call_sid=f"CA{time.monotonic_ns():032d}"[:34],
        from_number="+447700900456",
        speed=2.0,
    )
    with caller:
        yield caller


def heard_music(call: TestCaller) -> bool:
    return rms(call.unmarked_audio()[-16000:]) > _LOUD_RMS


@pytest.mark.slow
def test_a_caller_waits_with_music_then_talks_to_robin_and_is_transferred_to_sam(
    live: LiveServer, centre: dict[str, Any], engines: Engines, call: TestCaller
) -> None:
    tts, stt = engines
    robin, sam = centre["Robin"], centre["Sam"]
    call.wait_for_reply(0)
    heard = len(call.lines)
    call.say("I want to talk to a person")
    # not `wait_for_reply`: hold music follows the reply, the line is never quiet again
    call.wait_for(lambda: len(call.lines) > heard, 60, "the handoff reply")
    interaction = call_interaction(live, call.call_sid)
    iid = interaction["id"]

    # Nobody is available: the caller hears music, then where they are in the queue.
    call.wait_for(
        lambda: any(line.mark.startswith("announce-") for line in call.lines), 60, "an announcement"
    )
    music = [line for line in call.lines if line.mark.startswith("hold-")]
    assert music and rms(music[-1].pcm) > _LOUD_RMS, "no hold music before the announcement"
    said = call.transcribe([line for line in call.lines if line.mark.startswith("announce-")])
    # pocketsphinx hears flite unevenly ("in my opinion" for "in the queue"): loose words
    assert any(word in said[0] for word in ("number", "queue", "minute", "wait")), said
    announced = [e["data"] for e in events_of(live, iid) if e["type"] == "voice.hold_announcement"]
    assert announced[0]["position"] == 1 and announced[0]["ewt_s"] > 0, announced

    # A queued call has no agent yet; the socket says why.
    code, reason = refused(live, iid, robin["key"])
    assert (code, reason.split(",")[0]) == (4409, "the call is queued"), reason

    set_activity(live, robin, "available")
    accept_call(live, robin, iid)
    assert refused(live, iid, sam["key"]) == (4403, "the call is connected to another worker")
    agent = AgentSocket(live, iid, robin["key"])
    agent.wait_for(lambda: bool(agent.messages), 10, "the call's state")
    assert agent.messages[0]["type"] == "state" and agent.messages[0]["muted"] is False
    call.wait_for(
        lambda: any(line.mark.startswith("hold-end-") for line in call.lines), 10, "music to stop"
    )

    # The caller speaks: Robin hears it.
    call.say("hello can you hear me")
    agent.wait_for(lambda: agent.loud_frames() >= 25, 20, "the caller's voice at the agent")
    assert all(len(f) == 320 for f in agent.frames[:50])

    # Robin speaks (flite into the socket): the caller hears and understands it.
    call.forget_unmarked_audio()
    spoken = tts.synthesize("I will check your order now")
    agent.speak(spoken)
    whole = len(spoken) // 320 * 320  # the last part-frame stays with the server
    call.wait_for(lambda: len(call.unmarked_audio()) >= whole, 30, "the agent's words")
    text = stt.transcribe(call.unmarked_audio()).text
    assert "check" in text or "order" in text, text

    # Muted: what Robin says never leaves the server.
    state = agent.control("mute")
    assert state["muted"] is True
    sent = state["to_caller_frames"]
    agent.speak(tts.synthesize("this is a secret"))
    state = agent.control("unmute")
    assert state["muted"] is False and state["to_caller_frames"] == sent
    assert state["dropped_frames"] > 0

    # Hold: music for the caller, nothing for Robin; unhold ends the music.
    call.forget_unmarked_audio()
    state = agent.control("hold")
    assert state["held"] is True
    call.wait_for(lambda: heard_music(call), 10, "hold music")
    # counted before unhold: the music's end mark can come back before `control` returns
    ends = len([line for line in call.lines if line.mark.startswith("hold-end-")])
    state = agent.control("unhold")
    assert state["held"] is False
    call.wait_for(
        lambda: len([line for line in call.lines if line.mark.startswith("hold-end-")]) > ends,
        10,
        "the music to stop",
    )

    # A transfer to a queue that does not exist is refused; the call stays.
    error = agent.control("transfer", queue_id="que_nowhere")
    assert error["type"] == "error" and "no queue" in error["message"], error

    # Cold transfer to Billing: Robin's leg ends, the caller waits with music, Sam takes it.
    set_activity(live, robin, "offline")  # Robin is free once the call leaves: not for this one
    call.forget_unmarked_audio()
    agent.ws.send(json.dumps({"type": "transfer", "queue_id": centre["billing"]["id"]}))
    agent.wait_for(agent.closed.is_set, 10, "Robin's socket to close")
    assert (agent.close_code, agent.close_reason) == (1000, "transferred")
    call.wait_for(lambda: heard_music(call), 10, "hold music after the transfer")
    set_activity(live, sam, "available")
    task = accept_call(live, sam, iid)
    assert task["queue_id"] == centre["billing"]["id"]

    # Sam's desk sends nonsense: the socket is closed with the reason; Sam reconnects.
    bad = AgentSocket(live, iid, sam["key"])
    bad.wait_for(lambda: bool(bad.messages), 10, "the call's state")
    bad.ws.send(json.dumps({"type": "dance"}))
    bad.wait_for(bad.closed.is_set, 10, "the server to close")
    assert bad.close_code == 4422 and "unknown control 'dance'" in bad.close_reason
    again = AgentSocket(live, iid, sam["key"])
    call.say("hello again")
    again.wait_for(lambda: again.loud_frames() >= 25, 20, "the caller's voice at Sam")

    call.hang_up()
    again.wait_for(again.closed.is_set, 10, "Sam's socket to close when the caller hangs up")
    assert (again.close_code, again.close_reason) == (1000, "call ended")

    # Wrap-up as for chat: Sam completes with a disposition.
    with live.client() as c:
        r = c.post(
            f"/v1/tasks/{task['id']}/complete",
            json={"disposition_code": None},
            headers={"Authorization": f"Bearer {sam['key']}"},
        )
        assert r.status_code == 200, r.text
        found = c.get(f"/v1/interactions/{iid}").json()
    assert found["state"] == "completed" and found["worker_id"] == sam["worker"]["id"], found
    events = events_of(live, iid)
    kinds = [e["type"] for e in events]
    assert kinds.count("voice.agent_connected") == 3, kinds
    for kind in ("voice.mute", "voice.hold", "voice.transfer", "voice.agent_left"):
        assert kind in kinds, kinds
    transfer = next(e["data"] for e in events if e["type"] == "voice.transfer")
    assert transfer["queue_id"] == centre["billing"]["id"]
    set_activity(live, sam, "offline")


def test_the_agent_socket_refuses_bad_keys_and_non_calls(
    live: LiveServer, centre: dict[str, Any]
) -> None:
    with live.client() as c:
        chat = c.post("/v1/interactions", json={"channel": "chat"}).json()
    assert refused(live, chat["id"], "af_nope")[0] == 4401
    viewer = live.tenants["a"].keys[Role.INTEGRATION]
    assert refused(live, chat["id"], viewer)[0] == 4403
    code, reason = refused(live, "int_nothing", centre["Robin"]["key"])
    assert code == 4404 and "no interaction" in reason
    code, reason = refused(live, chat["id"], centre["Robin"]["key"])
    assert code == 4409 and "chat" in reason
    code, reason = refused(
        live, chat["id"], centre["Robin"]["key"], worker_id=centre["Sam"]["worker"]["id"]
    )
    assert code == 4403 and "acts as worker" in reason
    unbound = live.tenants["a"].keys[Role.AGENT]
    assert refused(live, chat["id"], unbound)[0] == 4422


# --- transfer to a named worker, warm transfer ----------------------------------------------------


def hand_off(live: LiveServer, call: TestCaller) -> str:
    """Ask the AI for a person; return the call's interaction id once the call waits with music.

    The first announcement of the caller's place in the queue follows some music, which starts
    once the bot's handoff reply has been heard: from then on the bridge has the line.
    """
    call.wait_for_reply(0)
    call.say("I want to talk to a person")
    call.wait_for(
        lambda: any(line.mark.startswith("announce-") for line in call.lines), 60, "announcement"
    )
    return str(call_interaction(live, call.call_sid)["id"])


def tone(value: int, frames: int = 1) -> bytes:
    """A distinctive frame: every sample `value` (PCM16, 20 ms at 8 kHz per frame)."""
    return np.full(160 * frames, value, dtype="<i2").tobytes()


def over_the_phone(pcm: bytes) -> bytes:
    """What the caller hears of `pcm`: the carrier's mu-law, there and back."""
    return mulaw_to_pcm16(pcm16_to_mulaw(pcm))


def task_of(live: LiveServer, task_id: str) -> dict[str, Any]:
    with live.client() as c:
        return dict(c.get(f"/v1/tasks/{task_id}").json())


def interaction_of(live: LiveServer, interaction_id: str) -> dict[str, Any]:
    with live.client() as c:
        return dict(c.get(f"/v1/interactions/{interaction_id}").json())


def complete(live: LiveServer, person: dict[str, Any], task_id: str) -> None:
    with live.client() as c:
        r = c.post(
            f"/v1/tasks/{task_id}/complete",
            json={"disposition_code": None},
            headers={"Authorization": f"Bearer {person['key']}"},
        )
        assert r.status_code == 200, r.text


def joined(socket: AgentSocket) -> bool:
    """True once the socket's last state says the consulted worker is on the line."""
    consult = socket.messages[-1].get("consult") if socket.messages else None
    return isinstance(consult, dict) and consult.get("joined") is True


def closed_with(socket: AgentSocket, code: int, reason: str) -> None:
    socket.wait_for(socket.closed.is_set, 10, f"the socket to close with {reason}")
    assert (socket.close_code, socket.close_reason) == (code, reason)


@pytest.mark.slow
def test_a_cold_transfer_to_a_named_worker_is_offered_to_that_worker_only(
    live: LiveServer, centre: dict[str, Any], call: TestCaller
) -> None:
    robin, sam, kim = centre["Robin"], centre["Sam"], centre["Kim"]
    iid = hand_off(live, call)
    set_activity(live, robin, "available")
    first = accept_call(live, robin, iid)
    agent = AgentSocket(live, iid, robin["key"])
    agent.wait_for(lambda: bool(agent.messages), 10, "the call's state")

    # Refused, and nothing changes: nobody by that id, oneself, someone offline.
    error = agent.control("transfer", worker_id="wrk_nobody")
    assert error["type"] == "error" and "no worker 'wrk_nobody'" in error["message"], error
    error = agent.control("transfer", worker_id=robin["worker"]["id"])
    assert error["type"] == "error" and "yourself" in error["message"], error
    error = agent.control("transfer", worker_id=kim["worker"]["id"])
    assert error["message"] == "Kim is offline, not available; pick someone available", error
    error = agent.control("transfer")
    assert "give queue_id" in error["message"], error
    assert task_of(live, first["id"])["state"] == "assigned"
    assert not agent.closed.is_set()

    # Sam by name while Kim is free as well: only Sam is offered the call.
    set_activity(live, robin, "offline")
    set_activity(live, kim, "available")
    set_activity(live, sam, "available")
    agent.ws.send(json.dumps({"type": "transfer", "worker_id": sam["worker"]["id"]}))
    closed_with(agent, 1000, "transferred")
    task = accept_call(live, sam, iid)
    assert task["queue_id"] == first["queue_id"]  # the call's queue: none was named
    assert task["attributes"]["offer_to_worker"] == sam["worker"]["id"]
    with live.client() as c:
        offers = c.get(f"/v1/tasks/{task['id']}/reservations").json()
    assert [o["worker_id"] for o in offers] == [sam["worker"]["id"]]
    again = AgentSocket(live, iid, sam["key"])
    again.wait_for(lambda: bool(again.messages), 10, "the call's state")
    assert task_of(live, first["id"])["state"] == "completed"

    call.hang_up()
    closed_with(again, 1000, "call ended")
    complete(live, sam, task["id"])
    found = interaction_of(live, iid)
    assert found["state"] == "completed" and found["worker_id"] == sam["worker"]["id"], found
    transfer = next(e["data"] for e in events_of(live, iid) if e["type"] == "voice.transfer")
    assert transfer["to_worker_id"] == sam["worker"]["id"], transfer
    for person in (sam, kim):
        set_activity(live, person, "offline")


@pytest.mark.slow
def test_a_warm_transfer_consults_cancels_conferences_and_hands_the_caller_over(
    live: LiveServer, centre: dict[str, Any], call: TestCaller
) -> None:
    robin, sam = centre["Robin"], centre["Sam"]
    iid = hand_off(live, call)
    set_activity(live, robin, "available")
    robins = accept_call(live, robin, iid)
    a = AgentSocket(live, iid, robin["key"])
    a.wait_for(lambda: bool(a.messages), 10, "the call's state")

    # Nothing to finish yet; Sam is offline.
    error = a.control("complete_transfer")
    assert error["type"] == "error" and "no consult" in error["message"], error
    error = a.control("consult", worker_id=sam["worker"]["id"])
    assert "Sam is offline" in error["message"], error

    # 1. Consult Sam by name: the caller hears music, Robin and Sam hear each other.
    set_activity(live, sam, "available")
    call.forget_unmarked_audio()
    state = a.control("consult", worker_id=sam["worker"]["id"])
    assert state["held"] is True and state["consult"]["worker_id"] == sam["worker"]["id"], state
    error = a.control("transfer", queue_id=centre["billing"]["id"])
    assert "a consult is open" in error["message"], error
    consult = accept_call(live, sam, iid)
    assert consult["attributes"]["consult_of"] == robins["id"]
    assert interaction_of(live, iid)["worker_id"] == robin["worker"]["id"]  # still Robin's call
    b = AgentSocket(live, iid, sam["key"])
    b.wait_for(lambda: bool(b.messages), 10, "the call's state")
    a.wait_for(lambda: joined(a), 10, "Sam on the line")
    call.wait_for(lambda: heard_music(call), 10, "hold music while consulting")
    error = b.control("conference")
    assert "only worker" in error["message"], error
    a.speak(tone(1111, 10))
    b.wait_for(lambda: tone(1111) in b.frames, 10, "Robin's voice at Sam")
    b.speak(tone(-2222, 10))
    a.wait_for(lambda: tone(-2222) in a.frames, 10, "Sam's voice at Robin")
    assert tone(1111) not in a.frames  # nobody hears themself

    # cancel: Sam's leg closes, Sam's consult task ends, the caller talks with Robin again.
    ends = len([line for line in call.lines if line.mark.startswith("hold-end-")])
    state = a.control("cancel_consult")
    assert state["held"] is False and state["consult"] is None, state
    closed_with(b, 1000, "consult cancelled")
    call.wait_for(
        lambda: len([line for line in call.lines if line.mark.startswith("hold-end-")]) > ends,
        10,
        "the music to stop",
    )
    assert task_of(live, consult["id"])["state"] == "completed"
    loud = a.loud_frames()
    call.say("are you still there")
    a.wait_for(lambda: a.loud_frames() >= loud + 25, 20, "the caller's voice at Robin")

    # 2. Consult the Billing queue; Sam answers; conference: everyone hears the others, mixed.
    state = a.control("consult", queue_id=centre["billing"]["id"])
    assert state["consult"]["worker_id"] is None, state
    consult = accept_call(live, sam, iid)
    b = AgentSocket(live, iid, sam["key"])
    a.wait_for(lambda: joined(a), 10, "Sam on the line")
    assert a.messages[-1]["consult"]["worker_id"] == sam["worker"]["id"]
    state = a.control("conference")
    assert state["held"] is False and state["consult"]["conference"] is True, state
    call.forget_unmarked_audio()
    for _ in range(50):  # interleaved, so that the two land on the same 20 ms ticks
        a.ws.send(tone(20000))
        b.ws.send(tone(16000))
    mixed = over_the_phone(tone(32767))  # 20000 + 16000, clipped to int16
    call.wait_for(lambda: mixed in call.unmarked_audio(), 20, "the mix at the caller")
    b.wait_for(lambda: tone(20000) in b.frames, 10, "Robin at Sam (plus the quiet caller)")
    a.wait_for(lambda: tone(16000) in a.frames, 10, "Sam at Robin (plus the quiet caller)")

    # Robin hangs up: only Robin leaves; Sam keeps the caller, the call is Sam's now.
    a.ws.send(json.dumps({"type": "hangup"}))
    closed_with(a, 1000, "left")
    loud = b.loud_frames()
    call.say("hello sam")
    b.wait_for(lambda: b.loud_frames() >= loud + 25, 20, "the caller's voice at Sam")
    found = interaction_of(live, iid)
    assert found["state"] == "connected" and found["worker_id"] == sam["worker"]["id"], found
    assert task_of(live, robins["id"])["state"] == "completed"

    # 3. Sam consults Robin by name and hands the caller over.
    state = b.control("consult", worker_id=robin["worker"]["id"])
    assert state["held"] is True, state
    robins = accept_call(live, robin, iid)
    a = AgentSocket(live, iid, robin["key"])
    b.wait_for(lambda: joined(b), 10, "Robin on the line")
    b.ws.send(json.dumps({"type": "complete_transfer"}))
    closed_with(b, 1000, "transferred")
    call.forget_unmarked_audio()
    a.speak(tone(5000, 25))
    call.wait_for(lambda: over_the_phone(tone(5000)) in call.unmarked_audio(), 20, "Robin")
    loud = a.loud_frames()
    call.say("thank you robin")
    a.wait_for(lambda: a.loud_frames() >= loud + 25, 20, "the caller's voice at Robin")
    # Sam's wrap-up (done) leaves the call connected to Robin.
    assert task_of(live, consult["id"])["state"] == "completed"
    found = interaction_of(live, iid)
    assert found["state"] == "connected" and found["worker_id"] == robin["worker"]["id"], found

    call.hang_up()
    closed_with(a, 1000, "call ended")
    complete(live, robin, robins["id"])
    found = interaction_of(live, iid)
    assert found["state"] == "completed" and found["worker_id"] == robin["worker"]["id"], found
    events = events_of(live, iid)
    kinds = [e["type"] for e in events]
    assert kinds.count("voice.consult") == 3 and kinds.count("voice.conference") == 1, kinds
    assert kinds.count("voice.consult_cancelled") == 1, kinds
    warm = [e["data"] for e in events if e["type"] == "voice.transfer"]
    assert [(w["kind"], w["conference"], w["to_worker_id"]) for w in warm] == [
        ("warm", True, sam["worker"]["id"]),
        ("warm", False, robin["worker"]["id"]),
    ], warm
    for person in (robin, sam):
        set_activity(live, person, "offline")
