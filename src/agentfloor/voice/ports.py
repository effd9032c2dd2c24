"""What the voice channel needs from speech engines; adapters in `agentfloor.adapters.voice`.

Audio crosses these ports as 16-bit signed little-endian mono PCM at 8 kHz (telephone rate):
the carrier's mu-law decoded, or what is to be encoded for it. An engine that works at another
rate resamples inside its adapter.
"""

from __future__ import annotations

from typing import Protocol

from agentfloor.voice.model import SpeechHints, Transcript

__all__ = [
    "BufferedRecognition",
    "RecognitionStream",
    "SpeechToText",
    "TextToSpeech",
    "VoiceActivity",
]


class VoiceActivity(Protocol):
    """Tells speech from silence and noise, one 20 ms frame at a time."""

    def is_speech(self, frame: bytes) -> bool:
        """Return True when the frame (160 samples of 8 kHz PCM16) holds speech."""
        ...


class RecognitionStream(Protocol):
    """One utterance recognised while it is spoken: audio in as it arrives, words at the end.

    Calls come one at a time (never two at once on one stream), from any thread. After
    `finish` or `cancel` the stream is spent.
    """

    def feed(self, pcm: bytes) -> None:
        """Take the next piece of the utterance (8 kHz PCM16)."""
        ...

    def finish(self) -> Transcript:
        """Return what was said in everything fed."""
        ...

    def cancel(self) -> None:
        """Drop the utterance (nothing more will be fed) and free what it holds."""
        ...


class SpeechToText(Protocol):
    """Turns caller utterances into words."""

    def transcribe(self, pcm: bytes, hints: SpeechHints | None = None) -> Transcript:
        """Return what was said in `pcm` (8 kHz PCM16), steered by `hints` when given."""
        ...

    def stream(self, hints: SpeechHints | None = None) -> RecognitionStream:
        """Start recognising an utterance as it arrives, steered by `hints` when given."""
        ...


class BufferedRecognition:
    """A `RecognitionStream` for engines that only take whole utterances: keeps, then transcribes.

    For hosted engines without a streaming API (an HTTP transcription endpoint): the work
    all happens at `finish`, so the caller waits for the whole recognition.
    """

    def __init__(self, stt: SpeechToText, hints: SpeechHints | None = None) -> None:
        self._stt = stt
        self._hints = hints
        self._pieces: list[bytes] = []

    def feed(self, pcm: bytes) -> None:
        """Keep `pcm` for `finish`."""
        self._pieces.append(pcm)

    def finish(self) -> Transcript:
        """Transcribe everything fed in one go."""
        pcm, self._pieces = b"".join(self._pieces), []
        return self._stt.transcribe(pcm, self._hints)

    def cancel(self) -> None:
        """Forget what was fed."""
        self._pieces = []


class TextToSpeech(Protocol):
    """Speaks text."""

    def synthesize(self, text: str) -> bytes:
        """Return `text` spoken as 8 kHz PCM16 mono."""
        ...
