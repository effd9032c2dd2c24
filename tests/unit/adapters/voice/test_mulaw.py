"""G.711 mu-law against known code points, and resampling."""

from __future__ import annotations

import numpy as np
import pytest

from agentfloor.adapters.voice import mulaw_to_pcm16, pcm16_to_mulaw, resample


def pcm(*samples: int) -> bytes:
    return np.array(samples, dtype="<i2").tobytes()


def decoded(code: int) -> int:
    return int(np.frombuffer(mulaw_to_pcm16(bytes([code])), dtype="<i2")[0])


@pytest.mark.parametrize(
    ("code", "value"),
    [
        (0xFF, 0),
        (0x7F, 0),
        (0x80, 32124),
        (0x00, -32124),
        (0xFE, 8),
        (0x7E, -8),
        (0xCE, 988),
        (0xF0, 120),
    ],
    ids=["zero", "negative-zero", "max", "min", "plus-8", "minus-8", "seg3", "seg0"],
)
def test_decode_known_values(code: int, value: int) -> None:
    assert decoded(code) == value


@pytest.mark.parametrize(
    ("sample", "code"),
    [(0, 0xFF), (-1, 0x7F), (32767, 0x80), (-32768, 0x00), (8, 0xFE), (1000, 0xCE), (-1000, 0x4E)],
    ids=["zero", "minus-1", "max", "min", "plus-8", "1000", "minus-1000"],
)
def test_encode_known_values(sample: int, code: int) -> None:
    assert pcm16_to_mulaw(pcm(sample)) == bytes([code])


def test_every_code_but_negative_zero_round_trips() -> None:
    codes = bytes(c for c in range(256) if c != 0x7F)
    assert pcm16_to_mulaw(mulaw_to_pcm16(codes)) == codes


def test_encoding_error_is_within_the_segment_step() -> None:
    samples = np.arange(-32768, 32768, 7, dtype=np.int32)
    back = np.frombuffer(mulaw_to_pcm16(pcm16_to_mulaw(samples.astype("<i2").tobytes())), "<i2")
    error = np.abs(back.astype(np.int32) - np.clip(samples, -32635, 32635))
    # the step doubles per segment: 8 in the first, 1024 in the last; error is at most half a step
    assert int(error.max()) <= 1024


def test_an_odd_trailing_byte_is_dropped() -> None:
    assert len(pcm16_to_mulaw(pcm(1, 2) + b"\x01")) == 2


def test_resample_keeps_duration_and_tone() -> None:
    t = np.arange(8000) / 8000
    tone = (10000 * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes()
    up = np.frombuffer(resample(tone, 8000, 16000), "<i2")
    assert len(up) == 16000
    spectrum = np.abs(np.fft.rfft(up.astype(float)))
    assert abs(int(np.argmax(spectrum)) - 440) <= 1  # 1 Hz bins over one second
    assert resample(tone, 8000, 8000) == tone and resample(b"", 8000, 16000) == b""
