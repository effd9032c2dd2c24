"""Offline text to speech with CMU Flite (Debian's `flite` package) run as a subprocess.

Flite's `slt` voice is the one pocketsphinx hears best (~6% WER, against ~80% for eSpeak), so
the test caller and the bot speak alike. Flite writes a 16 kHz WAV; it is resampled to 8 kHz
for the carrier. `make voice-tools` installs flite where it is missing. A bot says the same
lines again and again (the greeting, "What's the order number?"), so the last `cache_lines`
sentences spoken are kept: a repeat costs no process (~50 ms for a short sentence).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import wave
from collections import OrderedDict

from agentfloor.adapters.voice.mulaw import resample
from agentfloor.core.errors import Unavailable
from agentfloor.voice.model import SAMPLE_RATE_HZ

__all__ = ["FliteTts", "flite_path"]

_TIMEOUT_S = 20.0


def flite_path() -> str | None:
    """Return the flite executable, or None when it is not installed."""
    return shutil.which("flite")


class FliteTts:
    """`TextToSpeech` with flite; each new text runs one short-lived process."""

    def __init__(
        self, voice: str = "slt", executable: str | None = None, cache_lines: int = 256
    ) -> None:
        self.voice = voice
        self.executable = executable or flite_path() or "flite"
        self.cache_lines = cache_lines
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def synthesize(self, text: str) -> bytes:
        """Return `text` spoken as 8 kHz PCM16 mono.

        Raises:
            Unavailable: flite is missing, failed or took longer than 20 s.
        """
        text = " ".join(text.split())
        if not text:
            return b""
        with self._lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
        pcm = self._speak(text)
        with self._lock:
            self._cache[text] = pcm
            while len(self._cache) > self.cache_lines:
                self._cache.popitem(last=False)
        return pcm

    def _speak(self, text: str) -> bytes:
        with tempfile.TemporaryDirectory(prefix="flite-") as tmp:
            out = os.path.join(tmp, "say.wav")
            try:
                # The text goes as an argument vector, never through a shell.
                subprocess.run(
                    [self.executable, "-voice", self.voice, "-t", text, "-o", out],
                    check=True,
                    capture_output=True,
                    timeout=_TIMEOUT_S,
                )
                with wave.open(out, "rb") as wav:
                    rate = wav.getframerate()
                    if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                        raise Unavailable("flite wrote audio that is not 16-bit mono")
                    pcm = wav.readframes(wav.getnframes())
            except (OSError, subprocess.SubprocessError, wave.Error) as exc:
                raise Unavailable(f"flite could not speak: {exc}") from exc
        return resample(pcm, rate, SAMPLE_RATE_HZ)
