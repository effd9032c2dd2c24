"""Offline speech to text with CMU PocketSphinx 5 and the en-us model inside its wheel.

No download: `pocketsphinx.get_model_path()` is the model shipped in the package (16 kHz
acoustic model, a general 3-gram language model, the CMU dictionary). Telephone audio is
resampled 8 -> 16 kHz first. Hints switch the search: a JSGF grammar (an order number), a
closed list of phrases (a menu, yes/no), or a trigram model of the tenant's domain built from
its intent examples, instead of open dictation with the general model. Over 8 kHz flite speech
the general model gets about half the words wrong, the domain model about one in six. A
decoder is not thread-safe and takes ~0.3 s to load, so each thread keeps its own, with the
searches it has compiled.
"""

from __future__ import annotations

import math
import os
import tempfile
import threading

import pocketsphinx  # type: ignore[import-untyped]  # Cython bindings without stubs

from agentfloor.adapters.voice.mulaw import resample
from agentfloor.voice.language_model import trigram_arpa
from agentfloor.voice.model import SAMPLE_RATE_HZ, SpeechHints, Transcript
from agentfloor.voice.speech import phrase_grammar

__all__ = ["PocketsphinxStt"]

_MODEL_HZ = 16000


class PocketsphinxStt:
    """`SpeechToText` with pocketsphinx; one decoder per thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _decoder(self) -> tuple[pocketsphinx.Decoder, set[str]]:
        decoder = getattr(self._local, "decoder", None)
        if decoder is None:
            # Dither (with a fixed seed, so results repeat): digital silence, as in synthetic or
            # gated audio, throws the feature normalisation off ("o r d eight seven" for "o r d
            # seven"); real lines always carry some noise.
            decoder = pocketsphinx.Decoder(
                samprate=_MODEL_HZ, dither=True, seed=1, loglevel="FATAL"
            )
            self._local.decoder = decoder
            self._local.searches = set()
        return decoder, self._local.searches

    @staticmethod
    def _add_search(decoder: pocketsphinx.Decoder, search: str, hints: SpeechHints) -> None:
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

    def warm(self) -> None:
        """Load this thread's decoder now rather than on the first utterance."""
        self._decoder()

    def transcribe(self, pcm: bytes, hints: SpeechHints | None = None) -> Transcript:
        """Return the words in `pcm` (8 kHz PCM16) and the decoder's posterior confidence."""
        decoder, searches = self._decoder()
        search = "_default"
        if hints is not None and not hints.is_open:
            key = (hints.grammar, hints.phrases, hints.sentences)
            search = f"{hints.name}_{abs(hash(key)):x}"
            if search not in searches:
                self._add_search(decoder, search, hints)
                searches.add(search)
        decoder.activate_search(search)
        audio = resample(pcm, SAMPLE_RATE_HZ, _MODEL_HZ)
        decoder.start_utt()
        decoder.process_raw(audio, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        if hyp is None:
            return Transcript("", 0.0)
        words = " ".join(w for w in hyp.hypstr.split() if not w.startswith(("<", "[")))
        confidence = min(1.0, max(0.0, math.exp(decoder.logmath.log_to_ln(hyp.prob))))
        return Transcript(words, confidence)
