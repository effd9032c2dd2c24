"""Offline speech to text with CMU PocketSphinx 5 and the en-us model inside its wheel.

No download: `pocketsphinx.get_model_path()` is the model shipped in the package (16 kHz
acoustic model, a general 3-gram language model, the CMU dictionary). Telephone audio is
resampled 8 -> 16 kHz first. Hints switch the search: a JSGF grammar (an order number), a
closed list of phrases (a menu, yes/no), or a trigram model of the tenant's domain built from
its intent examples, instead of open dictation with the general model. Over 8 kHz flite speech
the general model gets about half the words wrong, the domain model about one in six.

Recognition streams: a caller's open speech is decoded while it is spoken (`stream`), so at the
end of the turn only the final search remains (~2 ms); answers to a grammar are decoded whole.
A decoder is not thread-safe, takes ~0.5 s of CPU and ~100 MB to load and ~0.7 s to compile a
domain model, and its calls hold the GIL, so decoders are pooled: one is checked out for one
utterance (a stream holds it from the caller's first word to the end of the turn) and returned
with the searches it has compiled. `warm` fills the pool before calls arrive; under more
simultaneous speakers than it holds, the pool grows (and the loading stalls the process's other
threads for that long, once).

Whole-utterance decodes can run in worker processes instead (`processes=N`): a grammar's answer
costs ~60 ms of CPU at the end of the turn, and since a decoder holds the GIL, N callers who
finish answering at the same moment wait for each other's decodes in one process. In worker
processes the decodes run on as many cores as there are workers and the server's own threads
(the event loop, the dialogue) keep running meanwhile. Streams stay in the server's process
(their state lives in the decoder, fed piece by piece while the caller speaks).
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pocketsphinx  # type: ignore[import-untyped]  # Cython bindings without stubs
import soxr  # type: ignore[import-untyped]  # no py.typed in soxr 1.x

from agentfloor.adapters.voice.mulaw import resample
from agentfloor.voice.language_model import trigram_arpa
from agentfloor.voice.model import SAMPLE_RATE_HZ, SpeechHints, Transcript
from agentfloor.voice.ports import BufferedRecognition, RecognitionStream
from agentfloor.voice.speech import phrase_grammar

__all__ = ["PocketsphinxStream", "PocketsphinxStt"]

_MODEL_HZ = 16000
# The cepstral mean a decoder starts from. A stream normalises live (it cannot see the whole
# utterance first), from this estimate and then from what it has heard, so the first utterance
# on a new decoder starts from telephone-band audio rather than the model's wide-band default
# (which inserted digits into order numbers). Measured on flite `slt` over mu-law 8 kHz
# resampled to 16 kHz; any line adapts from it within an utterance or two.
_CMN_TELEPHONE = "46,29,-26,47,-18,5,17,-19,27,-7,2,16,-8"


@dataclass(slots=True)
class _Pooled:
    decoder: pocketsphinx.Decoder
    searches: set[str] = field(default_factory=set)
    # `stream` or `whole` once used: a decoder keeps to one. Its level normalisation carries
    # over between utterances, and a streamed one leaves it where whole-utterance decoding
    # then misreads order numbers (6 of 10 dither seeds, against none on a decoder kept to
    # whole utterances).
    kind: str | None = None


_OPEN = "_open"  # open dictation with the general model


def _search_name(hints: SpeechHints | None) -> str:
    if hints is None or hints.is_open:
        return _OPEN
    key = (hints.grammar, hints.phrases, hints.sentences)
    return f"{hints.name}_{abs(hash(key)):x}"


def _transcript(decoder: pocketsphinx.Decoder) -> Transcript:
    hyp = decoder.hyp()
    if hyp is None:
        return Transcript("", 0.0)
    words = " ".join(w for w in hyp.hypstr.split() if not w.startswith(("<", "[")))
    # No confidence: `hyp.prob` is 0 (log 1) without the bestpath posterior, and with it the
    # posterior does not tell right from wrong on phone audio (~0.5 for correct menu answers,
    # 0.99 for noise forced onto a menu option), so a read-back on its word would only annoy.
    # 1.0 says "take the words as heard"; hosted engines give real confidences.
    return Transcript(words, 1.0)


_WORKER: PocketsphinxStt | None = None  # a worker process's own engine


def _worker_start() -> None:
    global _WORKER
    _WORKER = PocketsphinxStt()
    _WORKER.warm(decoders=1)


def _worker_transcribe(pcm: bytes, hints: SpeechHints | None) -> Transcript:
    assert _WORKER is not None, "started by _worker_start"
    return _WORKER.transcribe(pcm, hints)


class PocketsphinxStt:
    """`SpeechToText` with pocketsphinx: a pool of decoders, one per utterance in progress.

    `decoders` is how many `warm` loads ahead of calls (each is ~100 MB resident): a quarter
    for whole utterances, the rest for streams, about the most callers speaking at once (a
    caller who starts speaking when none is idle is decoded whole at the end of the turn).
    `processes` > 0 decodes whole utterances in that many worker processes (see the module
    docstring); `close` stops them.
    """

    def __init__(self, decoders: int = 12, processes: int = 0) -> None:
        self.decoders = decoders
        self.processes = max(0, processes)
        self._idle: list[_Pooled] = []
        self._lock = threading.Lock()
        self._loaded = 0
        self._workers: ProcessPoolExecutor | None = None
        self._closed = False

    def _pool(self) -> ProcessPoolExecutor | None:
        """Return the worker processes (started on first use), or None: decode in this process."""
        if self.processes == 0 or self._closed:
            return None
        with self._lock:
            if self._workers is None:
                # spawn, not fork: the server has threads (and a running event loop) to not copy
                self._workers = ProcessPoolExecutor(
                    self.processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_start,
                )
            return self._workers

    def close(self) -> None:
        """Stop the worker processes, if any (decoding goes on in this process after)."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, None
        if workers is not None:
            workers.shutdown(wait=True, cancel_futures=True)

    @property
    def loaded(self) -> int:
        """How many decoders have been loaded so far (idle or in use)."""
        return self._loaded

    def _load(self) -> _Pooled:
        # Dither (with a fixed seed, so results repeat): digital silence, as in synthetic or
        # gated audio, throws the feature normalisation off ("o r d eight seven" for "o r d
        # seven"); real lines always carry some noise. No flat-lexicon second pass (`fwdflat`)
        # for grammars and domain models: it re-searches the whole utterance at its end (~60 ms
        # of a turn's latency with the domain model) and was no more accurate on the test
        # caller's utterances (open dictation keeps it, see `_add_search`).
        decoder = pocketsphinx.Decoder(
            samprate=_MODEL_HZ,
            dither=True,
            seed=1,
            loglevel="FATAL",
            fwdflat=False,
            cmninit=_CMN_TELEPHONE,
        )
        with self._lock:
            self._loaded += 1
        return _Pooled(decoder)

    def _take(self, search: str, kind: str) -> _Pooled | None:
        """Take an idle decoder of `kind` or a fresh one, one that knows `search` if any does."""
        with self._lock:
            ranked = [
                (p.kind == kind, search in p.searches, i)
                for i, p in enumerate(self._idle)
                if p.kind in (kind, None)
            ]
            return self._idle.pop(max(ranked)[2]) if ranked else None

    def _checkout(
        self, hints: SpeechHints | None, kind: str, pooled: _Pooled | None = None
    ) -> _Pooled:
        """Take (or load) a decoder of `kind` and make `hints` its active search."""
        search = _search_name(hints)
        pooled = pooled or self._take(search, kind) or self._load()
        pooled.kind = kind
        try:
            if search not in pooled.searches:
                self._add_search(pooled.decoder, search, hints or SpeechHints())
                pooled.searches.add(search)
            pooled.decoder.activate_search(search)
        except Exception:
            self._checkin(pooled)
            raise
        return pooled

    def _checkin(self, pooled: _Pooled) -> None:
        with self._lock:
            self._idle.append(pooled)

    @staticmethod
    def _add_search(decoder: pocketsphinx.Decoder, search: str, hints: SpeechHints) -> None:
        if hints.is_open:
            # The general model does need the second pass (without it "where is my order" came
            # out "larry my order"); a search takes the setting when it is made.
            decoder.config["fwdflat"] = True
            try:
                decoder.add_lm_file(search, decoder.config["lm"])
            finally:
                decoder.config["fwdflat"] = False
            return
        if hints.grammar is not None or hints.phrases:
            decoder.add_jsgf_string(
                search, hints.grammar or phrase_grammar(hints.name, hints.phrases)
            )
            return
        # The domain's own language model; pocketsphinx reads n-gram models from files only.
        arpa = trigram_arpa(hints.sentences, known=lambda w: decoder.lookup_word(w) is not None)
        with tempfile.TemporaryDirectory(prefix="lm-") as tmp:
            path = os.path.join(tmp, "domain.arpa")
            with open(path, "w", encoding="utf-8") as f:
                f.write(arpa)
            decoder.add_lm_file(search, path)

    def warm(self, hints: SpeechHints | None = None, decoders: int | None = None) -> None:
        """Load decoders up to `decoders` (default the pool size), each compiling `hints`.

        Slow (~1 s a decoder, holding the GIL), so run it in the background before calls come;
        each decoder joins the pool as soon as it is ready. A quarter are kept for whole
        utterances (answers to grammars, and streams that found no decoder idle).
        """
        wanted = self.decoders if decoders is None else decoders
        workers = self._pool()
        if workers is not None:  # start them now: each loads a decoder for whole utterances
            for _ in range(self.processes):
                workers.submit(_worker_transcribe, bytes(320), None)
        whole = 0 if workers is not None else wanted // 4
        while True:
            with self._lock:
                if self._loaded >= wanted:
                    return
            pooled = self._load()
            if whole > 0:
                pooled.kind, whole = "whole", whole - 1
            try:
                search = _search_name(hints)
                self._add_search(pooled.decoder, search, hints or SpeechHints())
                pooled.searches.add(search)
            finally:
                self._checkin(pooled)

    def transcribe(self, pcm: bytes, hints: SpeechHints | None = None) -> Transcript:
        """Return the words in `pcm` (8 kHz PCM16) (confidence 1.0: see `_transcript`).

        In a worker process when there are some (this thread waits without the GIL).
        """
        if len(pcm) < 2:  # nothing to hear (and pocketsphinx rejects an empty buffer)
            return Transcript("", 0.0)
        workers = self._pool()
        if workers is not None:
            return workers.submit(_worker_transcribe, pcm, hints).result()
        pooled = self._checkout(hints, "whole")
        try:
            decoder = pooled.decoder
            decoder.start_utt()
            try:
                decoder.process_raw(resample(pcm, SAMPLE_RATE_HZ, _MODEL_HZ), full_utt=True)
            finally:  # a decoder left inside an utterance refuses its next search
                decoder.end_utt()
            return _transcript(decoder)
        finally:
            self._checkin(pooled)

    def stream(self, hints: SpeechHints | None = None) -> RecognitionStream:
        """Start an utterance on a decoder of the pool (loaded first if none is idle).

        An utterance against a grammar or a list of phrases is kept and decoded whole at the
        end instead: a stream normalises the audio level as it goes, which over the synthetic
        caller's digital silence inserted a digit into most order numbers ("O R D, seven" ->
        "ORD-87...", 16 of 20 dither seeds, against none decoded whole), and a grammar search
        is the cheap one (~80 ms for a three-second order number).
        """
        if hints is not None and (hints.grammar is not None or hints.phrases):
            return BufferedRecognition(self, hints)
        # No idle decoder: decode this one whole at its end (a whole-utterance decoder is held
        # for a tenth of a second, a stream's for the whole utterance) rather than stall every
        # call for the second a new decoder takes to load.
        pooled = self._take(_search_name(hints), "stream")
        if pooled is None:
            return BufferedRecognition(self, hints)
        return PocketsphinxStream(self, self._checkout(hints, "stream", pooled))


class PocketsphinxStream:
    """`RecognitionStream`: an utterance decoded as it arrives, on a decoder of the pool."""

    def __init__(self, stt: PocketsphinxStt, pooled: _Pooled) -> None:
        self._stt = stt
        self._pooled: _Pooled | None = pooled
        # 8 -> 16 kHz piece by piece: the resampler keeps its filter state between pieces
        self._resampler = soxr.ResampleStream(
            SAMPLE_RATE_HZ, _MODEL_HZ, 1, dtype="int16", quality="HQ"
        )
        pooled.decoder.start_utt()

    def _decoder(self) -> pocketsphinx.Decoder:
        if self._pooled is None:
            raise RuntimeError("this recognition stream is finished")
        return self._pooled.decoder

    def feed(self, pcm: bytes) -> None:
        """Decode the next piece of the utterance (8 kHz PCM16)."""
        decoder = self._decoder()
        samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2")
        audio = self._resampler.resample_chunk(samples)
        if len(audio):
            decoder.process_raw(np.asarray(audio, dtype="<i2").tobytes())

    def finish(self) -> Transcript:
        """Decode what the resampler still holds, end the utterance, return the words."""
        decoder = self._decoder()
        try:
            rest = self._resampler.resample_chunk(np.zeros(0, dtype="<i2"), last=True)
            if len(rest):
                decoder.process_raw(np.asarray(rest, dtype="<i2").tobytes())
            decoder.end_utt()
            return _transcript(decoder)
        finally:
            self._release()

    def cancel(self) -> None:
        """End the utterance unheard and return the decoder to the pool."""
        if self._pooled is None:
            return
        try:
            self._pooled.decoder.end_utt()
        finally:
            self._release()

    def _release(self) -> None:
        pooled, self._pooled = self._pooled, None
        if pooled is not None:
            self._stt._checkin(pooled)  # the pool's own stream type
