"""The offline engines on real audio: flite speaks, WebRTC VAD finds it, pocketsphinx hears it.

Audio goes the way a call carries it: flite at 16 kHz, resampled to 8 kHz, mu-law coded and
decoded, then recognised.
"""

from __future__ import annotations

import numpy as np
import pytest

from agentfloor.adapters.voice import (
    FliteTts,
    PocketsphinxStt,
    WebrtcVad,
    mulaw_to_pcm16,
    pcm16_to_mulaw,
)
from agentfloor.agents.defaults import default_training
from agentfloor.core.errors import Unavailable
from agentfloor.voice import SAMPLES_PER_FRAME, hints_for, written_form


def telephone(pcm: bytes) -> bytes:
    return mulaw_to_pcm16(pcm16_to_mulaw(pcm))


def frames(pcm: bytes) -> list[bytes]:
    size = SAMPLES_PER_FRAME * 2
    return [pcm[i : i + size] for i in range(0, len(pcm) - size + 1, size)]


def test_flite_speaks_8khz_mono_of_a_sensible_length(tts: FliteTts) -> None:
    pcm = tts.synthesize("where is my order")
    seconds = len(pcm) / 2 / 8000
    assert 0.8 < seconds < 3.0, seconds
    samples = np.frombuffer(pcm, "<i2")
    assert int(np.abs(samples).max()) > 3000  # audible, not silence
    assert tts.synthesize("   ") == b""


def test_missing_flite_is_unavailable() -> None:
    with pytest.raises(Unavailable, match="flite could not speak"):
        FliteTts(executable="/nonexistent/flite").synthesize("hello")


def test_vad_finds_speech_in_an_utterance_and_none_in_silence(tts: FliteTts) -> None:
    vad = WebrtcVad()
    speech = [vad.is_speech(f) for f in frames(telephone(tts.synthesize("where is my order")))]
    assert sum(speech) / len(speech) > 0.5
    silence = bytes(SAMPLES_PER_FRAME * 2 * 50)
    assert not any(vad.is_speech(f) for f in frames(silence))
    assert not vad.is_speech(b"\x00" * 10)  # a short frame is not speech


def test_pocketsphinx_hears_an_open_question(tts: FliteTts, stt: PocketsphinxStt) -> None:
    # Open dictation over 8 kHz mu-law is much weaker than over 16 kHz ("what are your opening
    # hours" comes out "what are your opinion hour"): benchmarks/voice.py measures the WER.
    sentence = "where is my order"
    assert stt.transcribe(telephone(tts.synthesize(sentence))).text == sentence


def test_an_order_number_is_heard_with_the_order_grammar(
    tts: FliteTts, stt: PocketsphinxStt
) -> None:
    pcm = telephone(tts.synthesize("O R D, seven four two nine one three"))
    heard = stt.transcribe(pcm, hints_for("order_id", prefixes=["ORD"]))
    assert written_form(heard.text) == "ORD-742913", heard


def test_a_closed_list_of_phrases(tts: FliteTts, stt: PocketsphinxStt) -> None:
    pcm = telephone(tts.synthesize("yes please"))
    assert stt.transcribe(pcm, hints_for("yes_no")).text == "yes please"
    # the same decoder goes back to open dictation afterwards
    assert (
        stt.transcribe(telephone(tts.synthesize("where is my order"))).text == "where is my order"
    )


def test_silence_transcribes_to_nothing(stt: PocketsphinxStt) -> None:
    assert stt.transcribe(bytes(16000)).text == ""


def test_the_domain_model_hears_what_the_general_one_misses(
    tts: FliteTts, stt: PocketsphinxStt
) -> None:
    examples, _ = default_training()
    hints = hints_for(None, domain=[text for text, _ in examples])
    pcm = telephone(tts.synthesize("I want to talk to a person"))
    assert stt.transcribe(pcm).text != "i want to talk to a person"  # general: "... a curtain"
    assert stt.transcribe(pcm, hints).text == "i want to talk to a person"
