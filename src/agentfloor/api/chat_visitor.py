"""One visitor's chat WebSocket: reads protocol frames, posts messages, pushes what others say.

The frames are described in `agentfloor.api.routes.chat`. Delivery to the visitor is exactly
once per connection and in `seq` order: the session subscribes to the bus before it reads the
transcript, remembers the highest `seq` it has sent, forwards a bus message only when it is the
next one, and reads any gap from the database (a message is committed before it is published,
so the database always has it). A bad frame is answered with an `error` frame and the
connection stays open; nothing the visitor sent successfully is ever lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi import WebSocket

from agentfloor.access.model import Tenant
from agentfloor.core.clock import to_datetime
from agentfloor.core.errors import (
    AgentfloorError,
    Conflict,
    InvalidInput,
    NotFound,
    Unavailable,
)
from agentfloor.core.events import Event, Subscription
from agentfloor.interactions.chat import (
    ChatMessage,
    ConversationClosed,
    EmptyMessage,
    MessageTooLong,
)
from agentfloor.runtime.chat import ChatService, Posted
from agentfloor.runtime.chat_visitors import Conversation

__all__ = [
    "MAX_FRAME_CHARS",
    "MESSAGES_PER_S",
    "MESSAGE_BURST",
    "TYPING_EVERY_S",
    "VisitorSession",
    "message_frame",
]

# The AI agent answers in threads of its own, so storing and acknowledging customers' messages
# (the default thread pool) never queues behind the AI's thinking.
_AI_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ai-reply")

MAX_FRAME_CHARS = 16_384  # a 4,000-character message in JSON fits with room to spare
MESSAGES_PER_S = 5.0  # sustained messages per connection ...
MESSAGE_BURST = 20.0  # ... after a burst of this many
TYPING_EVERY_S = 1.0  # typing frames closer together than this are not forwarded
_CATCH_UP_BATCH = 200

# Error kinds -> the `code` of the error frame (checked in order: subclasses first).
_CODES: list[tuple[type[AgentfloorError], str]] = [
    (MessageTooLong, "too_long"),
    (EmptyMessage, "empty"),
    (InvalidInput, "invalid"),
    (NotFound, "not_found"),
    (Conflict, "conflict"),
    (Unavailable, "unavailable"),
]


class _FrameError(Exception):
    """A frame the session refuses; becomes an `error` frame, the connection stays open."""

    def __init__(self, code: str, detail: str, client_id: str | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.client_id = client_id


def _code_for(exc: AgentfloorError) -> str:
    if isinstance(exc, InvalidInput) and any(p.loc == "visitor_id" for p in exc.problems):
        return "bad_visitor_id"
    return next((code for kind, code in _CODES if isinstance(exc, kind)), "error")


def _optional_str(data: dict[str, Any], field: str, max_chars: int) -> str | None:
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_chars:
        raise _FrameError("invalid", f"{field} must be a string of at most {max_chars} characters")
    return value


def message_frame(message: ChatMessage) -> dict[str, Any]:
    """Return the `message` frame of a stored message."""
    frame: dict[str, Any] = {
        "type": "message",
        "seq": message.seq,
        "id": message.id,
        "sender": message.sender.value,
        "text": message.text,
        "at": to_datetime(message.created_at).isoformat(),
    }
    if message.client_id is not None:
        frame["client_id"] = message.client_id
    return frame


def _frame_from_event(event: Event) -> dict[str, Any]:
    data = event.data
    frame: dict[str, Any] = {
        "type": "message",
        "seq": data["seq"],
        "id": data["message_id"],
        "sender": data["sender"],
        "text": data["text"],
        "at": to_datetime(event.at).isoformat(),
    }
    if data.get("client_id") is not None:
        frame["client_id"] = data["client_id"]
    return frame


class VisitorSession:
    """The state of one visitor connection (after the tenant was found and the socket accepted)."""

    def __init__(self, websocket: WebSocket, chat: ChatService, tenant: Tenant) -> None:
        self.ws = websocket
        self.chat = chat
        self.tenant = tenant
        self.clock = chat.ctx.clock
        self.visitor_id: str | None = None
        self.interaction_id: str | None = None
        self.sent_seq = 0
        self._state = asyncio.Lock()  # held while the conversation or `sent_seq` changes
        self._send_lock = asyncio.Lock()  # one frame on the wire at a time
        self._tokens = MESSAGE_BURST
        self._tokens_at = self.clock.now()
        self._typing_at = float("-inf")
        self._replies: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Serve the connection until the visitor goes away."""
        subscription = self.chat.ctx.bus.subscribe(self.tenant.id, ["chat"])
        self._subscription = subscription  # every chat of the tenant until the welcome
        pump = asyncio.create_task(self._pump(subscription))
        try:
            while True:
                frame = await self.ws.receive()
                if frame["type"] == "websocket.disconnect":
                    return
                try:
                    await self._on_frame(frame)
                except _FrameError as exc:
                    await self._error(exc.code, exc.detail, exc.client_id)
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump
            subscription.close()
            if self._replies is not None:  # replies are stored even if the visitor left
                await asyncio.gather(self._replies, return_exceptions=True)

    # --- frames from the visitor -----------------------------------------------------------------

    async def _on_frame(self, frame: Mapping[str, Any]) -> None:
        text = frame.get("text")
        if text is None:
            raise _FrameError("binary", "binary frames are not understood; send JSON text frames")
        if len(text) > MAX_FRAME_CHARS:
            raise _FrameError("frame_too_large", f"a frame may have {MAX_FRAME_CHARS} characters")
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise _FrameError("bad_json", f"the frame is not JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise _FrameError("bad_json", 'a frame is a JSON object such as {"type": "typing"}')
        kind = data.get("type")
        if kind not in ("hello", "message", "typing"):
            raise _FrameError(
                "unknown_type", f"unknown frame type {kind!r}; use hello, message or typing"
            )
        if kind != "hello" and self.interaction_id is None:
            raise _FrameError("hello_first", "send hello {visitor_id, last_seq} first")
        client_id = data.get("client_id") if isinstance(data.get("client_id"), str) else None
        try:
            if kind == "hello":
                await self._hello(data)
            elif kind == "message":
                await self._message(data)
            else:
                await self._typing()
        except AgentfloorError as exc:
            raise _FrameError(_code_for(exc), exc.message, client_id) from exc

    async def _hello(self, data: dict[str, Any]) -> None:
        if self.interaction_id is not None:
            raise _FrameError("already_identified", "this connection said hello already")
        visitor_id = data.get("visitor_id")
        if not isinstance(visitor_id, str):
            raise _FrameError("bad_visitor_id", "visitor_id must be a string the widget keeps")
        last_seq = data.get("last_seq", 0)
        if not isinstance(last_seq, int) or isinstance(last_seq, bool) or last_seq < 0:
            raise _FrameError("invalid", "last_seq must be a whole number >= 0 (0: from the start)")
        fields = {
            "interaction_id": _optional_str(data, "interaction_id", 40),
            "name": _optional_str(data, "name", 200),
            "email": _optional_str(data, "email", 320),
            "phone": _optional_str(data, "phone", 40),
        }
        async with self._state:
            self._subscription.follow(None)  # the next conversation's first events too
            conversation = await asyncio.to_thread(
                self.chat.open_conversation,
                self.tenant.id,
                visitor_id,
                last_seq=last_seq,
                **fields,
            )
            self.visitor_id = visitor_id
            await self._welcome(conversation)

    async def _welcome(self, conversation: Conversation) -> None:
        """Switch to `conversation` and send its welcome (called holding `_state`)."""
        self.interaction_id = conversation.interaction.id
        self._subscription.follow({self.interaction_id})
        self.sent_seq = conversation.delivered_seq
        await self._send(
            {
                "type": "welcome",
                "interaction_id": conversation.interaction.id,
                "customer_id": conversation.customer_id,
                "last_seq": conversation.last_seq,
                "messages": [message_frame(m) for m in conversation.messages],
            }
        )
        if conversation.last_seq > self.sent_seq:
            await self._catch_up()

    async def _message(self, data: dict[str, Any]) -> None:
        client_id, text = data.get("client_id"), data.get("text")
        if not isinstance(client_id, str):
            raise _FrameError("invalid", "a message needs a client_id string (e.g. a UUID)")
        if not isinstance(text, str):
            raise _FrameError("invalid", "a message needs a text string", client_id)
        if not self._take_token():
            raise _FrameError(
                "rate_limited", f"more than {MESSAGES_PER_S:g} messages a second", client_id
            )
        try:
            posted = await self._post(client_id, text)
        except ConversationClosed:
            async with self._state:  # the chat ended: the message starts a new one
                assert self.visitor_id is not None
                self._subscription.follow(None)  # the new conversation's first events too
                conversation = await asyncio.to_thread(
                    self.chat.open_conversation, self.tenant.id, self.visitor_id
                )
                await self._welcome(conversation)
            posted = await self._post(client_id, text)
        await self._send({"type": "ack", "client_id": client_id, "seq": posted.message.seq})
        if posted.is_new and self.chat.has_responders:
            self._replies = asyncio.create_task(self._reply(self._replies, posted.message))

    async def _post(self, client_id: str, text: str) -> Posted:
        assert self.interaction_id is not None
        return await asyncio.to_thread(
            self.chat.post_customer_message,
            self.tenant.id,
            self.interaction_id,
            client_id=client_id,
            text=text,
        )

    async def _reply(self, previous: asyncio.Task[None] | None, message: ChatMessage) -> None:
        if previous is not None:  # replies keep the order of the messages they answer
            await asyncio.gather(previous, return_exceptions=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(_AI_THREADS, self.chat.respond, self.tenant.id, message)

    async def _typing(self) -> None:
        now = self.clock.now()
        if now - self._typing_at < TYPING_EVERY_S or self.interaction_id is None:
            return
        self._typing_at = now
        await asyncio.to_thread(self.chat.visitor_typing, self.tenant.id, self.interaction_id)

    def _take_token(self) -> bool:
        now = self.clock.now()
        elapsed = max(now - self._tokens_at, 0.0)
        self._tokens = min(MESSAGE_BURST, self._tokens + elapsed * MESSAGES_PER_S)
        self._tokens_at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    # --- frames to the visitor -------------------------------------------------------------------

    async def _pump(self, subscription: Subscription) -> None:
        while True:
            try:
                event = await subscription.get()
            except ConnectionResetError:
                # Fell too far behind: the visitor reconnects and resumes from its last seq.
                await self.ws.close(code=1013, reason="too far behind; reconnect to resume")
                return
            async with self._state:
                if event.subject_id != self.interaction_id:
                    continue
                if event.topic == "chat.typing":
                    if event.data.get("sender") != "customer":
                        await self._send({"type": "typing", "sender": event.data.get("sender")})
                elif event.topic == "chat.message":
                    seq = int(event.data["seq"])
                    if seq == self.sent_seq + 1:
                        await self._send(_frame_from_event(event))
                        self.sent_seq = seq
                    elif seq > self.sent_seq + 1:
                        await self._catch_up()

    async def _catch_up(self) -> None:
        """Send every stored message after `sent_seq` (called holding `_state`)."""
        assert self.interaction_id is not None
        while True:
            messages = await asyncio.to_thread(
                self.chat.messages_after,
                self.tenant.id,
                self.interaction_id,
                self.sent_seq,
                _CATCH_UP_BATCH,
            )
            for message in messages:
                await self._send(message_frame(message))
                self.sent_seq = message.seq
            if len(messages) < _CATCH_UP_BATCH:
                return

    async def _error(self, code: str, detail: str, client_id: str | None) -> None:
        frame: dict[str, Any] = {"type": "error", "code": code, "detail": detail}
        if client_id is not None:
            frame["client_id"] = client_id
        await self._send(frame)

    async def _send(self, frame: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.ws.send_text(json.dumps(frame, ensure_ascii=False))
