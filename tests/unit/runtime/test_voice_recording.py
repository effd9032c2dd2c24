"""A call's recording: the caller on one channel, what they heard on the other, in step."""

from __future__ import annotations

import base64
import json
import wave
from pathlib import Path

import numpy as np
import pytest

from agentfloor.adapters.voice import pcm16_to_mulaw
from agentfloor.runtime.voice_recording import CallRecording, is_opt_out, recording_path


def mulaw(frames: int, amplitude: int) -> bytes:
    return pcm16_to_mulaw((np.ones(160 * frames) * amplitude).astype("<i2").tobytes())


def media(frames: int, amplitude: int) -> str:
    payload = base64.b64encode(mulaw(frames, amplitude)).decode()
    return json.dumps({"event": "media", "streamSid": "MZ1", "media": {"payload": payload}})


def channels(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getframerate()) == (2, 8000)
        samples = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    return samples[0::2], samples[1::2]


def test_what_was_sent_is_laid_beside_the_caller_as_it_played(tmp_path: Path) -> None:
    recording = CallRecording(tmp_path / "t" / "i.wav")
    recording.outbound(media(3, 4000))  # a burst: 60 ms of the bot, sent at once
    recording.outbound(json.dumps({"event": "mark", "streamSid": "MZ1", "mark": {"name": "m"}}))
    for _ in range(5):
        recording.inbound(mulaw(1, 1000))  # the caller, 20 ms at a time
    info = recording.finish()
    assert info is not None and info.seconds == 0.1 and info.channels == 2
    caller, heard = channels(info.path)
    assert len(caller) == 800
    assert (np.abs(caller - 1000) < 50).all()
    assert (np.abs(heard[:480] - 4000) < 150).all() and (heard[480:] == 0).all()


def test_a_clear_drops_what_was_not_played(tmp_path: Path) -> None:
    recording = CallRecording(tmp_path / "i.wav")
    recording.outbound(media(10, 4000))
    recording.inbound(mulaw(2, 1000))
    recording.outbound(json.dumps({"event": "clear", "streamSid": "MZ1"}))
    recording.inbound(mulaw(2, 1000))
    info = recording.finish()
    assert info is not None
    _, heard = channels(info.path)
    assert (heard[:320] != 0).all() and (heard[320:] == 0).all()


def test_audio_still_queued_at_the_end_is_kept(tmp_path: Path) -> None:
    recording = CallRecording(tmp_path / "i.wav")
    recording.inbound(mulaw(1, 1000))
    recording.outbound(media(2, 4000))  # the goodbye, sent after the caller's last frame
    info = recording.finish()
    assert info is not None and info.seconds == 0.06
    assert recording.finish() is None  # once


def test_declining_deletes_the_file_and_stops_recording(tmp_path: Path) -> None:
    recording = CallRecording(tmp_path / "i.wav")
    for _ in range(50):
        recording.inbound(mulaw(1, 1000))
    assert recording.decline() == 1.0
    assert not (tmp_path / "i.wav").exists()
    recording.inbound(mulaw(1, 1000))
    assert not recording.active and recording.finish() is None
    assert not (tmp_path / "i.wav").exists()


@pytest.mark.parametrize(
    ("said", "out"),
    [
        ("*", True),
        ("no recording", True),
        ("no recording please", True),
        ("please don't record this", True),
        ("no", False),
        ("where is my order", False),
        ("1*", False),
    ],
)
def test_opt_out(said: str, out: bool) -> None:
    assert is_opt_out(said) is out


def test_paths_stay_inside_the_directory(tmp_path: Path) -> None:
    assert recording_path(tmp_path, "ten_1", "int_2") == tmp_path / "ten_1" / "int_2.wav"
    with pytest.raises(ValueError):
        recording_path(tmp_path, "ten_1", "../../etc/passwd")
