"""Call recordings over the real API: the tenant setting, and downloading the WAV.

The call itself is played in-process against the live server's database and recordings
directory (as tests/integration/test_voice_confirm_recording.py plays it), then fetched with
`GET /v1/interactions/{id}/recording` over HTTP like any client would.
"""

from __future__ import annotations

import asyncio
import io
import struct
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from agentfloor.access.model import Role
from agentfloor.adapters.voice import FliteTts, PocketsphinxStt, flite_path
from agentfloor.adapters.voice.test_caller import TestCaller
from agentfloor.voice.speech import hints_for
from tests.e2e.server import LiveServer
from tests.integration.test_voice_confirm_recording import Call


@pytest.fixture(scope="module")
def recorded(live: LiveServer) -> tuple[str, Path]:
    """Turn recording on for tenant a over the API and play one call; its id and file."""
    with live.client("a") as c:
        r = c.put("/v1/assistant", json={"recording": True, "order_prefixes": ["ord", "AB"]})
        assert r.status_code == 200, r.text
        got = c.get("/v1/assistant").json()
        assert (got["recording"], got["order_prefixes"]) == (True, ["ORD", "AB"])
        assert got["speech_confirm_below"] == 0.6
        r = c.put("/v1/assistant", json={"recording": "always"})
        assert r.status_code == 422
        assert [p["loc"] for p in r.json()["errors"]] == ["recording"], r.text

    async def call() -> str:
        directory = live.container.settings.resolved_recordings_dir()
        line = Call(live.container, live.tenants["a"].tenant_id, directory)
        await line.start("CA-recorded")
        await line.settle()
        await line.say(0)
        await line.hang_up()
        assert line.session.interaction_id is not None
        return line.session.interaction_id

    interaction_id = asyncio.run(call())
    path = live.container.settings.resolved_recordings_dir()
    return interaction_id, path / live.tenants["a"].tenant_id / f"{interaction_id}.wav"


def test_a_recorded_call_downloads_as_a_two_channel_wav(
    live: LiveServer, recorded: tuple[str, Path]
) -> None:
    interaction_id, path = recorded
    with live.client("a") as c:
        r = c.get(f"/v1/interactions/{interaction_id}/recording")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "audio/wav"
        with wave.open(io.BytesIO(r.content)) as w:
            assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (2, 8000, 2)
            assert w.getnframes() > 4000
        events = c.get(f"/v1/interactions/{interaction_id}/events").json()
    logged = next(e for e in events if e["type"] == "voice.recording")
    assert logged["data"]["path"] == str(path)
    assert logged["data"]["channels"] == 2


def test_a_recording_left_unfinished_by_a_crash_is_repaired_on_download(
    live: LiveServer, recorded: tuple[str, Path]
) -> None:
    interaction_id, path = recorded
    frames = (path.stat().st_size - 44) // 4
    with path.open("r+b") as f:  # as a writer that died leaves it: sizes still 0
        f.seek(4)
        f.write(struct.pack("<I", 36))
        f.seek(40)
        f.write(struct.pack("<I", 0))
    with live.client("a") as c:
        r = c.get(f"/v1/interactions/{interaction_id}/recording")
    assert r.status_code == 200, r.text
    with wave.open(io.BytesIO(r.content)) as w:
        assert w.getnframes() == frames


def test_recordings_are_for_supervisors_and_only_of_the_tenants_calls(
    live: LiveServer, recorded: tuple[str, Path]
) -> None:
    interaction_id, _ = recorded
    with live.client("a", Role.AGENT) as c:
        assert c.get(f"/v1/interactions/{interaction_id}/recording").status_code == 403
    with live.client("a", Role.SUPERVISOR) as c:
        assert c.get(f"/v1/interactions/{interaction_id}/recording").status_code == 200
    with live.client("b") as c:
        assert c.get(f"/v1/interactions/{interaction_id}/recording").status_code == 404


def test_an_unrecorded_interaction_has_no_recording(live: LiveServer) -> None:
    with live.client("b") as c:
        created = c.post("/v1/interactions", json={"channel": "voice", "direction": "in"})
        assert created.status_code == 201, created.text
        r = c.get(f"/v1/interactions/{created.json()['id']}/recording")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.slow
@pytest.mark.skipif(flite_path() is None, reason="flite is not installed (make voice-tools)")
def test_a_phoned_call_is_recorded_after_the_consent_prompt_both_sides_audible(
    live: LiveServer, recorded: tuple[str, Path]
) -> None:
    """Over the webhook and the stream: consent first, then both sides land in the WAV."""
    tts, stt = FliteTts(), PocketsphinxStt()
    key = live.tenants["a"].keys[Role.INTEGRATION]
    with TestCaller(live.base_url, key, tts, stt, call_sid="CA-phoned-rec", speed=2.0) as call:
        opening = " ".join(call.wait_for_reply(0))
        assert "record" in opening, opening  # the consent prompt comes before anything else
        call.say("where is my order")  # sent whole; then the caller hangs up
    with live.client("a") as c:
        found = next(
            i
            for i in c.get("/v1/interactions", params={"channel": "voice", "limit": 200}).json()[
                "items"
            ]
            if i["attributes"].get("call_sid") == "CA-phoned-rec"
        )
        deadline = time.monotonic() + 30
        while True:  # the recording is finished when the call has ended
            r = c.get(f"/v1/interactions/{found['id']}/recording")
            if r.status_code != 409 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert r.status_code == 200, r.text
    with wave.open(io.BytesIO(r.content)) as w:
        stereo = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)
    caller_side, bot_side = (stereo[:, i].astype("<i2").tobytes() for i in (0, 1))
    hints = hints_for(None, domain=["where is my order", "this call may be recorded"])
    assert "where is my order" in stt.transcribe(caller_side, hints).text
    assert float(np.abs(stereo[:, 1]).mean()) > 100  # the bot's side holds its speech
    assert stt.transcribe(bot_side[: 8000 * 2 * 6]).text  # its first seconds are words
