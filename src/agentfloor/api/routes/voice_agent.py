"""`/v1/voice/agent/{interaction_id}`: a person's audio on a call, over a WebSocket.

The agent desktop opens it once the worker has accepted a call (the interaction is `connected`
to that worker). Authenticated as `/v1/events` is: the key in the `Authorization` header or, from
a browser, `?api_key=`; an agent key bound to a worker acts as that worker, another key names one
with `&worker_id=`. Then:

- binary messages both ways are PCM16 little-endian, 8 kHz, mono (any length; the server cuts the
  agent's audio into 20 ms frames; it sends the caller's in 20 ms frames). The browser resamples
  (its AudioWorklet), so the server does no resampling;
- text messages from the agent are JSON controls: `{"type": "mute"}`, `unmute`, `hold`, `unhold`,
  `{"type": "transfer", "queue_id": "que_..."}` (cold: the call goes back to that queue and the
  next worker who accepts gets it) and `hangup`; the server answers each with the call's
  `{"type": "state", "muted", "held", ...}` (also sent on connect), or
  `{"type": "error", "control", "message"}` when a transfer is refused.

Close codes: 4401 bad key, 4403 a key without a worker role or a call connected to another
worker, 4404 no such interaction, 4409 the interaction is not a call connected to a worker, or
its audio is not on this server (see `runtime.voice_bridge`), 4422 a control message that is not
JSON or not one of the above; 1000 `call ended` or `transferred`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any, Final

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketDisconnected

from agentfloor.access.model import Principal, Role
from agentfloor.api.auth import key_from
from agentfloor.bootstrap import Container
from agentfloor.core.errors import AgentfloorError, Unauthenticated
from agentfloor.interactions.model import Channel, Interaction
from agentfloor.interactions.states import InteractionState
from agentfloor.runtime.access import authenticate
from agentfloor.runtime.voice_bridge import AgentLeg, CallBridge, LegClosed, bridges
from agentfloor.runtime.voice_transfer import transfer_call

__all__ = ["router"]

router = APIRouter()

UNAUTHORIZED: Final = 4401
FORBIDDEN: Final = 4403
NOT_FOUND: Final = 4404
CONFLICT: Final = 4409
INVALID: Final = 4422
_WORKER_ROLES: Final = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT)
_CONTROLS: Final = ("mute", "unmute", "hold", "unhold", "transfer", "hangup")


class _Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@router.websocket("/v1/voice/agent/{interaction_id}")
async def agent_audio(websocket: WebSocket, interaction_id: str) -> None:
    """Bridge one worker's browser audio to a call they are connected to."""
    container: Container = websocket.app.state.container
    try:
        who, worker_id = await _who(websocket, container)
        interaction = await asyncio.to_thread(_interaction, container, who, interaction_id)
        _check(interaction, worker_id)
        bridge = bridges().get(interaction_id)
        if bridge is None:
            raise _Refused(CONFLICT, "the call's audio is not on this server (or it has ended)")
    except _Refused as refused:
        # Accept, then close with an application code: a browser sees the code and the reason,
        # where a refused handshake would only show a bare HTTP 403.
        await websocket.accept()
        await _close(websocket, refused.code, refused.reason)
        return
    await websocket.accept()
    leg = await bridge.attach(worker_id)
    sender = asyncio.create_task(_send_loop(websocket, leg))
    reason = "disconnected"
    try:
        reason = await _receive_loop(websocket, container, who, bridge, leg)
    finally:
        await bridge.detach(leg, reason)
        leg.put(LegClosed(1000, reason) if reason == "disconnected" else LegClosed(0, ""))
        with contextlib.suppress(asyncio.CancelledError):
            await sender


async def _who(websocket: WebSocket, container: Container) -> tuple[Principal, str]:
    try:
        key = key_from(websocket.headers, websocket.query_params)
        if key is None:
            raise Unauthenticated("no API key; pass ?api_key= or an Authorization header")
        who = await asyncio.to_thread(authenticate, container.ctx, key)
    except AgentfloorError as exc:
        raise _Refused(UNAUTHORIZED, exc.message[:120]) from exc
    if who.role not in _WORKER_ROLES:
        raise _Refused(FORBIDDEN, f"a {who.role.value} key cannot take calls")
    asked = websocket.query_params.get("worker_id") or None
    if who.worker_id is not None and asked is not None and asked != who.worker_id:
        raise _Refused(FORBIDDEN, f"this key acts as worker {who.worker_id} only")
    worker_id = who.worker_id or asked
    if worker_id is None:
        raise _Refused(INVALID, "say which worker takes the call: ?worker_id=wrk_...")
    return who, worker_id


def _interaction(container: Container, who: Principal, interaction_id: str) -> Interaction:
    with container.ctx.uow(who.tenant_id) as uow:
        found = uow.interactions.get(interaction_id)
    if found is None:
        raise _Refused(NOT_FOUND, f"there is no interaction {interaction_id}"[:120])
    return found


def _check(interaction: Interaction, worker_id: str) -> None:
    if interaction.channel is not Channel.VOICE:
        raise _Refused(CONFLICT, f"interaction {interaction.id} is a {interaction.channel.value}")
    if interaction.state is not InteractionState.CONNECTED:
        raise _Refused(
            CONFLICT,
            f"the call is {interaction.state.value}, not connected to a worker; accept it first",
        )
    if interaction.worker_id != worker_id:
        raise _Refused(FORBIDDEN, "the call is connected to another worker")


async def _send_loop(websocket: WebSocket, leg: AgentLeg) -> None:
    """Send the leg's outbox (caller audio, states) until it is closed."""
    while True:
        item = await leg.outbox.get()
        try:
            if isinstance(item, LegClosed):
                if item.code:
                    await _close(websocket, item.code, item.reason)
                return
            if isinstance(item, bytes):
                await websocket.send_bytes(item)
            else:
                await websocket.send_text(json.dumps(item))
        except (RuntimeError, WebSocketDisconnect, WebSocketDisconnected):
            return  # the socket is gone: the receive side ends the leg


async def _receive_loop(
    websocket: WebSocket, container: Container, who: Principal, bridge: CallBridge, leg: AgentLeg
) -> str:
    """Handle the agent's audio and controls; return why the leg ended."""
    while True:
        try:
            message = await websocket.receive()
        except (WebSocketDisconnect, WebSocketDisconnected, RuntimeError):
            return "disconnected"
        if message["type"] == "websocket.disconnect":
            return "disconnected"
        if bridge.legs.get(leg.worker_id) is not leg:
            return "left"  # transferred, replaced or the call ended: the send side closes
        data = message.get("bytes")
        if data is not None:
            await bridge.agent_audio(leg, data)
            continue
        try:
            control = _control(message.get("text") or "")
        except _Refused as refused:
            leg.put(LegClosed(refused.code, refused.reason))
            return "bad_control"
        await _carry_out(control, container, who, bridge, leg)


def _control(text: str) -> dict[str, Any]:
    try:
        control = json.loads(text)
    except ValueError:
        control = None
    if not isinstance(control, dict) or not isinstance(control.get("type"), str):
        raise _Refused(INVALID, 'a control is a JSON object with a "type"')
    if control["type"] not in _CONTROLS:
        known = ", ".join(_CONTROLS)
        raise _Refused(INVALID, f"unknown control {control['type'][:30]!r}; use {known}")
    return control


async def _carry_out(
    control: dict[str, Any], container: Container, who: Principal, bridge: CallBridge, leg: AgentLeg
) -> None:
    kind = control["type"]
    if kind in ("mute", "unmute"):
        await bridge.set_muted(leg, kind == "mute")
    elif kind in ("hold", "unhold"):
        await bridge.set_held(leg, kind == "hold")
    elif kind == "hangup":
        await bridge.hang_up(leg)
    else:
        await _transfer(control, container, who, bridge, leg)


async def _transfer(
    control: dict[str, Any], container: Container, who: Principal, bridge: CallBridge, leg: AgentLeg
) -> None:
    queue_id = control.get("queue_id")
    if not isinstance(queue_id, str) or not queue_id or bridge.task_id is None:
        why = "give queue_id (a transfer to one worker is not supported yet)"
        leg.put({"type": "error", "control": "transfer", "message": why})
        return
    try:
        task = await asyncio.to_thread(
            transfer_call,
            container.ctx,
            container.router,
            bridge.tenant_id,
            bridge.task_id,
            worker_id=leg.worker_id,
            queue_id=queue_id,
            actor_key_id=who.key_id,
        )
    except AgentfloorError as exc:
        leg.put({"type": "error", "control": "transfer", "message": exc.message[:300]})
        return
    facts = {"queue_id": queue_id, "task_id": task.id, "previous_task_id": bridge.task_id}
    await bridge.transferred(leg, task.id, facts)


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    with contextlib.suppress(RuntimeError, WebSocketDisconnect, WebSocketDisconnected):
        await websocket.close(code=code, reason=reason[:120])
