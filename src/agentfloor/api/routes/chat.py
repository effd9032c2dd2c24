"""Web chat: the visitor WebSocket the widget talks to, and the agent side over HTTP.

Visitor WebSocket `/v1/chat/visitor?tenant=<slug>`
    Public on purpose, like the website token of Chatwoot's widget: a visitor has no API key, the
    tenant slug only says whose chat this is. A visitor can reach nothing but its own
    conversation (found by the visitor id its browser keeps), and can only add messages to it;
    identities it gives are unverified and never move another customer's identity. Limits per
    connection: frames up to 16,384 characters, message text up to 4,000, 5 messages a second
    after a burst of 20, typing forwarded at most once a second. An unknown tenant closes the
    socket with code 4404 and a reason.

    Frames are JSON text, one object with a `type`:

    client -> server
        `hello {visitor_id, last_seq, interaction_id?, name?, email?, phone?}` first, once.
            `last_seq` is the last message `seq` the visitor has (0: none) in `interaction_id`.
            An e-mail or phone links the visitor to the CRM customer with it, or creates one.
        `message {client_id, text}`: `client_id` is the visitor's id for this message (a UUID);
            resending it after a reconnect never stores it twice.
        `typing {}`

    server -> client
        `welcome {interaction_id, customer_id, last_seq, messages: [message...]}`: the open chat
            and every message after the visitor's `last_seq`. Sent again, with a new
            interaction, when a message arrives after the chat ended.
        `message {seq, id, client_id?, sender, text, at}`: every message of the chat once, in
            `seq` order, the visitor's own included (`sender` customer, worker, ai or system;
            `at` ISO 8601 UTC).
        `ack {client_id, seq}`: the visitor's message is stored as number `seq`.
        `typing {sender}`: a worker or the AI is typing.
        `error {code, detail, client_id?}`: the frame was refused, the connection stays open.
            Codes: binary, frame_too_large, bad_json, unknown_type, hello_first,
            already_identified, bad_visitor_id, invalid, empty, too_long, rate_limited,
            not_found, conflict, unavailable (retry later).

    Resume: after any disconnect (including close 1013, sent when a visitor falls too far
    behind) the widget reconnects, says hello with its `last_seq` and `interaction_id`, gets what
    it missed in the welcome, and resends every message it has no ack for, with the same
    `client_id`. Nothing is lost and nothing is stored or shown twice.

Agent side (API keys)
    `GET /v1/interactions/{id}/messages?after_seq=&limit=` the transcript, in order;
    `POST /v1/interactions/{id}/messages {text, worker_id?, client_id?}` sends as a worker (an agent
    key bound to a worker sends as that worker); `POST /v1/interactions/{id}/typing`. Live
    messages and typing reach agents on `/v1/events?topics=chat`: every chat for an unbound key,
    the chats assigned to its worker for an agent key bound to a worker.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, Response, WebSocket
from pydantic import Field
from starlette.websockets import WebSocketDisconnect, WebSocketDisconnected

from agentfloor.access.model import Principal, Role
from agentfloor.api.auth import allow, principal
from agentfloor.api.chat_visitor import VisitorSession
from agentfloor.api.schemas import In, Out, Timestamp
from agentfloor.core.errors import InvalidInput, PermissionDenied, ProblemDetail
from agentfloor.interactions.chat import MAX_CLIENT_ID_CHARS, Sender
from agentfloor.runtime.chat import ChatService

__all__ = ["chat_service", "router"]

router = APIRouter()
Who = Annotated[Principal, Depends(principal)]
UNKNOWN_TENANT = 4404


def chat_service(request: Request) -> ChatService:
    """Return the app's chat service."""
    service: ChatService = request.app.state.chat
    return service


Chat = Annotated[ChatService, Depends(chat_service)]


class ChatMessageIn(In):
    """A message from a worker to the customer."""

    text: str = Field(description="1-4,000 characters (white space around is trimmed).")
    worker_id: str | None = Field(None, max_length=40)
    client_id: str | None = Field(
        None,
        max_length=MAX_CLIENT_ID_CHARS,
        description="Your id for this message: a retry with the same id is not stored twice.",
    )


class TypingIn(In):
    """Who is typing (an agent key bound to a worker needs nothing)."""

    worker_id: str | None = Field(None, max_length=40)


class ChatMessageOut(Out):
    """One message of a chat transcript."""

    id: str
    interaction_id: str
    seq: int
    sender: Sender
    text: str
    worker_id: str | None
    client_id: str | None
    created_at: Timestamp


def _acting_worker(who: Principal, requested: str | None) -> str | None:
    if who.worker_id is not None:
        if requested is not None and requested != who.worker_id:
            raise PermissionDenied(
                f"this key acts as worker {who.worker_id}; it cannot send as {requested}"
            )
        return who.worker_id
    if requested is None and who.role is Role.AGENT:
        raise InvalidInput(
            "say which worker writes: give worker_id, or use an agent key bound to a worker",
            problems=[ProblemDetail("worker_id", "required for agent keys not bound to a worker")],
        )
    return requested


@router.get(
    "/v1/interactions/{interaction_id}/messages",
    response_model=list[ChatMessageOut],
    tags=["chat"],
    **allow(),
)
def list_messages(
    interaction_id: str,
    chat: Chat,
    who: Who,
    after_seq: Annotated[int, Query(ge=0, description="Messages after this seq.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many.")] = 100,
) -> list[ChatMessageOut]:
    """Return a chat's transcript in `seq` order; page with `after_seq` = the last seq seen."""
    messages = chat.messages_after(who.tenant_id, interaction_id, after_seq, limit)
    return [ChatMessageOut.model_validate(m) for m in messages]


@router.post(
    "/v1/interactions/{interaction_id}/messages",
    status_code=201,
    response_model=ChatMessageOut,
    tags=["chat"],
    **allow(),
)
def post_message(
    interaction_id: str, body: ChatMessageIn, chat: Chat, who: Who, response: Response
) -> ChatMessageOut:
    """Send a message to the customer as a worker; it reaches the visitor's widget at once.

    A retry with the same `client_id` answers 200 with the stored message.
    """
    posted = chat.post_worker_message(
        who,
        interaction_id,
        text=body.text,
        worker_id=_acting_worker(who, body.worker_id),
        client_id=body.client_id,
    )
    if not posted.is_new:
        response.status_code = 200
    return ChatMessageOut.model_validate(posted.message)


@router.post(
    "/v1/interactions/{interaction_id}/typing",
    status_code=204,
    tags=["chat"],
    **allow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT),
)
def typing(
    interaction_id: str,
    chat: Chat,
    who: Who,
    body: Annotated[TypingIn | None, Body()] = None,
) -> Response:
    """Show the visitor that a worker is typing (not stored; send again every few seconds)."""
    requested = body.worker_id if body else None
    worker_id = who.worker_id or requested
    chat.worker_typing(who, interaction_id, worker_id)
    return Response(status_code=204)


@router.websocket("/v1/chat/visitor")
async def visitor(websocket: WebSocket) -> None:
    """Serve one visitor's widget (the protocol is in this module's docstring)."""
    chat: ChatService = websocket.app.state.chat
    slug = websocket.query_params.get("tenant", "")
    tenant = await asyncio.to_thread(chat.tenant_by_slug, slug) if slug else None
    # Accept, then close with an application code: a browser sees 4404 and the reason,
    # where a refused handshake would only show a bare HTTP 403.
    await websocket.accept()
    if tenant is None:
        reason = f"no tenant {slug[:40]!r}; check data-tenant on the widget's script tag"
        await websocket.close(code=UNKNOWN_TENANT, reason=reason)
        return
    with contextlib.suppress(WebSocketDisconnect, WebSocketDisconnected):
        await VisitorSession(websocket, chat, tenant).run()
