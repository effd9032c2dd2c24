"""Call recording: both directions of a call in one two-channel WAV, with the caller's consent.

A tenant that turns `recording` on (assistant settings) has its calls start with
`CONSENT_PROMPT`; the caller can opt out by saying "no recording" or pressing `*`, which stops
the recording and deletes what was captured. The file is `<recordings_dir>/<tenant>/<interaction>
.wav`, 8 kHz PCM16, channel 1 the caller and channel 2 what the call sent them (the bot's speech,
or a person's voice when an agent is bridged in).

The caller's audio is the timeline: it arrives in real time, 20 ms at a time. What the call
sends arrives in bursts (a whole sentence at once) and the carrier plays it out in real time, so
it is queued here and one frame of it is laid beside each caller frame, as the caller heard it;
a `clear` (barge-in) drops what was queued, as the carrier does. Frames go to the file as they
come (see `adapters.voice.wav_recorder`): a crash keeps everything captured up to it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from agentfloor.adapters.voice.mulaw import mulaw_to_pcm16
from agentfloor.adapters.voice.wav_recorder import WavWriter, finalise_wav, is_finished_wav
from agentfloor.core.errors import Conflict, NotFound

__all__ = [
    "CONSENT_PROMPT",
    "DECLINED_REPLY",
    "OPT_OUT_PHRASES",
    "CallRecording",
    "RecordingInfo",
    "is_opt_out",
    "recording_file",
    "recording_path",
]

CONSENT_PROMPT: Final = (
    "This call may be recorded for quality and training. "
    "To opt out, say no recording, or press star."
)
DECLINED_REPLY: Final = "Okay, this call is not being recorded."
OPT_OUT_PHRASES: Final = ("no recording", "don't record", "do not record", "stop recording")
_CHANNELS: Final = 2
_RATE_HZ: Final = 8000
_FRAME_SAMPLES: Final = 160  # 20 ms
_MAX_QUEUED_S: Final = 120  # outbound audio never played out (a carrier gone quiet) is capped
_WORDS: Final = re.compile(r"[a-z']+")
_SAFE_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_opt_out(text: str) -> bool:
    """Return True when a caller turn asks not to be recorded (a phrase, or `*` keyed)."""
    if text.strip() == "*":
        return True
    said = " ".join(_WORDS.findall(text.lower()))
    return any(phrase in said for phrase in OPT_OUT_PHRASES)


def recording_path(recordings_dir: Path, tenant_id: str, interaction_id: str) -> Path:
    """Return where the call's recording lives.

    Raises:
        ValueError: an id that is not a plain identifier (it would escape the directory).
    """
    if not (_SAFE_ID.fullmatch(tenant_id) and _SAFE_ID.fullmatch(interaction_id)):
        raise ValueError("tenant and interaction ids must be plain identifiers")
    return recordings_dir / tenant_id / f"{interaction_id}.wav"


def recording_file(
    recordings_dir: Path, tenant_id: str, interaction_id: str, *, call_over: bool
) -> Path:
    """Return the recording of a call, to download.

    A file whose header was never fixed (the server died mid-call) is repaired first, once the
    call is over; while the call goes on, it is still being written.

    Raises:
        NotFound: the call was not recorded (or the caller opted out).
        Conflict: the call is still being recorded.
    """
    try:
        path = recording_path(recordings_dir, tenant_id, interaction_id)
    except ValueError as exc:
        raise NotFound("recording", interaction_id) from exc
    if not path.is_file():
        raise NotFound("recording", interaction_id)
    if not is_finished_wav(path):
        if not call_over:
            raise Conflict("the call is still being recorded; try again when it has ended")
        finalise_wav(path)
    return path


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    """A finished recording: where, how long, how many channels."""

    path: Path
    seconds: float
    channels: int = _CHANNELS


class CallRecording:
    """One call's recording, fed by the call session's audio taps (thread-safe)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._writer: WavWriter | None = WavWriter(path, channels=_CHANNELS, rate_hz=_RATE_HZ)
        self._inbound = b""
        self._outbound: deque[bytes] = deque(maxlen=_MAX_QUEUED_S * 50)
        self._partial_out = b""

    @property
    def active(self) -> bool:
        """True until the recording is finished or declined."""
        return self._writer is not None

    def inbound(self, mulaw: bytes) -> None:
        """Record the caller's audio (a `media` payload, mu-law) beside what they were hearing."""
        with self._lock:
            if self._writer is None:
                return
            self._inbound += mulaw_to_pcm16(mulaw)
            step = _FRAME_SAMPLES * 2
            out = bytearray()
            while len(self._inbound) >= step:
                caller, self._inbound = self._inbound[:step], self._inbound[step:]
                heard = self._outbound.popleft() if self._outbound else bytes(step)
                out += _interleave(caller, heard)
            self._writer.write(bytes(out))

    def outbound(self, message: str) -> None:
        """Note a message the call sent the carrier: `media` is queued, `clear` drops the queue."""
        if '"media"' not in message and '"clear"' not in message:
            return  # marks: nothing to hear
        try:
            data = json.loads(message)
            event = data.get("event")
            payload = base64.b64decode(data["media"]["payload"]) if event == "media" else b""
        except (ValueError, KeyError, TypeError, binascii.Error):
            return  # not ours to judge: the session only sends what it made
        with self._lock:
            if self._writer is None:
                return
            if event == "clear":
                self._outbound.clear()
                self._partial_out = b""
                return
            if event != "media":
                return
            pcm = self._partial_out + mulaw_to_pcm16(payload)
            step = _FRAME_SAMPLES * 2
            whole = len(pcm) - len(pcm) % step
            for i in range(0, whole, step):
                self._outbound.append(pcm[i : i + step])
            self._partial_out = pcm[whole:]

    def finish(self) -> RecordingInfo | None:
        """Write what is still queued (sent, played after the caller's last frame) and close."""
        with self._lock:
            writer, self._writer = self._writer, None
            if writer is None:
                return None
            tail = b"".join(self._outbound)
            writer.write(_interleave(bytes(len(tail)), tail))
            seconds = writer.close()
        return RecordingInfo(self.path, round(seconds, 2))

    def decline(self) -> float:
        """Stop and delete the recording; return how many seconds were thrown away."""
        with self._lock:
            writer, self._writer = self._writer, None
            if writer is None:
                return 0.0
            seconds = writer.seconds
            writer.discard()
            self._outbound.clear()
        return round(seconds, 2)


def _interleave(left: bytes, right: bytes) -> bytes:
    """Return two equal-length PCM16 mono buffers as one stereo buffer (L R L R ...)."""
    if not left:
        return b""
    out = bytearray(len(left) * 2)
    for ch, mono in enumerate((left, right)):
        view = memoryview(mono).cast("h")
        target = memoryview(out).cast("h")
        target[ch::2] = view
    return bytes(out)
