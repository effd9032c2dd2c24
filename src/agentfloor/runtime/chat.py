"""Web chat conversations: visitors, their chat interaction, messages, typing, the responder hook.

A visitor (the widget in a browser) opens or resumes its chat with `open_conversation`; who it
is in the CRM and which interaction is its chat is decided in `runtime.chat_visitors`. The next
message after a chat ended opens a new one.

Every message is appended to the transcript (`uow.chat`, numbered by `seq` per interaction) and,
in the same unit of work, to the interaction's event log as `chat.message`; after the commit it
is published on the bus as topic `chat.message` with data `interaction_id`, `message_id`, `seq`,
`sender`, `text`, `client_id`, `author_worker_id` and `worker_id` (see `message_data`). Typing
indicators are bus-only `chat.typing` events (data `interaction_id`, `sender`, `worker_id`),
never stored. Customer messages are idempotent by
the sender's `client_id`: a resend returns the stored message.

Replies from software plug in through `ChatResponder`: after each new customer message every
registered responder is asked for replies, which are posted as sender `ai`. None is registered
by default, so nothing answers on its own; the flow interpreter and the AI agent runtime register
here (`ChatService.add_responder`). A responder that raises is recorded on the interaction's
event log as `chat.responder_failed` with the reason, and the conversation carries on.
"""

from __future__ import annotations

import functools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from agentfloor.access.model import Principal, Tenant
from agentfloor.core.errors import Conflict, InvalidInput, NotFound, ProblemDetail
from agentfloor.core.events import Event
from agentfloor.crm.identities import normalize_chat_id
from agentfloor.interactions.chat import (
    MAX_TEXT_CHARS,
    ChatMessage,
    ConversationClosed,
    Sender,
    check_client_id,
    check_text,
)
from agentfloor.interactions.model import Channel, Interaction, InteractionEvent
from agentfloor.runtime.chat_visitors import (
    Conversation,
    find_or_open_chat,
    visitor_claims,
    visitor_customer,
)
from agentfloor.runtime.context import Changes, ServiceContext
from agentfloor.runtime.uow import UnitOfWork

__all__ = ["WELCOME_LIMIT", "ChatResponder", "ChatService", "Posted", "message_data"]

WELCOME_LIMIT = 200  # messages in one answer; the rest follow as single messages
# Writers of one interaction in this process take turns (a striped lock); writers in other
# processes collide on the unique seq, and the loser waits a random moment, reads again and
# retries. A writer can lose once to every writer of the other processes (and, as the stripe lock
# is released between attempts, to a local writer too), so attempts are many and backed off.
_ATTEMPTS = 16
_BACKOFF_S = 0.002  # the wait before attempt k is uniform in [0, k * _BACKOFF_S), at most 20 ms
_LOCK_STRIPES = 64

T = TypeVar("T")


class ChatResponder(Protocol):
    """Software that answers customers: the flow interpreter, an AI agent, a test double."""

    def respond(
        self, ctx: ServiceContext, interaction: Interaction, message: ChatMessage
    ) -> list[str]:
        """Return the replies to a new customer message (empty: nothing to say)."""
        ...


@dataclass(frozen=True, slots=True)
class Posted:
    """A posted message, and whether it is new (False: a resend of a stored one)."""

    message: ChatMessage
    is_new: bool


def message_data(message: ChatMessage, interaction: Interaction) -> dict[str, Any]:
    """Return the event data of a message (event log and bus alike).

    `worker_id` is the worker the chat is with (or, before one is assigned, the worker who wrote
    it): the `/v1/events` stream of an agent key bound to a worker shows events with its own
    `worker_id`, so the agent's desk sees its chats. `author_worker_id` is who wrote it.
    """
    return {
        "interaction_id": message.interaction_id,
        "message_id": message.id,
        "seq": message.seq,
        "sender": message.sender.value,
        "text": message.text,
        "client_id": message.client_id,
        "author_worker_id": message.worker_id,
        "worker_id": interaction.worker_id or message.worker_id,
    }


def _split(text: str) -> list[str]:
    """Cut a reply into messages of at most `MAX_TEXT_CHARS` (blank: none)."""
    text = text.strip()
    return [text[i : i + MAX_TEXT_CHARS] for i in range(0, len(text), MAX_TEXT_CHARS)]


def _retry(attempt: Callable[[], T]) -> T:
    for k in range(1, _ATTEMPTS):
        try:
            return attempt()
        except ConversationClosed:
            raise
        except Conflict:
            # A concurrent writer took the seq (or identity); everything is re-read.
            time.sleep(random.uniform(0, min(k * _BACKOFF_S, 0.02)))
    return attempt()


def _require_chat(uow: UnitOfWork, interaction_id: str) -> Interaction:
    interaction = uow.interactions.get(interaction_id)
    if interaction is None:
        raise NotFound("interaction", interaction_id)
    if interaction.channel is not Channel.CHAT:
        raise Conflict(
            f"interaction {interaction_id} is a {interaction.channel.value} interaction; "
            "chat messages belong to chat interactions"
        )
    return interaction


class ChatService:
    """Chat conversations of every tenant, and the responders that answer customers."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._responders: list[ChatResponder] = []
        # One visitor's first hellos from two tabs must not open two interactions.
        self._locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]
        self._writers = [threading.Lock() for _ in range(_LOCK_STRIPES)]

    # --- responders ------------------------------------------------------------------------------

    def add_responder(self, responder: ChatResponder) -> None:
        """Ask `responder` for replies to every new customer message from now on."""
        self._responders = [*self._responders, responder]

    def remove_responder(self, responder: ChatResponder) -> None:
        """Stop asking `responder` (no-op when it is not registered)."""
        self._responders = [r for r in self._responders if r is not responder]

    @property
    def has_responders(self) -> bool:
        """Return True when at least one responder is registered."""
        return bool(self._responders)

    # --- visitors --------------------------------------------------------------------------------

    def tenant_by_slug(self, slug: str) -> Tenant | None:
        """Return the tenant a widget names by slug, or None."""
        with self.ctx.uow(None) as uow:
            return uow.tenants.get_by_slug(slug)

    def open_conversation(
        self,
        tenant_id: str,
        visitor_id: str,
        *,
        last_seq: int = 0,
        interaction_id: str | None = None,
        name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
    ) -> Conversation:
        """Return the visitor's open chat (opened now if needed) with the messages it lacks.

        Args:
            tenant_id: the tenant the widget belongs to.
            visitor_id: the widget's visitor id (1-128 letters, digits, '.', '_', ':', '-').
            last_seq: the last message `seq` the visitor has.
            interaction_id: the chat `last_seq` refers to; when it is another (ended) one, the
                visitor gets the open chat from its first message.
            name: the visitor's name for a new customer.
            email: an e-mail address, in any case (links or creates the customer).
            phone: a phone number in any format (links or creates the customer).

        Raises:
            InvalidInput: a bad visitor id (loc `visitor_id`), e-mail or phone.
        """
        visitor = normalize_chat_id(visitor_id, loc="visitor_id")
        claims = visitor_claims(self.ctx, tenant_id, email=email, phone=phone)
        with self._locks[hash((tenant_id, visitor)) % _LOCK_STRIPES]:
            customer_id = _retry(
                lambda: visitor_customer(self.ctx, tenant_id, visitor, claims, name)
            )
            interaction = find_or_open_chat(self.ctx, tenant_id, visitor, customer_id)
        since = max(last_seq, 0) if interaction_id in (None, interaction.id) else 0
        with self.ctx.uow(tenant_id) as uow:
            messages = uow.chat.after(interaction.id, since, WELCOME_LIMIT)
            last = uow.chat.last_seq(interaction.id)
        return Conversation(interaction, customer_id, since, last, messages)

    # --- messages --------------------------------------------------------------------------------

    def post_customer_message(
        self, tenant_id: str, interaction_id: str, *, client_id: str, text: str
    ) -> Posted:
        """Store a visitor's message once, however often it is sent with the same `client_id`.

        Raises:
            EmptyMessage, MessageTooLong: bad text (nothing stored).
            ConversationClosed: the chat has ended; open a new conversation and send it there.
        """
        text = check_text(text)
        client_id = check_client_id(client_id)
        return _retry(
            lambda: self._post(
                tenant_id, None, interaction_id, Sender.CUSTOMER, text, client_id=client_id
            )
        )

    def post_worker_message(
        self,
        actor: Principal,
        interaction_id: str,
        *,
        text: str,
        worker_id: str | None = None,
        client_id: str | None = None,
    ) -> Posted:
        """Store a worker's message; idempotent by `client_id` when one is given."""
        text = check_text(text)
        if client_id is not None:
            client_id = check_client_id(client_id)
        return _retry(
            lambda: self._post(
                actor.tenant_id,
                actor,
                interaction_id,
                Sender.WORKER,
                text,
                worker_id=worker_id,
                client_id=client_id,
            )
        )

    def post_ai_message(self, tenant_id: str, interaction_id: str, text: str) -> ChatMessage:
        """Store a message from software (a responder, or the AI agent on its own initiative)."""
        text = check_text(text)
        return _retry(lambda: self._post(tenant_id, None, interaction_id, Sender.AI, text)).message

    def post_ai_messages(
        self,
        tenant_id: str,
        interaction_id: str,
        texts: list[str],
        also: Callable[[UnitOfWork, Changes], None] | None = None,
    ) -> list[ChatMessage]:
        """Store several software messages, and whatever `also` writes, in one transaction.

        The AI agent's replies to one message and its session state commit together: one
        commit instead of one per reply, and never replies without the state that produced them.
        A closed chat takes no messages, but `also` still runs.
        """
        parts = [p for text in texts for p in _split(text)]
        return _retry(lambda: self._post_many(tenant_id, interaction_id, parts, also))

    def _post_many(
        self,
        tenant_id: str,
        interaction_id: str,
        texts: list[str],
        also: Callable[[UnitOfWork, Changes], None] | None,
    ) -> list[ChatMessage]:
        with (
            self._writers[hash((tenant_id, interaction_id)) % _LOCK_STRIPES],
            self.ctx.uow(tenant_id) as uow,
        ):
            interaction = _require_chat(uow, interaction_id)
            changes = Changes(self.ctx, uow, None, self.ctx.clock.now())
            posted: list[ChatMessage] = []
            if not interaction.is_final:
                seq = uow.chat.last_seq(interaction_id)
                event_seq = uow.events.last_seq(interaction_id)
                for n, text in enumerate(texts, 1):
                    message = self._append(
                        changes, interaction, Sender.AI, text, seq + n, event_seq + n
                    )
                    posted.append(message)
            if also is not None:
                also(uow, changes)
            changes.commit()
        return posted

    def _post(
        self,
        tenant_id: str,
        actor: Principal | None,
        interaction_id: str,
        sender: Sender,
        text: str,
        *,
        worker_id: str | None = None,
        client_id: str | None = None,
    ) -> Posted:
        with (
            self._writers[hash((tenant_id, interaction_id)) % _LOCK_STRIPES],
            self.ctx.uow(tenant_id) as uow,
        ):
            interaction = _require_chat(uow, interaction_id)
            if client_id is not None:
                stored = uow.chat.by_client_id(interaction_id, client_id)
                if stored is not None:
                    return Posted(stored, is_new=False)
            if interaction.is_final:
                raise ConversationClosed(interaction_id, interaction.state.value)
            if worker_id is not None and uow.workers.get(worker_id) is None:
                raise InvalidInput(
                    f"no worker {worker_id!r}",
                    problems=[ProblemDetail("worker_id", f"no worker {worker_id!r}")],
                )
            changes = Changes(self.ctx, uow, actor, self.ctx.clock.now())
            message = self._append(
                changes,
                interaction,
                sender,
                text,
                uow.chat.last_seq(interaction_id) + 1,
                uow.events.last_seq(interaction_id) + 1,
                worker_id=worker_id,
                client_id=client_id,
            )
            changes.commit()
        return Posted(message, is_new=True)

    def _append(
        self,
        changes: Changes,
        interaction: Interaction,
        sender: Sender,
        text: str,
        seq: int,
        event_seq: int,
        *,
        worker_id: str | None = None,
        client_id: str | None = None,
    ) -> ChatMessage:
        """Write one message as transcript row `seq` and event `event_seq`; queue its bus event."""
        message = ChatMessage(
            id=self.ctx.ids.new("msg"),
            tenant_id=interaction.tenant_id,
            interaction_id=interaction.id,
            seq=seq,
            sender=sender,
            text=text,
            created_at=changes.now,
            worker_id=worker_id,
            client_id=client_id,
        )
        changes.uow.chat.append(message)
        data = message_data(message, interaction)
        # Written by hand rather than `changes.log`: on the bus `seq` is the message's seq.
        changes.uow.events.append(
            InteractionEvent(
                id=self.ctx.ids.new("iev"),
                tenant_id=interaction.tenant_id,
                interaction_id=interaction.id,
                seq=event_seq,
                type="chat.message",
                at=changes.now,
                actor_key_id=changes.actor.key_id if changes.actor else None,
                data=data,
            )
        )
        changes.event("chat.message", interaction.id, data)
        return message

    def messages_after(
        self, tenant_id: str, interaction_id: str, after_seq: int, limit: int = 100
    ) -> list[ChatMessage]:
        """Return up to `limit` messages of a chat after `after_seq`, in order."""
        with self.ctx.uow(tenant_id) as uow:
            if uow.interactions.get(interaction_id) is None:
                raise NotFound("interaction", interaction_id)
            return uow.chat.after(interaction_id, max(after_seq, 0), limit)

    # --- typing ----------------------------------------------------------------------------------

    def visitor_typing(self, tenant_id: str, interaction_id: str) -> None:
        """Tell the worker on a chat that the customer is typing (bus only)."""
        with self.ctx.uow(tenant_id) as uow:
            interaction = _require_chat(uow, interaction_id)
        self._typing(tenant_id, interaction_id, Sender.CUSTOMER, interaction.worker_id)

    def worker_typing(
        self, actor: Principal, interaction_id: str, worker_id: str | None = None
    ) -> None:
        """Tell the visitor that a worker is typing (bus only)."""
        with self.ctx.uow(actor.tenant_id) as uow:
            _require_chat(uow, interaction_id)
        self._typing(actor.tenant_id, interaction_id, Sender.WORKER, worker_id)

    def _typing(
        self, tenant_id: str, interaction_id: str, sender: Sender, worker_id: str | None
    ) -> None:
        self.ctx.bus.publish(
            Event(
                id=self.ctx.ids.new("evt"),
                tenant_id=tenant_id,
                topic="chat.typing",
                at=self.ctx.clock.now(),
                subject_id=interaction_id,
                data={
                    "interaction_id": interaction_id,
                    "sender": sender.value,
                    "worker_id": worker_id,
                },
            )
        )

    # --- responders at work ----------------------------------------------------------------------

    def respond(self, tenant_id: str, message: ChatMessage) -> list[ChatMessage]:
        """Ask every responder for replies to a customer message and post them as `ai`."""
        responders = self._responders
        if not responders:
            return []
        with self.ctx.uow(tenant_id) as uow:
            interaction = _require_chat(uow, message.interaction_id)
        posted: list[ChatMessage] = []
        for responder in responders:
            try:
                for reply in responder.respond(self.ctx, interaction, message):
                    for part in _split(reply):
                        posted.append(self.post_ai_message(tenant_id, interaction.id, part))
            except Exception as exc:  # any responder bug: recorded with its reason, chat goes on
                reason = f"{type(exc).__name__}: {exc}"[:1000]
                failed = functools.partial(
                    self._record_failure, interaction, type(responder).__name__, message, reason
                )
                _retry(failed)
        return posted

    def _record_failure(
        self, interaction: Interaction, responder: str, message: ChatMessage, reason: str
    ) -> None:
        with self.ctx.uow(interaction.tenant_id) as uow:
            changes = Changes(self.ctx, uow, None, self.ctx.clock.now())
            changes.log(
                interaction,
                "chat.responder_failed",
                {
                    "responder": responder,
                    "message_seq": message.seq,
                    "reason": reason,
                },
            )
            changes.commit()
