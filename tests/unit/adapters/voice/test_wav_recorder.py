"""WAV files written frame by frame, and repaired when the writer died before closing."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from agentfloor.adapters.voice.wav_recorder import WavWriter, finalise_wav


def stereo(frames: int, left: int, right: int) -> bytes:
    return np.tile(np.array([left, right], "<i2"), frames).tobytes()


def test_a_closed_file_is_a_valid_wav(tmp_path: Path) -> None:
    path = tmp_path / "t1" / "call.wav"
    writer = WavWriter(path, channels=2, rate_hz=8000)
    writer.write(stereo(8000, 100, -100))
    assert writer.close() == 1.0
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (2, 8000, 2)
        samples = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    assert len(samples) == 16000 and samples[0] == 100 and samples[1] == -100


def test_a_writer_killed_mid_call_leaves_a_file_that_is_repaired(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    script = f"""
import os, numpy as np
from pathlib import Path
from agentfloor.adapters.voice.wav_recorder import WavWriter
w = WavWriter(Path({str(path)!r}), channels=2, rate_hz=8000)
w.write(np.tile(np.array([1, 2], "<i2"), 4000).tobytes())
w.write(np.tile(np.array([3, 4], "<i2"), 4000).tobytes()[:-2])  # a torn last sample frame
os._exit(9)  # killed: nothing closes the file or fixes its header
"""
    done = subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    assert done.returncode == 9
    assert path.stat().st_size == 44 + 32000 - 2  # every frame written is on disk
    assert finalise_wav(path) == pytest.approx(7999 / 8000)
    with wave.open(str(path)) as w:
        assert w.getnframes() == 7999
        samples = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    assert samples[-2:].tolist() == [3, 4]
    assert finalise_wav(path) == pytest.approx(7999 / 8000)  # idempotent


def test_a_discarded_recording_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    writer = WavWriter(path, channels=2, rate_hz=8000)
    writer.write(stereo(10, 1, 1))
    writer.discard()
    assert not path.exists()


def test_finalise_refuses_other_files(tmp_path: Path) -> None:
    path = tmp_path / "x.wav"
    path.write_bytes(b"not a wav at all, but long enough to have a header of 44 bytes")
    with pytest.raises(ValueError, match="not a WAV"):
        finalise_wav(path)
