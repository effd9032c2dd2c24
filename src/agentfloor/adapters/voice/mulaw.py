"""G.711 mu-law coding and 8 <-> 16 kHz resampling of telephone audio, with numpy.

Mu-law follows ITU-T G.711 (the Sun reference `g711.c`: bias 0x84, clip 32635, bits inverted
on the wire). Both directions are lookup tables built once on first use: 256 entries to decode
and 65,536 (every 16-bit sample) to encode, so coding a frame is one `take`. The standard
library's `audioop` would do this but is deprecated (removed in Python 3.13). Resampling uses
libsoxr (`soxr`, high quality), which the speech engines need: pocketsphinx's model is 16 kHz,
flite speaks at 16 kHz.
"""

from __future__ import annotations

import functools
from typing import Final

import numpy as np
import numpy.typing as npt
import soxr  # type: ignore[import-untyped]  # no py.typed in soxr 1.x

__all__ = ["mulaw_to_pcm16", "pcm16_to_mulaw", "resample"]

_BIAS: Final = 0x84
_CLIP: Final = 32635


@functools.cache
def _decode_table() -> npt.NDArray[np.int16]:
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


@functools.cache
def _encode_table() -> npt.NDArray[np.uint8]:
    sample = np.arange(65536, dtype=np.int32).astype(np.uint16).view(np.int16).astype(np.int32)
    sign = np.where(sample < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(sample), _CLIP) + _BIAS
    # exponent: position of the highest set bit among bits 7..14 of the biased magnitude
    exponent = np.zeros_like(magnitude)
    for e in range(7, 0, -1):
        exponent = np.where((exponent == 0) & (magnitude >= (1 << (e + 7))), e, exponent)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    codes: npt.NDArray[np.uint8] = (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)
    return codes


def mulaw_to_pcm16(data: bytes) -> bytes:
    """Decode mu-law bytes to 16-bit little-endian PCM (one sample per byte)."""
    codes = np.frombuffer(data, dtype=np.uint8)
    return _decode_table().take(codes).astype("<i2").tobytes()


def pcm16_to_mulaw(pcm: bytes) -> bytes:
    """Encode 16-bit little-endian PCM to mu-law bytes; an odd trailing byte is dropped."""
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2")
    return _encode_table().take(samples.view(np.uint16)).tobytes()


def resample(pcm: bytes, from_hz: int, to_hz: int) -> bytes:
    """Resample 16-bit mono PCM from `from_hz` to `to_hz` (libsoxr, high quality)."""
    if from_hz == to_hz or not pcm:
        return pcm
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2")
    out = soxr.resample(samples, from_hz, to_hz, quality="HQ")
    return np.asarray(out, dtype="<i2").tobytes()
