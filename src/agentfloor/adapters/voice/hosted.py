"""Hosted speech engines over HTTP, in the OpenAI audio API's shapes, with an offline fallback.

`HostedStt` posts an utterance as a WAV file to `POST {base_url}/audio/transcriptions`
(multipart: `file`, `model`, `language`, `response_format=verbose_json`, and a `prompt` of the
words the conversation expects) and reads `text`, with a confidence from the segments'
`avg_logprob` where the server gives them. OpenAI, Groq, Deepgram's OpenAI-compatible endpoint,
faster-whisper-server / speaches, LocalAI and vLLM answer this shape. `HostedTts` posts
`{model, input, voice, response_format: "wav"}` to `POST {base_url}/audio/speech` and
resamples the WAV it gets to 8 kHz: OpenAI, Kokoro-FastAPI, openedai-speech, LocalAI and Piper
behind an OpenAI-compatible front answer it, so "any HTTP TTS" is a base URL away.

A hosted engine that fails (unreachable, timeout, HTTP error, a body that is not audio or a
transcript) must not leave a caller in silence: each adapter takes the offline engine as a
`fallback` and uses it for that utterance, logging why; without a fallback the failure is
`Unavailable`, which the call records as a failed turn. Written by hand because the OpenAI SDK
would add a dependency for two POSTs that `httpx` (already used) does in a few lines.
"""

from __future__ import annotations

import io
import logging
import math
import wave
from typing import Any

import httpx
import numpy as np

from agentfloor.adapters.voice.mulaw import resample
from agentfloor.core.errors import Unavailable
from agentfloor.voice.model import SAMPLE_RATE_HZ, SpeechHints, Transcript
from agentfloor.voice.ports import (
    BufferedRecognition,
    RecognitionStream,
    SpeechToText,
    TextToSpeech,
)

__all__ = ["HostedStt", "HostedTts", "pcm_to_wav", "wav_to_pcm"]

log = logging.getLogger(__name__)

_PROMPT_CHARS = 800  # the prompt steers the model; long prompts cost time and tokens


def pcm_to_wav(pcm: bytes, rate: int = SAMPLE_RATE_HZ) -> bytes:
    """Return 16-bit mono PCM wrapped in a WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    return out.getvalue()


def wav_to_pcm(data: bytes, rate: int = SAMPLE_RATE_HZ) -> bytes:
    """Return a WAV file's audio as 16-bit mono PCM at `rate` (channels averaged).

    Raises:
        Unavailable: the bytes are not a 16-bit PCM WAV file.
    """
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            channels, width, source_rate = (
                wav.getnchannels(),
                wav.getsampwidth(),
                wav.getframerate(),
            )
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise Unavailable(f"the speech server sent audio that is not a WAV file: {exc}") from exc
    if width != 2:
        raise Unavailable(f"the speech server sent {8 * width}-bit audio; 16-bit PCM is needed")
    if channels > 1:
        samples = np.frombuffer(frames, "<i2").reshape(-1, channels).mean(axis=1)
        frames = samples.astype("<i2").tobytes()
    return resample(frames, source_rate, rate)


class _Http:
    """A bearer-key HTTP client that turns every failure into `Unavailable`."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        timeout_s: float,
        transport: httpx.BaseTransport | None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s, transport=transport
        )

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.post(path, **kwargs)
        except httpx.TimeoutException as exc:
            raise Unavailable(f"the speech server did not answer {path} in time") from exc
        except httpx.TransportError as exc:
            raise Unavailable(f"cannot reach the speech server: {exc}") from exc
        if response.status_code >= 400:
            raise Unavailable(
                f"the speech server answered {path} with HTTP {response.status_code}: "
                f"{response.text[:200]}"
            )
        return response


def _prompt(hints: SpeechHints | None) -> str:
    """Return the words a hosted recogniser should expect, as its `prompt` (may be empty)."""
    if hints is None:
        return ""
    words = [*hints.phrases, *hints.sentences]
    if hints.name == "order_id":
        words.append("My order number is")  # digits then come as digits
    return ", ".join(words)[:_PROMPT_CHARS]


class HostedStt:
    """`SpeechToText` by an OpenAI-compatible transcription endpoint (whole utterances)."""

    def __init__(
        self,
        base_url: str,
        model: str = "whisper-1",
        *,
        api_key: str | None = None,
        language: str = "en",
        timeout_s: float = 10.0,
        fallback: SpeechToText | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.model = model
        self.language = language
        self.fallback = fallback
        self._http = _Http(base_url, api_key, timeout_s, transport)

    def close(self) -> None:
        """Release the connection pool."""
        self._http.client.close()

    def transcribe(self, pcm: bytes, hints: SpeechHints | None = None) -> Transcript:
        """Return what was said in `pcm` (8 kHz PCM16); the fallback's words if the server fails."""
        try:
            return self._transcribe(pcm, hints)
        except Unavailable as exc:
            if self.fallback is None:
                raise
            log.warning("hosted speech-to-text failed, using the offline engine: %s", exc)
            return self.fallback.transcribe(pcm, hints)

    def stream(self, hints: SpeechHints | None = None) -> RecognitionStream:
        """Keep the utterance as it arrives and send it whole at the end (no streaming API)."""
        return BufferedRecognition(self, hints)

    def _transcribe(self, pcm: bytes, hints: SpeechHints | None) -> Transcript:
        data = {"model": self.model, "language": self.language, "response_format": "verbose_json"}
        prompt = _prompt(hints)
        if prompt:
            data["prompt"] = prompt
        files = {"file": ("utterance.wav", pcm_to_wav(pcm), "audio/wav")}
        response = self._http.post("/audio/transcriptions", data=data, files=files)
        try:
            body: Any = response.json()
            text = body["text"]
        except (ValueError, KeyError, TypeError) as exc:
            raise Unavailable(
                f"the speech server's transcription has no text: {response.text[:200]}"
            ) from exc
        if not isinstance(text, str):
            raise Unavailable("the speech server's transcription text is not a string")
        return Transcript(" ".join(text.split()), _confidence(body))


def _confidence(body: Any) -> float:
    """Return exp(mean avg_logprob) of the segments (Whisper's own confidence), else 1.0."""
    segments = body.get("segments") if isinstance(body, dict) else None
    probs = [
        s["avg_logprob"]
        for s in segments or ()
        if isinstance(s, dict) and isinstance(s.get("avg_logprob"), int | float)
    ]
    if not probs:
        return 1.0  # the server said nothing about it: take the words as heard
    return max(0.0, min(1.0, math.exp(sum(probs) / len(probs))))


class HostedTts:
    """`TextToSpeech` by an OpenAI-compatible speech endpoint returning WAV."""

    def __init__(
        self,
        base_url: str,
        model: str = "tts-1",
        *,
        voice: str = "alloy",
        api_key: str | None = None,
        timeout_s: float = 10.0,
        fallback: TextToSpeech | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.model = model
        self.voice = voice
        self.fallback = fallback
        self._http = _Http(base_url, api_key, timeout_s, transport)

    def close(self) -> None:
        """Release the connection pool."""
        self._http.client.close()

    def synthesize(self, text: str) -> bytes:
        """Return `text` spoken as 8 kHz PCM16 mono; the fallback's speech if the server fails."""
        text = " ".join(text.split())
        if not text:
            return b""
        try:
            body = {
                "model": self.model,
                "input": text,
                "voice": self.voice,
                "response_format": "wav",
            }
            return wav_to_pcm(self._http.post("/audio/speech", json=body).content)
        except Unavailable as exc:
            if self.fallback is None:
                raise
            log.warning("hosted text-to-speech failed, using the offline engine: %s", exc)
            return self.fallback.synthesize(text)
