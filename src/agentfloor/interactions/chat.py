"""Chat messages: the transcript of a chat interaction, its input rules, and the port storing it.

Messages of one interaction are numbered by `seq` from 1 with no gaps; a client that remembers
the last `seq` it saw can ask for everything after it, which is what makes resume-after-reconnect
lose nothing. A customer message carries the sender's own idempotency id (`client_id`), so a
message re-sent after a dropped connection is recognised and never stored twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from agentfloor.core.errors import Conflict, InvalidInput, ProblemDetail

__all__ = [
    "MAX_CLIENT_ID_CHARS",
    "MAX_TEXT_CHARS",
    "ChatMessage",
    "ChatMessageLog",
    "ConversationClosed",
    "EmptyMessage",
    "MessageTooLong",
    "Sender",
    "check_client_id",
    "check_text",
]

MAX_TEXT_CHARS = 4000
MAX_CLIENT_ID_CHARS = 64
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:\-]+$")


class Sender(StrEnum):
    """Who wrote a chat message."""

    CUSTOMER = "customer"
    WORKER = "worker"
    AI = "ai"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of a chat interaction.

    `worker_id` is set for messages a worker wrote; `client_id` is the sender's idempotency id
    (unique within the interaction when set).
    """

    id: str
    tenant_id: str
    interaction_id: str
    seq: int
    sender: Sender
    text: str
    created_at: float
    worker_id: str | None = None
    client_id: str | None = None


class ConversationClosed(Conflict):
    """The chat interaction has ended (completed, abandoned or failed): no more messages."""

    def __init__(self, interaction_id: str, state: str) -> None:
        super().__init__(
            f"chat {interaction_id} is {state}; the conversation is closed, so a new message "
            "starts a new chat",
            extra={"interaction_id": interaction_id, "state": state},
        )
        self.interaction_id = interaction_id
        self.state = state


class EmptyMessage(InvalidInput):
    """The message has no visible character."""

    def __init__(self, loc: str) -> None:
        super().__init__(
            "the message is empty; type something to send",
            problems=[ProblemDetail(loc, "must contain at least one visible character")],
        )


class MessageTooLong(InvalidInput):
    """The message is longer than `MAX_TEXT_CHARS`."""

    def __init__(self, loc: str, chars: int) -> None:
        super().__init__(
            f"the message has {chars} characters; the limit is {MAX_TEXT_CHARS}, so split it "
            "into shorter messages",
            problems=[ProblemDetail(loc, f"at most {MAX_TEXT_CHARS} characters")],
            extra={"chars": chars, "max_chars": MAX_TEXT_CHARS},
        )
        self.chars = chars


def check_text(text: str, *, loc: str = "text") -> str:
    """Return the message text without surrounding white space.

    Raises:
        EmptyMessage: the text is empty or only white space.
        MessageTooLong: the text is longer than `MAX_TEXT_CHARS` characters.
    """
    stripped = text.strip()
    if not stripped:
        raise EmptyMessage(loc)
    if len(stripped) > MAX_TEXT_CHARS:
        raise MessageTooLong(loc, len(stripped))
    return stripped


def check_client_id(client_id: str, *, loc: str = "client_id") -> str:
    """Return `client_id` if it is 1-64 letters, digits, '.', '_', ':' or '-'."""
    if not (0 < len(client_id) <= MAX_CLIENT_ID_CHARS and _CLIENT_ID.match(client_id)):
        raise InvalidInput(
            f"client_id {client_id[:80]!r} must be 1-{MAX_CLIENT_ID_CHARS} letters, digits, "
            "'.', '_', ':' or '-' (a UUID works)",
            problems=[ProblemDetail(loc, "use a UUID or a similar unique id per message")],
        )
    return client_id


class ChatMessageLog(Protocol):
    """Chat messages of the unit of work's tenant; append-only, like the interaction event log."""

    def append(self, message: ChatMessage) -> None:
        """Append one message; `Conflict` if its (interaction, seq) or client_id exists."""
        ...

    def after(self, interaction_id: str, seq: int, limit: int = 100) -> list[ChatMessage]:
        """Return up to `limit` messages of the interaction with a `seq` above `seq`, in order."""
        ...

    def by_client_id(self, interaction_id: str, client_id: str) -> ChatMessage | None:
        """Return the interaction's message with this client id, or None."""
        ...

    def last_seq(self, interaction_id: str) -> int:
        """Return the highest `seq` of the interaction's messages, 0 when it has none."""
        ...
