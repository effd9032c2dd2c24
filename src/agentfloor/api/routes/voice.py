"""Voice calls from a carrier: the TwiML webhook and the Media Streams WebSocket.

`POST /v1/voice/twiml` (form fields `CallSid`, `From`, `To`, as Twilio posts them; an
`integration` or `admin` key, e.g. in the number's voice URL as `?api_key=af_...`) answers
TwiML that connects the call to a bidirectional media stream:
`<Response><Connect><Stream url="wss://<host>/v1/voice/stream">` with parameters `token` (one
use, 60 s), `from` and `to`. Point a Twilio (or Telnyx TeXML) number's voice webhook at it.

WebSocket `/v1/voice/stream` speaks the Twilio Media Streams protocol (see
`agentfloor.adapters.voice.twilio`); the `start` message must carry the `token` the webhook
issued, else the socket is closed with code 4401. With `AGENTFLOOR_TWILIO_AUTH_TOKEN` set, the
webhook also checks Twilio's `X-Twilio-Signature` (403 when it is missing or wrong). What
happens on the call is in `agentfloor.runtime.voice_call`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request, Response, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketDisconnected

from agentfloor.access.model import Principal, Role
from agentfloor.adapters.voice import WebrtcVad
from agentfloor.adapters.voice.twilio import connect_stream_twiml, signature_matches
from agentfloor.api.auth import allow, principal
from agentfloor.bootstrap import Container, speech_engines
from agentfloor.core.errors import PermissionDenied
from agentfloor.runtime.voice import VoiceService
from agentfloor.runtime.voice_call import CallSession, VoiceEngines, warm_recognition

__all__ = ["close_voice", "router", "voice_parts"]

router = APIRouter()
Who = Annotated[Principal, Depends(principal)]
UNAUTHORIZED = 4401
_TICK_S = 0.05
_build_lock = threading.Lock()


def voice_parts(state: object) -> tuple[VoiceService, VoiceEngines]:
    """Return the app's voice service and engines, made on first use from its container.

    Here rather than in `bootstrap` only while voice is young; the speech engines are those
    `bootstrap.speech_engines` picks from the settings (offline ones load lazily).
    """
    with _build_lock:
        return _parts(state)


def close_voice(state: object) -> None:
    """Release what the app's speech engines hold (a hosted engine's connection pool)."""
    parts: tuple[VoiceService, VoiceEngines] | None = getattr(state, "voice", None)
    if parts is None:
        return
    for engine in (parts[1].stt, parts[1].tts):
        close = getattr(engine, "close", None)
        if callable(close):
            close()


def _parts(state: object) -> tuple[VoiceService, VoiceEngines]:
    parts: tuple[VoiceService, VoiceEngines] | None = getattr(state, "voice", None)
    if parts is None:
        container: Container = state.container  # type: ignore[attr-defined]  # app.state
        service = VoiceService(
            container.ctx,
            router=container.router,
            nlu=container.nlu,
            webhooks=container.webhooks,
            llm=container.llm,
            recordings_dir=container.settings.resolved_recordings_dir(),
        )
        stt, tts = speech_engines(container.settings)
        engines = VoiceEngines(vad=lambda: WebrtcVad(2), stt=stt, tts=tts)
        warm_recognition(engines.stt, service.open_speech_hints())
        parts = (service, engines)
        state.voice = parts  # type: ignore[attr-defined]  # app.state takes any attribute
    return parts


def _public_url(request: Request) -> str:
    """Return the URL the carrier requested (behind a proxy: its forwarded scheme and host)."""
    url = request.url
    scheme = request.headers.get("x-forwarded-proto") or url.scheme
    host = request.headers.get("x-forwarded-host") or url.netloc
    query = f"?{url.query}" if url.query else ""
    return f"{scheme}://{host}{url.path}{query}"


def _stream_url(request: Request) -> str:
    """Return the media stream's URL on the host the carrier reached (wss behind https)."""
    public = urlsplit(_public_url(request))
    scheme = "wss" if public.scheme == "https" else "ws"
    return f"{scheme}://{public.netloc}/v1/voice/stream"


async def twilio_signed(request: Request) -> None:
    """Refuse (403) a webhook not signed by Twilio, when the server has the auth token.

    Without `AGENTFLOOR_TWILIO_AUTH_TOKEN` the API key alone admits the request (a Telnyx
    number, or a test). With it, a leaked webhook URL (its key is in the query string) is not
    enough to place calls into agentfloor.
    """
    container: Container = request.app.state.container
    secret = container.settings.twilio_auth_token
    if secret is None:
        return
    form = await request.form()
    params = {k: v for k, v in form.items() if isinstance(v, str)}
    signature = request.headers.get("x-twilio-signature", "")
    if not signature_matches(secret.get_secret_value(), _public_url(request), params, signature):
        raise PermissionDenied(
            "the request is not signed by Twilio: X-Twilio-Signature is missing or does not "
            "match this URL and form with the configured auth token (AGENTFLOOR_TWILIO_AUTH_TOKEN)"
        )


def _webhook_access() -> dict[str, Any]:
    """Return the webhook's route arguments: an integration or admin key, then the signature."""
    access = allow(Role.INTEGRATION, Role.ADMIN)
    return {**access, "dependencies": [*access["dependencies"], Depends(twilio_signed)]}


@router.post(
    "/v1/voice/twiml",
    tags=["voice"],
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}, "description": "TwiML"}},
    **_webhook_access(),
)
def twiml(
    request: Request,
    who: Who,
    call_sid: Annotated[str, Form(alias="CallSid", min_length=1, max_length=64)],
    from_number: Annotated[str, Form(alias="From", max_length=64)] = "",
    to_number: Annotated[str, Form(alias="To", max_length=64)] = "",
) -> Response:
    """Answer a carrier's incoming-call webhook with TwiML connecting the call to the stream."""
    service, _ = voice_parts(request.app.state)
    token = service.issue_stream_token(who.tenant_id, call_sid)
    body = connect_stream_twiml(
        _stream_url(request), {"token": token, "from": from_number, "to": to_number}
    )
    return Response(body, media_type="application/xml")


@router.websocket("/v1/voice/stream")
async def stream(websocket: WebSocket) -> None:
    """Serve one call's media stream (the protocol: `agentfloor.adapters.voice.twilio`)."""
    service, engines = await asyncio.to_thread(voice_parts, websocket.app.state)
    container: Container = websocket.app.state.container
    await websocket.accept()
    session = CallSession(service, engines, websocket.send_text, container.ctx.clock)

    async def ticking() -> None:
        while True:
            await asyncio.sleep(_TICK_S)
            await session.tick()
            if session.finished:
                await _close(websocket, session.finished)
                return

    ticker = asyncio.create_task(ticking())
    reason: str | None = None
    try:
        while not session.finished:
            try:
                message = await websocket.receive()
            except (WebSocketDisconnect, WebSocketDisconnected, RuntimeError):
                reason = "disconnected"
                break
            if message["type"] == "websocket.disconnect":
                reason = "disconnected"
                break
            data = message.get("text")
            if data is None:
                data = message.get("bytes") or b""
            await session.receive(data)
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
        await _close(websocket, await session.close(reason))


async def _close(websocket: WebSocket, reason: str) -> None:
    code = UNAUTHORIZED if reason == "unauthorized" else 1000
    with contextlib.suppress(RuntimeError, WebSocketDisconnect, WebSocketDisconnected):
        await websocket.close(code=code, reason=reason[:100])
