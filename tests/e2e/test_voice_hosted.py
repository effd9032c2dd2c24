"""A call answered with hosted speech engines: the server set to an OpenAI-compatible speech API.

The speech server is local (tests/e2e/fake_speech.py: the OpenAI audio API's requests and
answers, pocketsphinx and flite behind them); agentfloor is configured for it as for OpenAI
(`AGENTFLOOR_VOICE_STT=hosted`, `..._URL`, `..._API_KEY`, the same for TTS). The caller's speech
reaches the hosted recogniser as WAV uploads and the bot speaks with the hosted voice; when the
speech server goes down mid-call, the offline engines carry the call on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from agentfloor.adapters.voice import FliteTts, PocketsphinxStt, flite_path
from agentfloor.settings import Settings
from tests.e2e.centre import support_line
from tests.e2e.fake_speech import KEY, FakeSpeech, fake_speech_server
from tests.e2e.server import LiveServer, start_server
from tests.e2e.test_voice import call_interaction, caller, events_of, settled

pytestmark = [
    pytest.mark.skipif(flite_path() is None, reason="flite is not installed (make voice-tools)"),
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def speech() -> Iterator[FakeSpeech]:
    with fake_speech_server() as server:
        yield server


@pytest.fixture(scope="module")
def hosted(tmp_path_factory: pytest.TempPathFactory, speech: FakeSpeech) -> Iterator[LiveServer]:
    var: Path = tmp_path_factory.mktemp("var")
    settings = Settings(
        var_dir=var,
        database_url=None,
        voice_stt="hosted",
        voice_stt_url=speech.base_url,
        voice_stt_api_key=SecretStr(KEY),
        voice_tts="hosted",
        voice_tts_url=speech.base_url,
        voice_tts_api_key=SecretStr(KEY),
    )
    server = start_server(settings, {"a": "GB"})
    support_line(server, order={"id": "ORD-742913", "status": "out for delivery"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def engines() -> tuple[FliteTts, PocketsphinxStt]:
    return FliteTts(), PocketsphinxStt()


def test_a_call_is_heard_and_answered_by_the_hosted_engines(
    hosted: LiveServer, speech: FakeSpeech, engines: tuple[FliteTts, PocketsphinxStt]
) -> None:
    speech.fail = False
    spoken_before = len(speech.speeches)
    with caller(hosted, engines) as call:
        greeting = call.wait_for_reply(0)
        assert "help" in " ".join(greeting), greeting
        heard = len(call.lines)
        call.say("where is my order")
        asked = " ".join(call.wait_for_reply(heard))
        assert asked, "the bot said nothing back"
        found = call_interaction(hosted, call.call_sid)
    settled(hosted, call.call_sid)
    events = events_of(hosted, found["id"])
    said = [
        (e["data"]["sender"], e["data"]["text"]) for e in events if e["type"] == "voice.utterance"
    ]
    assert ("customer", "where is my order") in said, said
    ai_lines = [text for who, text in said if who == "ai"]
    spoken = [s["input"] for s in speech.speeches[spoken_before:]]
    # every line the bot said went through the hosted voice (spoken sentence by sentence)
    assert all(any(part in line for line in ai_lines) for part in spoken), (spoken, ai_lines)
    assert len(spoken) >= 2
    assert any(t.get("prompt") for t in speech.transcriptions), "the recogniser got no hints"


def test_when_the_speech_server_fails_the_offline_engines_carry_the_call(
    hosted: LiveServer, speech: FakeSpeech, engines: tuple[FliteTts, PocketsphinxStt]
) -> None:
    speech.fail = True
    try:
        with caller(hosted, engines) as call:
            greeting = call.wait_for_reply(0)
            assert "help" in " ".join(greeting), greeting  # flite spoke it
            heard = len(call.lines)
            call.say("where is my order")
            assert call.wait_for_reply(heard)
            found = call_interaction(hosted, call.call_sid)
    finally:
        speech.fail = False
    settled(hosted, call.call_sid)
    said = [
        (e["data"]["sender"], e["data"]["text"])
        for e in events_of(hosted, found["id"])
        if e["type"] == "voice.utterance"
    ]
    assert ("customer", "where is my order") in said, said
