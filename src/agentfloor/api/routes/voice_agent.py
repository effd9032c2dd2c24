"""`/v1/voice/agent/{interaction_id}`: a person's audio on a call, over a WebSocket.

The agent desktop opens it once the worker has accepted a call (the interaction is `connected`
to that worker), or a consult on it (a warm transfer: the call stays connected to the worker who
asked, and the consulted worker may attach while the consult is open). Authenticated as
`/v1/events` is: the key in the `Authorization` header or, from a browser, `?api_key=`; an agent
key bound to a worker acts as that worker, another key names one with `&worker_id=`. Then:

- binary messages both ways are PCM16 little-endian, 8 kHz, mono (any length; the server cuts the
  agent's audio into 20 ms frames; it sends the caller's in 20 ms frames). The browser resamples
  (its AudioWorklet), so the server does no resampling;
- text messages from the agent are JSON controls, answered with the call's
  `{"type": "state", "muted", "held", "consult", "on_line", ...}` (also sent on connect and to
  every leg when a consult changes) or `{"type": "error", "control", "message"}` when refused
  (nothing changes then):
  - `mute`, `unmute`: the agent's audio reaches nobody while muted;
  - `hold`, `unhold`: the caller hears music, the agent nothing;
  - `{"type": "transfer", "queue_id"?, "worker_id"?}`: cold transfer to a queue, or to one named
    worker (in `queue_id`, default the call's queue; the call waits while they are busy); the
    leg closes with `transferred`. Refused for an unknown, offline or one's own worker;
  - `{"type": "consult", "queue_id"?, "worker_id"?}`: warm transfer, first step: the caller is
    held, a consult task for the call goes to the queue or the named worker; the consulted
    worker accepts it and attaches here; the two hear each other;
  - `complete_transfer`: the consulted worker has the call, the asking worker's leg closes with
    `transferred` (their task ends, wrap-up as usual);
  - `conference`: the caller off hold, all three hear each other (mixed audio); then a
    `hangup` of either worker only takes them off the line (leg closed with `left`);
  - `cancel_consult`: the consulted worker's leg closes (`consult cancelled`), their task ends,
    the caller is off hold with the asking worker;
  - `hangup`: ends the call (in a consult: the consulted worker leaves; in a conference: the
    worker leaves).
  Only the worker who asked may complete, conference or cancel a consult; while one is open
  `hold`, `unhold`, `transfer` and `consult` are refused.

Close codes: 4401 bad key, 4403 a key without a worker role or a call connected to another
worker (who has not consulted this one), 4404 no such interaction, 4409 the interaction is not
a call connected to a worker, or its audio is not on this server (see `runtime.voice_bridge`),
4422 a control message that is not JSON or not one of the above; 1000 `call ended`,
`transferred`, `left` or `consult cancelled`.
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
from agentfloor.core.errors import AgentfloorError, Conflict, NotFound, Unauthenticated
from agentfloor.interactions.model import Channel, Interaction
from agentfloor.interactions.states import InteractionState
from agentfloor.routing.model import TaskState
from agentfloor.runtime.access import authenticate
from agentfloor.runtime.voice_bridge import AgentLeg, CallBridge, Consult, LegClosed, bridges
from agentfloor.runtime.voice_transfer import consult_call, end_consult, hand_over, transfer_call

__all__ = ["router"]

router = APIRouter()

UNAUTHORIZED: Final = 4401
FORBIDDEN: Final = 4403
NOT_FOUND: Final = 4404
CONFLICT: Final = 4409
INVALID: Final = 4422
_WORKER_ROLES: Final = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT)
_CONTROLS: Final = (
    "mute",
    "unmute",
    "hold",
    "unhold",
    "transfer",
    "consult",
    "complete_transfer",
    "conference",
    "cancel_consult",
    "hangup",
)
_NOT_WHILE_CONSULTING: Final = ("hold", "unhold", "transfer", "consult")
_CONSULT_STEPS: Final = ("complete_transfer", "conference", "cancel_consult")


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
        bridge = bridges().get(interaction_id)
        consulted = bridge is not None and await asyncio.to_thread(
            _is_consulted, container, bridge, worker_id
        )
        _check(interaction, worker_id, consulted=consulted)
        if bridge is None:
            raise _Refused(CONFLICT, "the call's audio is not on this server (or it has ended)")
    except _Refused as refused:
        # Accept, then close with an application code: a browser sees the code and the reason,
        # where a refused handshake would only show a bare HTTP 403.
        await websocket.accept()
        await _close(websocket, refused.code, refused.reason)
        return
    await websocket.accept()
    if consulted and bridge.consult is not None:
        bridge.consult.worker_id = worker_id  # a queue's consult: now we know who answered
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
        if bridge.is_over and bridge.consult is not None:  # the call ended during a consult
            consult, bridge.consult = bridge.consult, None
            # an accepted consult is its worker's to wrap up
            await _end_consult_task(container, who, bridge, consult, waiting_only=True)


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


def _is_consulted(container: Container, bridge: CallBridge, worker_id: str) -> bool:
    """Tell whether the worker accepted the call's open consult (and may attach to the call)."""
    consult = bridge.consult
    if consult is None or consult.worker_id not in (None, worker_id):
        return False
    if worker_id == consult.by_worker_id:
        return False  # their own consult (a queue offered it back to them): not a second leg
    try:
        task = container.router.get_task(bridge.tenant_id, consult.task_id)
    except (NotFound, Conflict):
        return False
    return task.state is TaskState.ASSIGNED and task.worker_id == worker_id


def _check(interaction: Interaction, worker_id: str, *, consulted: bool = False) -> None:
    if interaction.channel is not Channel.VOICE:
        raise _Refused(CONFLICT, f"interaction {interaction.id} is a {interaction.channel.value}")
    if interaction.state is not InteractionState.CONNECTED:
        raise _Refused(
            CONFLICT,
            f"the call is {interaction.state.value}, not connected to a worker; accept it first",
        )
    if interaction.worker_id != worker_id and not consulted:
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
    refusal = _refusal(kind, bridge, leg)
    if refusal is not None:
        leg.put({"type": "error", "control": kind, "message": refusal})
        return
    if kind in ("mute", "unmute"):
        await bridge.set_muted(leg, kind == "mute")
    elif kind in ("hold", "unhold"):
        await bridge.set_held(leg, kind == "hold")
    elif kind == "hangup":
        await _hang_up(container, who, bridge, leg)
    elif kind in ("transfer", "consult"):
        await _transfer(control, container, who, bridge, leg)
    elif kind == "cancel_consult":
        await _end_consult(
            container, who, bridge, leg, "voice.consult_cancelled", "consult cancelled"
        )
    elif kind == "conference":
        await bridge.conferenced(leg)
    else:
        await _hand_over(container, who, bridge, leg, reason="transferred")


def _refusal(kind: str, bridge: CallBridge, leg: AgentLeg) -> str | None:
    """Why a control cannot be carried out now, or None."""
    consult = bridge.consult
    if consult is not None and kind in _NOT_WHILE_CONSULTING:
        return f"a consult is open: {', '.join(_CONSULT_STEPS)} first"
    if kind not in _CONSULT_STEPS:
        return None
    if consult is None:
        return "there is no consult on this call; send consult first"
    if leg.worker_id != consult.by_worker_id:
        return f"only worker {consult.by_worker_id}, who asked, can {kind.replace('_', ' ')}"
    if kind == "conference":
        if consult.conference:
            return "the call is a conference already"
        if consult.worker_id is None or consult.worker_id not in bridge.legs:
            return "the consulted worker is not on the line yet"
    return None


def _target(control: dict[str, Any]) -> tuple[str | None, str | None] | str:
    """Return the (queue_id, worker_id) a transfer or consult names, or why they are invalid."""
    queue_id, worker_id = control.get("queue_id"), control.get("worker_id")
    for name, value in (("queue_id", queue_id), ("worker_id", worker_id)):
        if value is not None and (not isinstance(value, str) or not value):
            return f"{name} must be a non-empty string"
    if queue_id is None and worker_id is None:
        return "give queue_id (a queue) or worker_id (one worker), or both"
    return queue_id, worker_id


async def _transfer(
    control: dict[str, Any], container: Container, who: Principal, bridge: CallBridge, leg: AgentLeg
) -> None:
    """Carry out a cold transfer, or the start of a warm one (`consult`)."""
    kind = control["type"]
    target = _target(control)
    if isinstance(target, str) or bridge.task_id is None:
        why = target if isinstance(target, str) else "the call's task is not known yet"
        leg.put({"type": "error", "control": kind, "message": why})
        return
    queue_id, to_worker_id = target
    previous = bridge.task_id
    try:
        task = await asyncio.to_thread(
            consult_call if kind == "consult" else transfer_call,
            container.ctx,
            container.router,
            bridge.tenant_id,
            previous,
            worker_id=leg.worker_id,
            queue_id=queue_id,
            to_worker_id=to_worker_id,
            actor_key_id=who.key_id,
        )
    except AgentfloorError as exc:
        leg.put({"type": "error", "control": kind, "message": exc.message[:300]})
        return
    facts: dict[str, Any] = {"queue_id": task.queue_id, "task_id": task.id}
    if to_worker_id is not None:
        facts["to_worker_id"] = to_worker_id
    if kind == "consult":
        consult = Consult(task.id, leg.worker_id, task.queue_id or "", worker_id=to_worker_id)
        await bridge.consulting(leg, consult, facts)
    else:
        await bridge.transferred(leg, task.id, {**facts, "previous_task_id": previous})


async def _hand_over(
    container: Container, who: Principal, bridge: CallBridge, leg: AgentLeg, *, reason: str
) -> None:
    """Give the call to the consulted worker; the asking worker's task ends, their leg closes."""
    consult, previous = bridge.consult, bridge.task_id
    assert consult is not None  # checked by `_refusal`
    try:
        task = await asyncio.to_thread(container.router.get_task, bridge.tenant_id, consult.task_id)
        if previous is not None:
            await asyncio.to_thread(
                hand_over,
                container.ctx,
                container.router,
                bridge.tenant_id,
                previous,
                worker_id=leg.worker_id,
                consult=task,
                actor_key_id=who.key_id,
            )
    except AgentfloorError as exc:
        control = "hangup" if reason == "left" else "complete_transfer"
        leg.put({"type": "error", "control": control, "message": exc.message[:300]})
        return
    consult.worker_id = task.worker_id
    await bridge.handed_over(leg, {"previous_task_id": previous}, reason=reason)


async def _end_consult(
    container: Container,
    who: Principal,
    bridge: CallBridge,
    leg: AgentLeg,
    event: str,
    reason: str,
) -> None:
    """End the consult without a hand-over: the consulted worker leaves, their task ends."""
    consult = await bridge.consult_ended(leg, event, reason=reason)
    if consult is not None:
        await _end_consult_task(container, who, bridge, consult)


async def _end_consult_task(
    container: Container,
    who: Principal,
    bridge: CallBridge,
    consult: Consult,
    *,
    waiting_only: bool = False,
) -> None:
    await asyncio.to_thread(
        end_consult,
        container.router,
        bridge.tenant_id,
        consult.task_id,
        actor_key_id=who.key_id,
        waiting_only=waiting_only,
    )


async def _hang_up(container: Container, who: Principal, bridge: CallBridge, leg: AgentLeg) -> None:
    """Hang up: the call ends, unless a consult lets this worker leave it to the other one."""
    consult = bridge.consult
    if consult is not None and leg.worker_id == consult.worker_id:
        await _end_consult(container, who, bridge, leg, "voice.consult_ended", "left")
    elif consult is not None and consult.conference and leg.worker_id == consult.by_worker_id:
        await _hand_over(container, who, bridge, leg, reason="left")
    else:
        await bridge.hang_up(leg)


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    with contextlib.suppress(RuntimeError, WebSocketDisconnect, WebSocketDisconnected):
        await websocket.close(code=code, reason=reason[:120])
