"""Interactions, their append-only event log, and disposition codes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agentfloor.interactions.states import FINAL_STATES, InteractionState, check_transition

__all__ = [
    "Channel",
    "Direction",
    "Disposition",
    "Interaction",
    "InteractionEvent",
    "transition",
]


class Channel(StrEnum):
    """The medium of an interaction."""

    VOICE = "voice"
    CHAT = "chat"
    EMAIL = "email"
    SMS = "sms"


class Direction(StrEnum):
    """Who started the contact."""

    INBOUND = "in"
    OUTBOUND = "out"


@dataclass(frozen=True, slots=True)
class Interaction:
    """One contact with a customer on one channel.

    `reason` is the contact reason (set by the flow, the AI or the worker); first-contact
    resolution compares it across a customer's interactions.
    """

    id: str
    tenant_id: str
    channel: Channel
    direction: Direction
    state: InteractionState
    created_at: float
    updated_at: float
    customer_id: str | None = None
    queue_id: str | None = None
    worker_id: str | None = None
    reason: str | None = None
    disposition_code: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    ended_at: float | None = None

    @property
    def is_final(self) -> bool:
        """Return True once the interaction can change state no more."""
        return self.state in FINAL_STATES


@dataclass(frozen=True, slots=True)
class InteractionEvent:
    """One thing that happened to an interaction; the log is append-only.

    `seq` numbers the events of one interaction from 1, so the log can be replayed in order and
    KPIs computed from it. `type` is the event topic (`interaction.state_changed`, ...).
    """

    id: str
    tenant_id: str
    interaction_id: str
    seq: int
    type: str
    at: float
    actor_key_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Disposition:
    """An outcome code a worker sets when wrapping up (`resolved`, `callback`, `sale`...)."""

    id: str
    tenant_id: str
    code: str
    label: str
    created_at: float
    active: bool = True
    description: str = ""


def transition(interaction: Interaction, wanted: InteractionState, now: float) -> Interaction:
    """Return the interaction moved to `wanted`, or raise `IllegalTransition`."""
    check_transition(interaction.id, interaction.state, wanted)
    ended = now if wanted in FINAL_STATES else None
    return dataclasses.replace(interaction, state=wanted, updated_at=now, ended_at=ended)
