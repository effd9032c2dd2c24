"""Mixing frames, and the bridge's warm transfer: consult, conference, hand-over, cancel.

The bridge runs on a real event loop with the fakes of `test_voice_bridge`; waits are on
conditions with a deadline.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from agentfloor.adapters.voice.mulaw import mulaw_to_pcm16, pcm16_to_mulaw
from agentfloor.runtime.voice_bridge import AgentLeg, Consult, LegClosed
from agentfloor.runtime.voice_mix import mix_frames
from tests.unit.runtime.test_voice_bridge import Line, drain, make_bridge, run, until


def const(value: int, samples: int = 160) -> bytes:
    return np.full(samples, value, dtype="<i2").tobytes()


def frames_of(leg: AgentLeg) -> list[bytes]:
    return [item for item in drain(leg) if isinstance(item, bytes)]


@pytest.mark.parametrize(
    ("values", "want"),
    [
        ([1000, 2000], 3000),
        ([-1000, 250, 250], -500),
        ([30000, 10000], 32767),
        ([-30000, -10000], -32768),
        ([5], 5),
    ],
    ids=["sum", "three", "clip-high", "clip-low", "one"],
)
def test_mix_sums_and_clips_to_int16(values: list[int], want: int) -> None:
    assert mix_frames(const(v) for v in values) == const(want)


def test_mix_of_unequal_frames_pads_with_silence_and_ignores_an_odd_byte() -> None:
    mixed = np.frombuffer(mix_frames([const(100, 4), const(7, 2) + b"\x01"]), "<i2")
    assert mixed.tolist() == [107, 107, 100, 100]
    assert mix_frames([]) == b""


def test_a_consult_holds_the_caller_and_the_two_agents_hear_each_other() -> None:
    async def scenario(line: Line) -> None:
        bridge = make_bridge(line, announce_first_s=3600.0)
        bridge.start()
        robin = await bridge.attach("wrk_robin")
        await bridge.consulting(robin, Consult("tsk_2", "wrk_robin", "que_1"), {"task_id": "t"})
        assert bridge.held and drain(robin)[-1]["consult"]["task_id"] == "tsk_2"  # type: ignore[index]
        await until(lambda: len(line.of("media")) > 3, "hold music for the caller")
        bridge.consult.worker_id = "wrk_sam"  # type: ignore[union-attr]
        sam = await bridge.attach("wrk_sam")
        assert bridge.mixing
        drain(robin), drain(sam)
        bridge.caller_frame(const(999))  # a held caller is heard by nobody
        await bridge.agent_audio(robin, const(1111) * 3)
        await bridge.agent_audio(sam, const(2222) * 3)
        await until(lambda: robin.to_agent_frames >= 3 and sam.to_agent_frames >= 3, "the mix")
        assert set(frames_of(robin)) == {const(2222)}
        assert set(frames_of(sam)) == {const(1111)}
        assert robin.to_caller_frames == 0 and sam.to_caller_frames == 0

        # conference: the caller hears both, summed; each agent hears the caller and the other
        await bridge.conferenced(robin)
        assert not bridge.held and line.sent[-2]["event"] == "clear"
        drain(robin), drain(sam)
        sent = len(line.sent)
        await bridge.agent_audio(robin, const(30000) * 2)
        await bridge.agent_audio(sam, const(10000) * 2)
        bridge.caller_frame(const(-5))
        await until(lambda: robin.to_caller_frames >= 2, "the mix to the caller")
        heard = line.audio(after=sent)
        assert heard[:320] == mulaw_to_pcm16(pcm16_to_mulaw(const(32767)))
        assert frames_of(robin)[0] == const(10000 - 5) and frames_of(sam)[0] == const(29995)

        # the asking worker leaves the conference: the caller stays with Sam, audio direct again
        await bridge.handed_over(robin, {}, reason="left")
        assert drain(robin)[-1] == LegClosed(1000, "left")
        assert bridge.task_id == "tsk_2" and bridge.consult is None and not bridge.mixing
        drain(sam)
        bridge.caller_frame(const(42))
        assert drain(sam) == [const(42)]
        line.over = True
        await until(lambda: not sam.outbox.empty(), "the end")

    line = run(scenario)
    kinds = [kind for kind, _ in line.events]
    assert kinds.index("voice.consult") < kinds.index("voice.conference")
    assert kinds.index("voice.conference") < kinds.index("voice.transfer")
    transfer = next(data for kind, data in line.events if kind == "voice.transfer")
    assert transfer["kind"] == "warm" and transfer["to_worker_id"] == "wrk_sam"
    assert transfer["conference"] is True


def test_a_cancelled_consult_closes_the_consulted_leg_and_unholds_the_caller() -> None:
    async def scenario(line: Line) -> None:
        bridge = make_bridge(line, announce_first_s=3600.0)
        bridge.start()
        robin = await bridge.attach("wrk_robin")
        await bridge.consulting(robin, Consult("tsk_2", "wrk_robin", "que_1", "wrk_sam"), {})
        sam = await bridge.attach("wrk_sam")
        ended = await bridge.consult_ended(robin, "voice.consult_cancelled", reason="cancelled")
        assert ended is not None and ended.task_id == "tsk_2"
        assert drain(sam)[-1] == LegClosed(1000, "cancelled")
        assert not bridge.held and bridge.legs == {"wrk_robin": robin}
        drain(robin)
        bridge.caller_frame(const(7))
        assert drain(robin) == [const(7)]
        await bridge.agent_audio(robin, const(8))
        assert line.audio()[-320:] == mulaw_to_pcm16(pcm16_to_mulaw(const(8)))
        line.over = True
        await asyncio.sleep(0)

    line = run(scenario)
    assert ("voice.consult_cancelled", "wrk_sam") in [
        (kind, data.get("consulted_worker_id")) for kind, data in line.events
    ]
