"""Recognising a caller's utterance while it is spoken, on the recognition threads.

An `Utterance` starts at the caller's first word (with the frames just before it) on a stream
of the speech-to-text engine (`SpeechToText.stream`) and is fed in 100 ms pieces as frames
arrive, so by the end of the turn the decoder has heard all but the last piece and only the
final search remains. Frames are fed `lag` frames late: the end-of-turn silence beyond the short
tail the recogniser needs is never fed (pocketsphinx misreads an utterance that ends in a long
silence: "where is my order" -> "wearing mine either").

Recognition runs on a few long-lived threads of its own, apart from the default pool that
database work uses: a decoder's calls hold the GIL and take 5-10 ms per piece, and a turn's
final search must not queue behind unrelated work. Each thread job's CPU time is counted per
utterance (`cpu_s`), for the `voice.turn` event.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Final, TypeVar

from agentfloor.voice.model import SAMPLES_PER_FRAME, SpeechHints, Transcript
from agentfloor.voice.ports import RecognitionStream, SpeechToText

__all__ = ["STT_THREADS", "Utterance", "recognise", "warm_recognition"]

_STT_WORKERS: Final = 4
STT_THREADS: Final = ThreadPoolExecutor(_STT_WORKERS, thread_name_prefix="voice-stt")
_PIECE_FRAMES: Final = 5  # 100 ms of audio per decoder call
_RUNNING: set[asyncio.Task[RecognitionStream | None]] = set()

T = TypeVar("T")


def _timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.thread_time()
    result = fn()
    return result, time.thread_time() - start


class Utterance:
    """One caller utterance, streamed to recognition as it is heard.

    `hints` are fixed when it starts (what the bot had just asked for); `frames` keeps all of
    it (a second pass with other hints, or the record of a call cut off mid-sentence).
    """

    def __init__(
        self, stt: SpeechToText, hints: SpeechHints, frames: list[bytes], lag: int
    ) -> None:
        self.hints = hints
        self.frames = list(frames)
        self.cpu_s = 0.0
        self._lag = max(0, lag)
        self._fed = 0
        self._kept: int | None = None  # frames recognition hears, once the turn is over
        self._discarded = False
        self._pieces: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._stream = asyncio.create_task(self._run(stt))
        # the loop keeps only weak references to tasks: an utterance dropped mid-way must still
        # run to the end and hand its decoder back
        _RUNNING.add(self._stream)
        self._stream.add_done_callback(_RUNNING.discard)

    async def _call(self, fn: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        result, cpu = await loop.run_in_executor(STT_THREADS, _timed, fn)
        self.cpu_s += cpu
        return result

    async def _run(self, stt: SpeechToText) -> RecognitionStream | None:
        stream = await self._call(lambda: stt.stream(self.hints))
        try:
            while (piece := await self._pieces.get()) is not None:
                await self._call(functools.partial(stream.feed, piece))
        except BaseException:
            stream.cancel()
            raise
        if self._discarded:
            await self._call(stream.cancel)
            return None
        return stream

    def _feed_to(self, end: int) -> None:
        if end > self._fed:
            self._pieces.put_nowait(b"".join(self.frames[self._fed : end]))
            self._fed = end

    def hear(self, frame: bytes) -> None:
        """Take the next frame; pass a piece to the decoder once enough are ripe."""
        self.frames.append(frame)
        ripe = len(self.frames) - self._lag
        if ripe - self._fed >= _PIECE_FRAMES:
            self._feed_to(ripe)

    def end(self, drop_frames: int = 0) -> None:
        """End the turn: feed all but the last `drop_frames` (the closing silence)."""
        if self._kept is None:
            self._kept = len(self.frames) - max(0, drop_frames)
            self._feed_to(self._kept)
            self._pieces.put_nowait(None)

    async def result(self) -> Transcript:
        """Return the words (after `end`): only the decoder's final search is left to wait for."""
        self.end()
        stream = await self._stream
        assert stream is not None, "a discarded utterance has no result"
        return await self._call(stream.finish)

    def discard(self) -> None:
        """Drop the utterance before its end (it was noise); its decoder goes back to the pool."""
        self._discarded = True
        self.end()

    async def abandon(self) -> None:
        """Drop the utterance at any point, waiting until its decoder is back in the pool."""
        self.discard()
        stream = await self._stream
        if stream is not None:  # it had been fed to the end before the drop
            await self._call(stream.cancel)

    @property
    def audio(self) -> bytes:
        """What recognition hears of it: after `end`, without the closing silence dropped."""
        return b"".join(self.frames[: self._kept])


def warm_recognition(stt: SpeechToText, hints: SpeechHints) -> None:
    """Get recognition ready for `hints` in the background (decoders loaded, hints compiled)."""
    warm = getattr(stt, "warm", None)  # an engine with a pool to fill (pocketsphinx)
    if callable(warm):
        threading.Thread(target=warm, args=(hints,), name="voice-stt-warm", daemon=True).start()
        return
    silence = bytes(SAMPLES_PER_FRAME * 2 * 10)
    STT_THREADS.submit(stt.transcribe, silence, hints)


async def recognise(stt: SpeechToText, audio: bytes, hints: SpeechHints | None) -> Transcript:
    """Transcribe a whole utterance in one go, on the recognition threads."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(STT_THREADS, stt.transcribe, audio, hints)
