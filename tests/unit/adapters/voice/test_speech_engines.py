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
from agentfloor.adapters.voice.pocketsphinx_stt import PocketsphinxStream
from agentfloor.agents.defaults import default_training
from agentfloor.core.errors import Unavailable
from agentfloor.voice import SAMPLES_PER_FRAME, BufferedRecognition, hints_for, written_form


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


def pieces(pcm: bytes, ms: int = 100) -> list[bytes]:
    size = 8000 * 2 * ms // 1000
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


@pytest.mark.parametrize(
    ("said", "expecting", "heard"),
    [
        ("where is my order", None, "where is my order"),
        ("O R D, seven four two nine one three", "order_id", "ORD-742913"),
        ("yes please", "yes_no", "yes please"),
        ("I want to talk to a person", "domain", "i want to talk to a person"),
    ],
    ids=["open", "order-grammar", "phrases", "domain-model"],
)
def test_a_stream_fed_in_100_ms_pieces_hears_the_utterance(
    tts: FliteTts, said: str, expecting: str | None, heard: str
) -> None:
    examples, _ = default_training()
    hints = {
        None: None,
        "order_id": hints_for("order_id", prefixes=["ORD"]),
        "yes_no": hints_for("yes_no"),
        "domain": hints_for(None, domain=[text for text, _ in examples]),
    }[expecting]
    stt = PocketsphinxStt(decoders=1)
    stt.warm(hints)  # a decoder idle, so the utterance streams
    stream = stt.stream(hints)
    for piece in pieces(telephone(tts.synthesize(said))):
        stream.feed(piece)
    assert written_form(stream.finish().text) == heard
    if expecting in ("order_id", "yes_no"):
        # a grammar's answer is decoded whole at the end (live level normalisation misread
        # order numbers); language models stream
        assert isinstance(stream, BufferedRecognition)
    else:
        assert isinstance(stream, PocketsphinxStream)
        with pytest.raises(RuntimeError, match="finished"):
            stream.feed(b"\x00\x00")


def test_streams_at_once_take_decoders_from_the_pool_and_give_them_back(
    tts: FliteTts,
) -> None:
    stt = PocketsphinxStt(decoders=1)
    stt.warm()
    assert stt.loaded == 1
    pcm = telephone(tts.synthesize("where is my order"))
    first, second = stt.stream(), stt.stream()
    # one utterance per decoder; with none idle the second is decoded whole at its end rather
    # than wait for a decoder to load
    assert isinstance(first, PocketsphinxStream)
    assert isinstance(second, BufferedRecognition) and stt.loaded == 1
    first.feed(pcm)
    second.feed(pcm)
    assert second.finish().text == "where is my order"
    first.cancel()
    first.cancel()  # a second cancel is harmless
    # whole utterances got a decoder of their own (a stream leaves the level normalisation
    # where whole-utterance decoding misreads); the stream decoder is back for streams
    assert stt.loaded == 2
    again = stt.stream()
    assert isinstance(again, PocketsphinxStream)
    again.feed(pcm)
    assert again.finish().text == "where is my order"
    assert stt.loaded == 2


def test_the_gated_vad_ends_speech_with_the_voice(tts: FliteTts) -> None:
    pcm = telephone(tts.synthesize("where is my order")) + bytes(SAMPLES_PER_FRAME * 2 * 30)
    loud = [
        float(np.sqrt(np.mean(np.frombuffer(f, "<i2").astype(float) ** 2))) for f in frames(pcm)
    ]
    last_loud = max(i for i, level in enumerate(loud) if level > 500)

    def last_speech(vad: WebrtcVad) -> int:
        return max(i for i, f in enumerate(frames(pcm)) if vad.is_speech(f))

    assert last_speech(WebrtcVad(gate_db=None)) - last_loud >= 5  # WebRTC's own hangover
    assert last_speech(WebrtcVad()) - last_loud <= 2


def test_flite_speaks_a_repeated_line_from_its_cache(tts: FliteTts) -> None:
    local = FliteTts(cache_lines=2)
    first = local.synthesize("What's the order number?")
    local.executable = "/nonexistent/flite"  # no process from here on
    assert local.synthesize(" What's the  order number? ") == first
    with pytest.raises(Unavailable):
        local.synthesize("something new")


def test_whole_utterances_decoded_in_worker_processes_match_this_process(
    tts: FliteTts, stt: PocketsphinxStt
) -> None:
    number = telephone(tts.synthesize("O R D, seven four two nine one three"))
    question = telephone(tts.synthesize("where is my order"))
    order_hints = hints_for("order_id", prefixes=["ORD"])
    workers = PocketsphinxStt(processes=1)
    try:
        workers.warm(decoders=0)  # starts the worker process only
        assert workers.transcribe(number, order_hints) == stt.transcribe(number, order_hints)
        assert workers.transcribe(question).text == "where is my order"
        assert workers.loaded == 0  # no decoder was loaded in this process
    finally:
        workers.close()
    # closed: it decodes in this process again
    assert written_form(workers.transcribe(number, order_hints).text) == "ORD-742913"
    assert workers.loaded == 1


def test_an_empty_utterance_is_nothing_and_leaves_the_decoder_usable(
    tts: FliteTts, stt: PocketsphinxStt
) -> None:
    assert stt.transcribe(b"").text == ""
    pcm = telephone(tts.synthesize("O R D, seven four two nine one three"))
    heard = stt.transcribe(pcm, hints_for("order_id", prefixes=["ORD"]))
    assert written_form(heard.text) == "ORD-742913"
