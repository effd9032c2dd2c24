"""Interactions: one contact on one channel, its state machine, event log and dispositions.

Chat interactions also keep their transcript as numbered messages (`chat`).
"""

from __future__ import annotations

from agentfloor.interactions.chat import (
    MAX_TEXT_CHARS,
    ChatMessage,
    ChatMessageLog,
    ConversationClosed,
    EmptyMessage,
    MessageTooLong,
    Sender,
    check_client_id,
    check_text,
)
from agentfloor.interactions.model import (
    Channel,
    Direction,
    Disposition,
    Interaction,
    InteractionEvent,
    transition,
)
from agentfloor.interactions.ports import (
    DispositionRepository,
    InteractionEventLog,
    InteractionRepository,
)
from agentfloor.interactions.states import (
    FINAL_STATES,
    TRANSITIONS,
    IllegalTransition,
    InteractionState,
    check_transition,
)

__all__ = [
    "FINAL_STATES",
    "MAX_TEXT_CHARS",
    "TRANSITIONS",
    "Channel",
    "ChatMessage",
    "ChatMessageLog",
    "ConversationClosed",
    "Direction",
    "Disposition",
    "DispositionRepository",
    "EmptyMessage",
    "IllegalTransition",
    "Interaction",
    "InteractionEvent",
    "InteractionEventLog",
    "InteractionRepository",
    "InteractionState",
    "MessageTooLong",
    "Sender",
    "check_client_id",
    "check_text",
    "check_transition",
    "transition",
]
