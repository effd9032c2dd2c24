"""Core: ids, clocks, the error tree and the event envelope every layer shares."""

from __future__ import annotations

from agentfloor.core.clock import Clock, SystemClock, VirtualClock
from agentfloor.core.errors import (
    AgentfloorError,
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    ProblemDetail,
    Unauthenticated,
    Unavailable,
)
from agentfloor.core.events import Event, EventBus, Subscription, topic_matches
from agentfloor.core.ids import IdFactory, RandomIdFactory, UlidFactory, new_secret

__all__ = [
    "AgentfloorError",
    "Clock",
    "Conflict",
    "Event",
    "EventBus",
    "IdFactory",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "ProblemDetail",
    "RandomIdFactory",
    "Subscription",
    "SystemClock",
    "UlidFactory",
    "Unauthenticated",
    "Unavailable",
    "VirtualClock",
    "new_secret",
    "topic_matches",
]
