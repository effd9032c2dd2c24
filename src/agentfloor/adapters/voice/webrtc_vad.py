"""Voice activity with Google's WebRTC VAD (`webrtcvad-wheels`: the C library in a binary wheel).

WebRTC's VAD keeps calling frames speech for a while after the voice stops (its own hangover,
120-260 ms on the test caller's utterances), which the end-of-turn silence would come on top
of. So a frame is speech only when the VAD says so and it is also within `gate_db` of the
loudest frame lately: the fading tail of the last word counts as silence, and the turn's
silence starts when the voice ends (within 20-40 ms on those utterances). Pauses inside
an utterance show up longer (up to 260 ms at the comma of "O R D, seven four..."), which is
what `TurnConfig.end_silence_ms` must outlast.
"""

from __future__ import annotations

import math

import numpy as np
import webrtcvad  # type: ignore[import-untyped]  # a C extension without stubs

from agentfloor.voice.model import FRAME_MS, SAMPLE_RATE_HZ, SAMPLES_PER_FRAME

__all__ = ["WebrtcVad"]


class WebrtcVad:
    """`VoiceActivity` over 20 ms frames of 8 kHz PCM16, one instance per call.

    `aggressiveness` 0-3: higher rejects more noise as non-speech (3 suits phone lines with
    background noise; 2 is WebRTC's own default for telephony). `gate_db`: how far below the
    recent peak level a frame still counts as speech (None: the VAD alone). The peak fades by
    `peak_fade_db_s` per second, so one loud burst does not mute the rest of the call.
    """

    def __init__(
        self, aggressiveness: int = 2, gate_db: float | None = 35.0, peak_fade_db_s: float = 10.0
    ) -> None:
        self._vad = webrtcvad.Vad(aggressiveness)
        self._gate = None if gate_db is None else 10 ** (-gate_db / 20)
        self._fade = 10 ** (-peak_fade_db_s * FRAME_MS / 1000 / 20)
        self._peak = 0.0

    def is_speech(self, frame: bytes) -> bool:
        """Return True when the 20 ms frame holds speech; a short or long frame is not speech."""
        if len(frame) != SAMPLES_PER_FRAME * 2:
            return False
        speech = bool(self._vad.is_speech(frame, SAMPLE_RATE_HZ))
        if self._gate is None:
            return speech
        samples = np.frombuffer(frame, dtype="<i2").astype(np.float32)
        level = math.sqrt(float(np.dot(samples, samples)) / len(samples))
        self._peak = max(level, self._peak * self._fade)
        return speech and level >= self._peak * self._gate
