"""Streaming an utterance to recognition: pieces as frames ripen, the closing silence never fed."""

from __future__ import annotations

import asyncio

from agentfloor.runtime.voice_recognition import Utterance
from agentfloor.voice import SpeechHints, Transcript


class RecordingStream:
    def __init__(self, log: list[str]) -> None:
        self.fed: list[bytes] = []
        self.log = log

    def feed(self, pcm: bytes) -> None:
        self.fed.append(pcm)

    def finish(self) -> Transcript:
        self.log.append("finish")
        return Transcript(f"{len(b''.join(self.fed))} bytes", 1.0)

    def cancel(self) -> None:
        self.log.append("cancel")


class RecordingStt:
    def __init__(self) -> None:
        self.streams: list[RecordingStream] = []
        self.log: list[str] = []

    def transcribe(self, pcm: bytes, hints: SpeechHints | None = None) -> Transcript:
        return Transcript("")

    def stream(self, hints: SpeechHints | None = None) -> RecordingStream:
        self.streams.append(RecordingStream(self.log))
        return self.streams[-1]


def frame(i: int) -> bytes:
    return bytes([i]) * 320


def test_pieces_are_fed_as_they_ripen_and_the_closing_silence_is_dropped() -> None:
    async def run() -> tuple[Transcript, RecordingStt, bytes]:
        stt = RecordingStt()
        utterance = Utterance(stt, SpeechHints(), [frame(0), frame(1)], lag=13)
        for i in range(2, 40):
            utterance.hear(frame(i))
        expected = 25 * 320
        for _ in range(500):  # the recognition threads catch up
            if stt.streams and len(b"".join(stt.streams[0].fed)) >= expected:
                break
            await asyncio.sleep(0.01)
        fed_while_speaking = b"".join(stt.streams[0].fed)
        assert fed_while_speaking == b"".join(frame(i) for i in range(25))  # 40 - 13 lag, by 5s
        utterance.end(drop_frames=13)
        return await utterance.result(), stt, utterance.audio

    heard, stt, audio = asyncio.run(run())
    assert heard.text == f"{27 * 320} bytes"  # all but the dropped silence, in order
    assert audio == b"".join(frame(i) for i in range(27))
    assert stt.log == ["finish"]


def test_a_discarded_utterance_gives_its_stream_back() -> None:
    async def run() -> RecordingStt:
        stt = RecordingStt()
        utterance = Utterance(stt, SpeechHints(), [frame(0)], lag=0)
        utterance.hear(frame(1))
        utterance.discard()
        for _ in range(100):
            if stt.log:
                break
            await asyncio.sleep(0.01)
        return stt

    assert asyncio.run(run()).log == ["cancel"]


def test_an_utterance_abandoned_after_its_end_is_cancelled_not_finished() -> None:
    async def run() -> RecordingStt:
        stt = RecordingStt()
        utterance = Utterance(stt, SpeechHints(), [frame(0)] * 20, lag=0)
        utterance.end()
        await utterance.abandon()
        return stt

    assert asyncio.run(run()).log == ["cancel"]
