"""A local speech server speaking the OpenAI audio API, for the hosted-engine adapters.

`POST /v1/audio/transcriptions` (multipart `file`, `model`, `language`, `prompt`,
`response_format`) transcribes the uploaded WAV with a real recogniser (pocketsphinx), and
`POST /v1/audio/speech` (JSON `model`, `input`, `voice`, `response_format: wav`) speaks with
flite and answers a 24 kHz WAV, as OpenAI's does. It checks the bearer key and the request
shape like the real API; `fail` makes it answer 503 (a provider outage) until cleared.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from agentfloor.adapters.voice import FliteTts, PocketsphinxStt, resample
from agentfloor.adapters.voice.hosted import pcm_to_wav, wav_to_pcm
from agentfloor.agents.defaults import default_training
from agentfloor.voice.model import SpeechHints
from tests.e2e.server import free_port, wait_until

KEY = "sk-speech-test"
_ENGLISH = tuple(text for text, _ in default_training()[0])


@dataclass
class FakeSpeech:
    """The running server: its base URL, what it was sent, and an outage switch."""

    base_url: str
    transcriptions: list[dict[str, Any]] = field(default_factory=list)
    speeches: list[dict[str, Any]] = field(default_factory=list)
    fail: bool = False


def _app(state: FakeSpeech) -> FastAPI:
    app = FastAPI()
    stt, tts = PocketsphinxStt(), FliteTts()

    def refused(request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return JSONResponse({"error": {"message": "Incorrect API key"}}, status_code=401)
        if state.fail:
            return JSONResponse({"error": {"message": "overloaded"}}, status_code=503)
        return None

    @app.post("/v1/audio/transcriptions")
    async def transcriptions(request: Request) -> Response:
        if (answer := refused(request)) is not None:
            return answer
        async with request.form() as form:
            upload = form.get("file")
            if upload is None or isinstance(upload, str) or not form.get("model"):
                return JSONResponse({"error": {"message": "file and model are required"}}, 400)
            audio = await upload.read()
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
        state.transcriptions.append(fields)
        # A hosted model knows English; this one knows what callers of a contact centre say
        # (the default intent examples, as a domain language model), and, as Whisper does,
        # leans towards the words of the prompt.
        prompt = fields.get("prompt", "")
        sentences = (*(p.strip() for p in prompt.split(",") if p.strip()), *_ENGLISH)
        hints = SpeechHints(sentences=sentences, name="hosted")
        heard = await run_in_threadpool(stt.transcribe, wav_to_pcm(audio), hints)
        text = heard.text
        body: dict[str, Any] = {"text": text}
        if fields.get("response_format") == "verbose_json":
            body |= {
                "task": "transcribe",
                "language": "english",
                "duration": len(audio) / 16000,
                "segments": [{"id": 0, "text": text, "avg_logprob": -0.105}] if text else [],
            }
        return JSONResponse(body)

    @app.post("/v1/audio/speech")
    async def speech(request: Request) -> Response:
        if (answer := refused(request)) is not None:
            return answer
        body = await request.json()
        if not isinstance(body.get("input"), str) or not body.get("model") or not body.get("voice"):
            return JSONResponse({"error": {"message": "model, input and voice are required"}}, 400)
        state.speeches.append(body)
        pcm = resample(await run_in_threadpool(tts.synthesize, body["input"]), 8000, 24000)
        return Response(pcm_to_wav(pcm, 24000), media_type="audio/wav")

    return app


@contextmanager
def fake_speech_server() -> Iterator[FakeSpeech]:
    """Run the fake speech server on a free port for the duration of the block."""
    port = free_port()
    state = FakeSpeech(base_url=f"http://127.0.0.1:{port}/v1")
    server = uvicorn.Server(
        uvicorn.Config(_app(state), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, what="the fake speech server")
    try:
        yield state
    finally:
        server.should_exit = True
        thread.join(timeout=10)
