"""Interactions: one contact on one channel, its state machine, event log and dispositions."""

from __future__ import annotations

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
    "TRANSITIONS",
    "Channel",
    "Direction",
    "Disposition",
    "DispositionRepository",
    "IllegalTransition",
    "Interaction",
    "InteractionEvent",
    "InteractionEventLog",
    "InteractionRepository",
    "InteractionState",
    "check_transition",
    "transition",
]
