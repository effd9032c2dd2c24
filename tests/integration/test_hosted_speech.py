"""Hosted speech engines against a local server speaking the OpenAI audio API.

The server (tests/e2e/fake_speech.py) transcribes with a real pocketsphinx and speaks with
flite, so what goes over HTTP is real audio both ways; an outage falls back to the offline
engines and the caller still hears and is heard.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from agentfloor.adapters.voice import FliteTts, PocketsphinxStt, flite_path
from agentfloor.adapters.voice.hosted import HostedStt, HostedTts, pcm_to_wav, wav_to_pcm
from agentfloor.core.errors import Unavailable
from agentfloor.voice.model import SAMPLE_RATE_HZ
from agentfloor.voice.speech import hints_for
from tests.e2e.fake_speech import KEY, FakeSpeech, fake_speech_server

CALLERS = hints_for(None, domain=["where is my order", "I want to speak to a person", "hello"])

pytestmark = pytest.mark.skipif(
    flite_path() is None, reason="flite is not installed (make voice-tools)"
)


@pytest.fixture(scope="module")
def speech() -> Iterator[FakeSpeech]:
    with fake_speech_server() as server:
        yield server


OPENED: list[HostedStt | HostedTts] = []


def stt_of(base_url: str, **kwargs: Any) -> HostedStt:
    OPENED.append(engine := HostedStt(base_url, timeout_s=60, **kwargs))
    return engine


def tts_of(base_url: str, **kwargs: Any) -> HostedTts:
    OPENED.append(engine := HostedTts(base_url, timeout_s=60, **kwargs))
    return engine


@pytest.fixture(autouse=True)
def _up(speech: FakeSpeech) -> Iterator[None]:
    speech.fail = False
    yield
    speech.fail = False
    while OPENED:
        OPENED.pop().close()


def test_hosted_tts_returns_8khz_speech_that_is_understood(speech: FakeSpeech) -> None:
    tts = tts_of(speech.base_url, model="tts-1", voice="alloy", api_key=KEY)
    pcm = tts.synthesize("  where is   my order ")
    assert speech.speeches[-1] == {
        "model": "tts-1",
        "input": "where is my order",
        "voice": "alloy",
        "response_format": "wav",
    }
    seconds = len(pcm) / 2 / SAMPLE_RATE_HZ  # the server sent 24 kHz; this is 8 kHz
    assert 0.5 < seconds < 3.0
    assert PocketsphinxStt().transcribe(pcm, CALLERS).text == "where is my order"
    assert tts.synthesize("   ") == b""


def test_hosted_stt_sends_a_wav_with_the_expected_words_as_prompt(speech: FakeSpeech) -> None:
    stt = stt_of(speech.base_url, model="whisper-1", api_key=KEY)
    audio = FliteTts().synthesize("where is my order")
    heard = stt.transcribe(audio, hints_for("yes_no"))
    assert heard.text == "where is my order"
    assert heard.confidence == pytest.approx(0.9, abs=0.01)  # exp(-0.105) from the segments
    sent = speech.transcriptions[-1]
    assert sent["model"] == "whisper-1" and sent["language"] == "en"
    assert sent["response_format"] == "verbose_json"
    assert "yes please" in sent["prompt"] and "no thanks" in sent["prompt"]


def test_a_streamed_utterance_is_sent_whole_when_it_ends(speech: FakeSpeech) -> None:
    stt = stt_of(speech.base_url, model="whisper-1", api_key=KEY)
    audio = FliteTts().synthesize("where is my order")
    stream = stt.stream(CALLERS)
    before = len(speech.transcriptions)
    for i in range(0, len(audio), 320):
        stream.feed(audio[i : i + 320])
    assert len(speech.transcriptions) == before  # nothing is sent while the caller speaks
    assert stream.finish().text == "where is my order"
    assert "where is my order" in speech.transcriptions[-1]["prompt"]


def test_an_outage_falls_back_to_the_offline_engines(speech: FakeSpeech) -> None:
    speech.fail = True
    stt = stt_of(speech.base_url, api_key=KEY, fallback=PocketsphinxStt())
    tts = tts_of(speech.base_url, api_key=KEY, fallback=FliteTts())
    pcm = tts.synthesize("where is my order")
    assert len(pcm) > SAMPLE_RATE_HZ  # flite spoke instead
    assert stt.transcribe(pcm, CALLERS).text == "where is my order"


def test_without_a_fallback_failures_are_unavailable_with_the_reason(speech: FakeSpeech) -> None:
    speech.fail = True
    with pytest.raises(Unavailable, match="HTTP 503"):
        tts_of(speech.base_url, api_key=KEY).synthesize("hello")
    speech.fail = False
    with pytest.raises(Unavailable, match="HTTP 401"):
        stt_of(speech.base_url, api_key="sk-wrong").transcribe(b"\0\0" * 1600)
    with pytest.raises(Unavailable, match="cannot reach"):
        stt_of("http://127.0.0.1:9/v1").transcribe(b"\0\0" * 1600)


def test_a_body_that_is_not_audio_or_a_transcript_is_unavailable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/audio/speech"):
            return httpx.Response(200, content=b"<html>proxy error</html>")
        return httpx.Response(200, json={"error": "no text here"})

    transport = httpx.MockTransport(handler)  # a misbehaving proxy in front of the server
    with pytest.raises(Unavailable, match="not a WAV"):
        tts_of("http://proxy/v1", transport=transport).synthesize("hello")
    with pytest.raises(Unavailable, match="has no text"):
        stt_of("http://proxy/v1", transport=transport).transcribe(b"\0\0" * 1600)


def test_wav_round_trip_resamples_and_mixes_down() -> None:
    pcm = FliteTts().synthesize("one two three")
    assert wav_to_pcm(pcm_to_wav(pcm)) == pcm
    assert abs(len(wav_to_pcm(pcm_to_wav(pcm), 16000)) - 2 * len(pcm)) <= 4
