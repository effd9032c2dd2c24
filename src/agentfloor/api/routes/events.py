"""`/v1/events`: the live event stream over a WebSocket, filtered by topic.

Connect with `?topics=interaction,customer` (default everything) and the key in the
`Authorization` header or, from a browser, `?api_key=`. Each message is one event as JSON.
A worker client adds `&worker_id=wrk_...` (implied by an agent key bound to a worker) and then
receives only events about that worker, e.g. its `reservation.created` offers.
A bad key closes the socket with code 4401, a key without the role with 4403.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from agentfloor.api.auth import ALL_ROLES, key_from
from agentfloor.core.clock import to_datetime
from agentfloor.core.errors import AgentfloorError, Unauthenticated
from agentfloor.runtime.access import authenticate

__all__ = ["router"]

router = APIRouter()


@router.websocket("/v1/events")
async def events(websocket: WebSocket) -> None:
    """Stream the tenant's events matching `topics` until the client disconnects."""
    ctx = websocket.app.state.container.ctx
    try:
        key = key_from(websocket.headers, websocket.query_params)
        if key is None:
            raise Unauthenticated("no API key; pass ?api_key= or an Authorization header")
        who = await asyncio.to_thread(authenticate, ctx, key)
    except AgentfloorError as exc:
        # Accept, then close with an application code: a browser sees 4401 and the reason,
        # where a refused handshake would only show a bare HTTP 403.
        await websocket.accept()
        await websocket.close(code=4401, reason=exc.message[:120])
        return
    if who.role not in ALL_ROLES:
        await websocket.accept()
        await websocket.close(code=4403, reason="this key may not read events")
        return
    worker_id = who.worker_id or websocket.query_params.get("worker_id") or None
    raw = websocket.query_params.get("topics", "*")
    topics = [t.strip() for t in raw.split(",") if t.strip()] or ["*"]
    await websocket.accept()
    subscription = ctx.bus.subscribe(who.tenant_id, topics)
    await websocket.send_json({"type": "subscribed", "topics": topics})

    async def pump() -> None:
        while True:
            event = await subscription.get()
            if worker_id is not None and event.data.get("worker_id") != worker_id:
                continue
            await websocket.send_json(
                {
                    "type": "event",
                    "id": event.id,
                    "topic": event.topic,
                    "at": to_datetime(event.at).isoformat(),
                    "subject_id": event.subject_id,
                    "data": event.data,
                }
            )

    sender = asyncio.create_task(pump())
    try:
        while True:  # reading notices the client going away
            await websocket.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
        subscription.close()
