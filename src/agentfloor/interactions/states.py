"""The interaction state machine.

Happy path: created -> in_flow -> queued -> offered -> connected -> wrap_up -> completed.
Also: in_flow -> completed (resolved in the flow, e.g. by the AI); created -> queued or connected
(no flow, outbound); offered -> queued (offer rejected or timed out); connected -> queued
(transfer); connected -> completed (no wrap-up); created/in_flow/queued/offered -> abandoned;
any non-final state -> failed.
`completed`, `abandoned` and `failed` are final.
"""

from __future__ import annotations

from enum import StrEnum

from agentfloor.core.errors import Conflict

__all__ = [
    "FINAL_STATES",
    "TRANSITIONS",
    "IllegalTransition",
    "InteractionState",
    "check_transition",
]


class InteractionState(StrEnum):
    """Where an interaction is in its life."""

    CREATED = "created"
    IN_FLOW = "in_flow"
    QUEUED = "queued"
    OFFERED = "offered"
    CONNECTED = "connected"
    WRAP_UP = "wrap_up"
    COMPLETED = "completed"
    ABANDONED = "abandoned"
    FAILED = "failed"


S = InteractionState

TRANSITIONS: dict[InteractionState, frozenset[InteractionState]] = {
    S.CREATED: frozenset({S.IN_FLOW, S.QUEUED, S.CONNECTED, S.ABANDONED, S.FAILED}),
    S.IN_FLOW: frozenset({S.QUEUED, S.COMPLETED, S.ABANDONED, S.FAILED}),
    S.QUEUED: frozenset({S.OFFERED, S.ABANDONED, S.FAILED}),
    S.OFFERED: frozenset({S.CONNECTED, S.QUEUED, S.ABANDONED, S.FAILED}),
    S.CONNECTED: frozenset({S.WRAP_UP, S.QUEUED, S.COMPLETED, S.FAILED}),
    S.WRAP_UP: frozenset({S.COMPLETED, S.FAILED}),
    S.COMPLETED: frozenset(),
    S.ABANDONED: frozenset(),
    S.FAILED: frozenset(),
}

FINAL_STATES = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)


class IllegalTransition(Conflict):
    """The interaction cannot move from its current state to the one asked for."""

    def __init__(self, interaction_id: str, current: InteractionState, wanted: str) -> None:
        allowed = sorted(TRANSITIONS[current])
        hint = (
            f"from {current.value} it can move to: {', '.join(allowed)}"
            if allowed
            else f"{current.value} is final; start a new interaction instead"
        )
        super().__init__(
            f"interaction {interaction_id} cannot go from {current.value} to {wanted}; {hint}",
            extra={"current": current.value, "wanted": wanted, "allowed": allowed},
        )
        self.current = current
        self.wanted = wanted


def check_transition(
    interaction_id: str, current: InteractionState, wanted: InteractionState
) -> None:
    """Raise `IllegalTransition` unless `current -> wanted` is allowed."""
    if wanted not in TRANSITIONS[current]:
        raise IllegalTransition(interaction_id, current, wanted.value)
