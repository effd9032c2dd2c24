"""WAV files written as audio arrives, readable even when the writer never finished.

A `WavWriter` writes a PCM16 WAV header with zero sizes, then appends every frame straight to
the file (unbuffered: a crashed process loses nothing it was given), and fixes the sizes in the
header at `close`. `finalise_wav` fixes the header of a file whose writer died first, from the
file's length, so a recording cut short by a crash is still a valid WAV of what was captured.
The header is the canonical 44-byte RIFF/WAVE one (`fmt ` chunk of 16 bytes, then `data`).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO, Final

__all__ = ["WavWriter", "finalise_wav", "is_finished_wav"]

_HEADER_BYTES: Final = 44
_SAMPLE_BYTES: Final = 2  # PCM16


def _header(data_bytes: int, *, channels: int, rate_hz: int) -> bytes:
    block = channels * _SAMPLE_BYTES
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, rate_hz, rate_hz * block, block, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


class WavWriter:
    """A PCM16 WAV file open for appending interleaved frames."""

    def __init__(self, path: Path, *, channels: int, rate_hz: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.channels = channels
        self.rate_hz = rate_hz
        self._data_bytes = 0
        self._file: BinaryIO | None = path.open("wb", buffering=0)
        self._file.write(_header(0, channels=channels, rate_hz=rate_hz))

    @property
    def seconds(self) -> float:
        """Return the length of what was written so far."""
        return self._data_bytes / (self.channels * _SAMPLE_BYTES * self.rate_hz)

    def write(self, interleaved: bytes) -> None:
        """Append interleaved PCM16 samples (whole sample frames)."""
        if self._file is None or not interleaved:
            return
        self._file.write(interleaved)
        self._data_bytes += len(interleaved)

    def close(self) -> float:
        """Fix the header's sizes and close; return the length in seconds."""
        if self._file is not None:
            self._file.seek(0)
            self._file.write(
                _header(self._data_bytes, channels=self.channels, rate_hz=self.rate_hz)
            )
            self._file.close()
            self._file = None
        return self.seconds

    def discard(self) -> None:
        """Close and delete the file (nothing of it is kept)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)


def finalise_wav(path: Path) -> float:
    """Fix the sizes in the header of a WAV whose writer never closed it; return its seconds.

    Reads the channel count and rate from the header written at the start; the data is
    everything after the 44-byte header, cut to whole sample frames.

    Raises:
        ValueError: the file does not start with the header `WavWriter` writes.
    """
    with path.open("r+b") as f:
        head = f.read(_HEADER_BYTES)
        if len(head) < _HEADER_BYTES or head[:4] != b"RIFF" or head[8:16] != b"WAVEfmt ":
            raise ValueError(f"{path} is not a WAV file written by WavWriter")
        channels, rate_hz = (int(v) for v in struct.unpack("<HI", head[22:28]))
        block = channels * _SAMPLE_BYTES
        size = int(f.seek(0, 2)) - _HEADER_BYTES
        data_bytes = size - size % block
        if struct.unpack("<I", head[40:44])[0] != data_bytes:
            f.seek(0)
            f.write(_header(data_bytes, channels=channels, rate_hz=rate_hz))
            f.truncate(_HEADER_BYTES + data_bytes)
    return data_bytes / (block * rate_hz)


def is_finished_wav(path: Path) -> bool:
    """Return True when the header's data size matches the file (its writer closed it)."""
    with path.open("rb") as f:
        head = f.read(_HEADER_BYTES)
        size = int(f.seek(0, 2)) - _HEADER_BYTES
    return len(head) == _HEADER_BYTES and int(struct.unpack("<I", head[40:44])[0]) == size
