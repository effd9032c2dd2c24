"""What the voice channel needs from speech engines; adapters in `agentfloor.adapters.voice`.

Audio crosses these ports as 16-bit signed little-endian mono PCM at 8 kHz (telephone rate):
the carrier's mu-law decoded, or what is to be encoded for it. An engine that works at another
rate resamples inside its adapter.
"""

from __future__ import annotations

from typing import Protocol

from agentfloor.voice.model import SpeechHints, Transcript

__all__ = ["SpeechToText", "TextToSpeech", "VoiceActivity"]


class VoiceActivity(Protocol):
    """Tells speech from silence and noise, one 20 ms frame at a time."""

    def is_speech(self, frame: bytes) -> bool:
        """Return True when the frame (160 samples of 8 kHz PCM16) holds speech."""
        ...


class SpeechToText(Protocol):
    """Turns one caller utterance into words."""

    def transcribe(self, pcm: bytes, hints: SpeechHints | None = None) -> Transcript:
        """Return what was said in `pcm` (8 kHz PCM16), steered by `hints` when given."""
        ...


class TextToSpeech(Protocol):
    """Speaks text."""

    def synthesize(self, text: str) -> bytes:
        """Return `text` spoken as 8 kHz PCM16 mono."""
        ...
