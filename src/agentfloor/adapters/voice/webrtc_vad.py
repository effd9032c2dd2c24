"""Voice activity with Google's WebRTC VAD (`webrtcvad-wheels`: the C library in a binary wheel)."""

from __future__ import annotations

import webrtcvad  # type: ignore[import-untyped]  # a C extension without stubs

from agentfloor.voice.model import SAMPLE_RATE_HZ, SAMPLES_PER_FRAME

__all__ = ["WebrtcVad"]


class WebrtcVad:
    """`VoiceActivity` over 20 ms frames of 8 kHz PCM16.

    `aggressiveness` 0-3: higher rejects more noise as non-speech (3 suits phone lines with
    background noise; 2 is WebRTC's own default for telephony).
    """

    def __init__(self, aggressiveness: int = 2) -> None:
        self._vad = webrtcvad.Vad(aggressiveness)

    def is_speech(self, frame: bytes) -> bool:
        """Return True when the 20 ms frame holds speech; a short or long frame is not speech."""
        if len(frame) != SAMPLES_PER_FRAME * 2:
            return False
        return bool(self._vad.is_speech(frame, SAMPLE_RATE_HZ))
