"""Mixing telephone audio: several PCM16 frames summed into one, clipped to 16 bits.

A three-way call (`runtime.voice_bridge`) sends each party the sum of what the others said in
the same 20 ms: plain addition in int32, then clipping to the int16 range, as a conference
bridge does (no automatic gain: two quiet voices stay as loud as they were, two loud ones clip).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import numpy as np

__all__ = ["mix_frames"]

_MIN: Final = -32768
_MAX: Final = 32767


def mix_frames(frames: Iterable[bytes]) -> bytes:
    """Sum PCM16 little-endian frames sample by sample, clipped to int16.

    A shorter frame counts as silence where it ends (the result is as long as the longest);
    an odd trailing byte is ignored; no frames give b"".
    """
    total: np.ndarray[tuple[int], np.dtype[np.int32]] = np.zeros(0, dtype=np.int32)
    for frame in frames:
        samples = np.frombuffer(frame[: len(frame) - len(frame) % 2], dtype="<i2")
        if len(samples) > len(total):
            total = np.pad(total, (0, len(samples) - len(total)))
        total[: len(samples)] += samples
    return np.clip(total, _MIN, _MAX).astype("<i2").tobytes()
