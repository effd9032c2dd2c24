"""The call bridge: hold music and announcements to the carrier, audio between caller and agent.

The bridge runs on a real event loop with fakes for its edges: `send` keeps the carrier messages,
`record` the interaction events. Waits are on conditions with a deadline.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Coroutine
from typing import Any

import numpy as np

from agentfloor.adapters.voice.mulaw import mulaw_to_pcm16
from agentfloor.runtime.voice_bridge import AgentLeg, CallBridge, HoldConfig, LegClosed, bridges
from agentfloor.runtime.voice_hold import QueueSpot


class Line:
    """The carrier's side and the interaction's log, as the bridge sees them."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.over = False
        self.hung_up = ""

    async def send(self, text: str) -> None:
        self.sent.append(json.loads(text))

    async def record(self, type_: str, data: dict[str, Any]) -> None:
        self.events.append((type_, data))

    def of(self, event: str) -> list[dict[str, Any]]:
        return [m for m in self.sent if m["event"] == event]

    def marks(self) -> list[str]:
        return [m["mark"]["name"] for m in self.of("mark")]

    def audio(self, after: int = 0) -> bytes:
        media = [m for m in self.sent[after:] if m["event"] == "media"]
        return b"".join(mulaw_to_pcm16(base64.b64decode(m["media"]["payload"])) for m in media)


def tone(frames: int, amplitude: int = 8000) -> bytes:
    t = np.arange(160 * frames) / 8000
    return (np.sin(2 * np.pi * 440 * t) * amplitude).astype("<i2").tobytes()


def make_bridge(line: Line, interaction_id: str = "int_1", **config: float) -> CallBridge:
    def hang_up(reason: str) -> None:
        line.hung_up = reason
        line.over = True

    return CallBridge(
        tenant_id="ten_1",
        interaction_id=interaction_id,
        stream_sid="MZ1",
        task_id=None,
        send=line.send,
        record=line.record,
        synthesize=lambda text: tone(25),
        locate=lambda task_id: QueueSpot(1, 90.0, "que_1") if task_id == "tsk_1" else None,
        find_task=lambda: "tsk_1",
        is_over=lambda: line.over,
        hang_up=hang_up,
        config=HoldConfig(**{"announce_first_s": 0.0, "announce_every_s": 3600.0, **config}),
    )


async def until(predicate: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


def run(scenario: Callable[[Line], Coroutine[Any, Any, None]]) -> Line:
    line = Line()
    asyncio.run(scenario(line))
    return line


def drain(leg: AgentLeg) -> list[bytes | dict[str, Any] | LegClosed]:
    items = []
    while not leg.outbox.empty():
        items.append(leg.outbox.get_nowait())
    return items


def test_a_waiting_caller_hears_music_then_their_place_between_marks() -> None:
    async def scenario(line: Line) -> None:
        bridge = make_bridge(line)
        bridges().add(bridge)
        bridge.start()
        await until(lambda: any(m.startswith("announce-") for m in line.marks()), "announcement")
        assert bridges().get("int_1") is bridge
        line.over = True
        await until(lambda: bridges().get("int_1") is None, "the bridge to unregister")

    line = run(scenario)
    names = [m["event"] if m["event"] != "mark" else m["mark"]["name"] for m in line.sent]
    hold, announce = names.index("hold-1"), names.index("announce-2")
    assert hold > 0 and set(names[:hold]) == {"media"}  # music first
    assert names[hold + 1 : announce] == ["media"] * 25  # the whole announcement, uncut
    pcm = line.audio()
    assert np.abs(np.frombuffer(pcm, "<i2")).max() > 1000  # not silence
    assert line.events[0] == (
        "voice.hold_announcement",
        {"position": 1, "ewt_s": 90, "queue_id": "que_1", "text": line.events[0][1]["text"]},
    )
    assert "number 1 in the queue" in line.events[0][1]["text"]


def test_an_agent_stops_the_music_and_audio_flows_both_ways() -> None:
    async def scenario(line: Line) -> None:
        bridge = make_bridge(line, announce_first_s=3600.0)
        bridge.start()
        await until(lambda: len(line.of("media")) >= 3, "music")
        leg = await bridge.attach("wrk_robin")
        assert line.sent[-2]["event"] == "clear" and line.marks() == ["hold-end-1"]
        assert drain(leg)[0] == bridge.status(leg)
        sent = len(line.sent)
        bridge.caller_frame(tone(1))
        assert drain(leg) == [tone(1)]
        await bridge.agent_audio(leg, tone(3)[:800])  # 2.5 frames: two go, half waits
        assert len(line.sent) == sent + 2 and len(leg.pending) == 160
        await asyncio.sleep(0.1)  # no music under the agent's voice
        assert len(line.sent) == sent + 2
        line.over = True
        await until(lambda: not leg.outbox.empty(), "the leg to be closed")
        assert drain(leg) == [LegClosed(1000, "call ended")]

    line = run(scenario)
    assert ("voice.agent_connected", {"worker_id": "wrk_robin"}) in line.events


def test_mute_drops_the_agent_and_hold_plays_music_to_the_caller_only() -> None:
    async def scenario(line: Line) -> None:
        bridge = make_bridge(line, announce_first_s=3600.0)
        bridge.start()
        leg = await bridge.attach("wrk_robin")
        await bridge.set_muted(leg, True)
        sent = len(line.sent)
        await bridge.agent_audio(leg, tone(5))
        assert len(line.sent) == sent and leg.dropped_frames == 5
        await bridge.set_muted(leg, False)
        drain(leg)
        await bridge.set_held(leg, True)
        assert drain(leg) == [bridge.status(leg)] and bridge.status(leg)["held"] is True
        bridge.caller_frame(tone(1))  # the agent does not hear a held caller
        assert drain(leg) == []
        await until(lambda: len(line.of("media")) > 5, "hold music")
        await bridge.set_held(leg, False)
        assert line.marks()[-1].startswith("hold-end-") and line.sent[-2]["event"] == "clear"
        last = drain(leg)[-1]
        assert isinstance(last, dict) and last["held"] is False
        bridge.caller_frame(tone(1))
        assert drain(leg) == [tone(1)] and leg.to_agent_frames == 1
        line.over = True
        await until(lambda: not leg.outbox.empty(), "the end")

    line = run(scenario)
    kinds = [(kind, data.get("muted", data.get("held"))) for kind, data in line.events]
    assert [k for k in kinds if k[0] in ("voice.mute", "voice.hold")] == [
        ("voice.mute", True),
        ("voice.mute", False),
        ("voice.hold", True),
        ("voice.hold", False),
    ]


def test_a_second_socket_of_the_worker_replaces_the_first_and_a_transfer_ends_both() -> None:
    async def scenario(line: Line) -> None:
        bridge = make_bridge(line, announce_first_s=3600.0)
        bridge.start()
        first = await bridge.attach("wrk_robin")
        second = await bridge.attach("wrk_robin")
        assert drain(first)[-1] == LegClosed(
            4409, "replaced by a newer connection of the same worker"
        )
        await bridge.detach(first, "disconnected")  # late: the newer leg stays
        assert bridge.legs == {"wrk_robin": second}
        await bridge.transferred(second, "tsk_2", {"queue_id": "que_2"})
        assert drain(second)[-1] == LegClosed(1000, "transferred")
        assert bridge.task_id == "tsk_2" and bridge.hears_music
        await bridge.hang_up(second)
        await until(lambda: bridges().get("int_1") is None, "the end")

    line = run(scenario)
    assert line.hung_up == "agent_hung_up"
    assert ("voice.transfer", {"worker_id": "wrk_robin", "queue_id": "que_2"}) in line.events


def test_the_music_waits_until_the_bot_has_finished_speaking() -> None:
    async def scenario(line: Line) -> None:
        quiet = False
        bridge = make_bridge(line, announce_first_s=3600.0)
        bridge._ready = lambda: quiet  # the handoff reply still playing
        bridge.start()
        leg = await bridge.attach("wrk_robin")  # an agent may join before the music starts
        await bridge.detach(leg, "disconnected")
        await asyncio.sleep(0.1)
        assert line.of("media") == [] and line.of("clear") == []
        quiet = True
        await until(lambda: len(line.of("media")) >= 3, "music once the bot is quiet")
        line.over = True
        await until(lambda: bridges().get("int_1") is None, "the end")

    run(scenario)
