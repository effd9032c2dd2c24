"""Ports the interactions package needs from storage (tenant-scoped by the unit of work)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from agentfloor.core.pagination import Page
from agentfloor.interactions.model import Disposition, Interaction, InteractionEvent

__all__ = ["DispositionRepository", "InteractionEventLog", "InteractionRepository"]


class InteractionRepository(Protocol):
    """Interactions of the unit of work's tenant."""

    def add(self, interaction: Interaction) -> None:
        """Store a new interaction."""
        ...

    def get(self, interaction_id: str) -> Interaction | None:
        """Return the interaction or None."""
        ...

    def save(self, interaction: Interaction) -> None:
        """Update an interaction."""
        ...

    def page(
        self,
        *,
        customer_id: str | None = None,
        channel: str | None = None,
        state: str | None = None,
        queue_id: str | None = None,
        worker_id: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Interaction]:
        """Return interactions by id (oldest first), filtered, one page at a time."""
        ...

    def ids_of_customer(self, customer_id: str) -> list[str]:
        """Return the ids of all a customer's interactions (merge)."""
        ...

    def move(self, interaction_ids: Iterable[str], customer_id: str) -> None:
        """Re-point interactions to another customer (merge and its undo)."""
        ...


class InteractionEventLog(Protocol):
    """The append-only event log. There is no update and no delete, on purpose."""

    def append(self, event: InteractionEvent) -> None:
        """Append one event; `Conflict` if (interaction, seq) exists already."""
        ...

    def of_interaction(self, interaction_id: str) -> list[InteractionEvent]:
        """Return an interaction's events in `seq` order."""
        ...

    def last_seq(self, interaction_id: str) -> int:
        """Return the highest `seq` of the interaction, 0 when it has none."""
        ...


class DispositionRepository(Protocol):
    """Disposition codes of the unit of work's tenant."""

    def add(self, disposition: Disposition) -> None:
        """Store a new code; `Conflict` if the code exists."""
        ...

    def get(self, disposition_id: str) -> Disposition | None:
        """Return the disposition or None."""
        ...

    def get_by_code(self, code: str) -> Disposition | None:
        """Return the disposition with this code or None."""
        ...

    def save(self, disposition: Disposition) -> None:
        """Update a disposition; `Conflict` if the new code clashes."""
        ...

    def delete(self, disposition_id: str) -> None:
        """Delete a disposition."""
        ...

    def page(self, *, after: str | None = None, limit: int = 50) -> Page[Disposition]:
        """Return dispositions by id, one page at a time."""
        ...
