"""Interactions, their append-only event log, and disposition codes in SQL."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert, select, update

from agentfloor.adapters.storage.base import TenantScoped, keyset_page
from agentfloor.adapters.storage.crm_repos import _chunks
from agentfloor.adapters.storage.tables import DispositionRow, InteractionEventRow, InteractionRow
from agentfloor.core.pagination import Page
from agentfloor.interactions.model import (
    Channel,
    Direction,
    Disposition,
    Interaction,
    InteractionEvent,
)
from agentfloor.interactions.states import InteractionState

__all__ = ["SqlDispositionRepository", "SqlInteractionEventLog", "SqlInteractionRepository"]

_INSERT = insert(InteractionEventRow)  # built once; parameters go with each execute


def _interaction(row: InteractionRow) -> Interaction:
    return Interaction(
        id=row.id,
        tenant_id=row.tenant_id,
        channel=Channel(row.channel),
        direction=Direction(row.direction),
        state=InteractionState(row.state),
        created_at=row.created_at,
        updated_at=row.updated_at,
        customer_id=row.customer_id,
        queue_id=row.queue_id,
        worker_id=row.worker_id,
        reason=row.reason,
        disposition_code=row.disposition_code,
        attributes=dict(row.attributes or {}),
        ended_at=row.ended_at,
    )


def _values(i: Interaction) -> dict[str, object]:
    return {
        "channel": i.channel.value,
        "direction": i.direction.value,
        "state": i.state.value,
        "customer_id": i.customer_id,
        "queue_id": i.queue_id,
        "worker_id": i.worker_id,
        "reason": i.reason,
        "disposition_code": i.disposition_code,
        "attributes": i.attributes,
        "created_at": i.created_at,
        "updated_at": i.updated_at,
        "ended_at": i.ended_at,
    }


class SqlInteractionRepository(TenantScoped):
    """Interactions of one tenant."""

    def add(self, interaction: Interaction) -> None:
        """Store a new interaction."""
        self._session.add(
            InteractionRow(id=interaction.id, tenant_id=self.tenant_id, **_values(interaction))
        )

    def get(self, interaction_id: str) -> Interaction | None:
        """Return the interaction or None."""
        row = self._session.get(InteractionRow, interaction_id)
        return _interaction(row) if self._owned(row) else None

    def save(self, interaction: Interaction) -> None:
        """Update an interaction."""
        self._session.execute(
            update(InteractionRow)
            .where(InteractionRow.tenant_id == self.tenant_id, InteractionRow.id == interaction.id)
            .values(**_values(interaction))
        )

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
        """Return interactions oldest first, filtered, one page at a time."""
        query = select(InteractionRow).where(InteractionRow.tenant_id == self.tenant_id)
        filters = {
            InteractionRow.customer_id: customer_id,
            InteractionRow.channel: channel,
            InteractionRow.state: state,
            InteractionRow.queue_id: queue_id,
            InteractionRow.worker_id: worker_id,
        }
        for column, value in filters.items():
            if value is not None:
                query = query.where(column == value)
        return keyset_page(
            self._session, query, InteractionRow.id, _interaction, after=after, limit=limit
        )

    def ids_of_customer(self, customer_id: str) -> list[str]:
        """Return the ids of all a customer's interactions."""
        return list(
            self._session.scalars(
                select(InteractionRow.id)
                .where(
                    InteractionRow.tenant_id == self.tenant_id,
                    InteractionRow.customer_id == customer_id,
                )
                .order_by(InteractionRow.id)
            )
        )

    def move(self, interaction_ids: Iterable[str], customer_id: str) -> None:
        """Re-point interactions to another customer."""
        for chunk in _chunks(interaction_ids):
            self._session.execute(
                update(InteractionRow)
                .where(InteractionRow.tenant_id == self.tenant_id, InteractionRow.id.in_(chunk))
                .values(customer_id=customer_id)
            )


def _event(row: InteractionEventRow) -> InteractionEvent:
    return InteractionEvent(
        id=row.id,
        tenant_id=row.tenant_id,
        interaction_id=row.interaction_id,
        seq=row.seq,
        type=row.type,
        at=row.at,
        actor_key_id=row.actor_key_id,
        data=dict(row.data or {}),
    )


class SqlInteractionEventLog(TenantScoped):
    """The append-only interaction event log: no update, no delete."""

    def append(self, event: InteractionEvent) -> None:
        """Append one event; a duplicate (interaction, seq) fails with `Conflict`."""
        # A Core insert, not `session.add` + flush: every change of an interaction logs here, and
        # the unique (interaction, seq), what serialises two concurrent writers, fails it at once.
        self._session.execute(
            _INSERT,
            {
                "id": event.id,
                "tenant_id": self.tenant_id,
                "interaction_id": event.interaction_id,
                "seq": event.seq,
                "type": event.type,
                "at": event.at,
                "actor_key_id": event.actor_key_id,
                "data": event.data,
            },
        )

    def of_interaction(self, interaction_id: str) -> list[InteractionEvent]:
        """Return an interaction's events in `seq` order."""
        rows = self._session.scalars(
            select(InteractionEventRow)
            .where(
                InteractionEventRow.tenant_id == self.tenant_id,
                InteractionEventRow.interaction_id == interaction_id,
            )
            .order_by(InteractionEventRow.seq)
        ).all()
        return [_event(r) for r in rows]

    def last_seq(self, interaction_id: str) -> int:
        """Return the highest `seq` of the interaction, 0 when it has none."""
        value = self._session.scalar(
            select(func.max(InteractionEventRow.seq)).where(
                InteractionEventRow.tenant_id == self.tenant_id,
                InteractionEventRow.interaction_id == interaction_id,
            )
        )
        return int(value or 0)


def _disposition(row: DispositionRow) -> Disposition:
    return Disposition(
        id=row.id,
        tenant_id=row.tenant_id,
        code=row.code,
        label=row.label,
        created_at=row.created_at,
        active=row.active,
        description=row.description,
    )


class SqlDispositionRepository(TenantScoped):
    """Disposition codes of one tenant."""

    def add(self, disposition: Disposition) -> None:
        """Store a new code."""
        self._session.add(
            DispositionRow(
                id=disposition.id,
                tenant_id=self.tenant_id,
                code=disposition.code,
                label=disposition.label,
                description=disposition.description,
                active=disposition.active,
                created_at=disposition.created_at,
            )
        )

    def get(self, disposition_id: str) -> Disposition | None:
        """Return the disposition or None."""
        row = self._session.get(DispositionRow, disposition_id)
        return _disposition(row) if self._owned(row) else None

    def get_by_code(self, code: str) -> Disposition | None:
        """Return the disposition with this code or None."""
        row = self._session.scalars(
            select(DispositionRow).where(
                DispositionRow.tenant_id == self.tenant_id, DispositionRow.code == code
            )
        ).first()
        return _disposition(row) if row else None

    def save(self, disposition: Disposition) -> None:
        """Update a disposition."""
        self._session.execute(
            update(DispositionRow)
            .where(DispositionRow.tenant_id == self.tenant_id, DispositionRow.id == disposition.id)
            .values(
                code=disposition.code,
                label=disposition.label,
                description=disposition.description,
                active=disposition.active,
            )
        )

    def delete(self, disposition_id: str) -> None:
        """Delete a disposition."""
        self._session.execute(
            delete(DispositionRow).where(
                DispositionRow.tenant_id == self.tenant_id, DispositionRow.id == disposition_id
            )
        )

    def page(self, *, after: str | None = None, limit: int = 50) -> Page[Disposition]:
        """Return dispositions by id, one page at a time."""
        query = select(DispositionRow).where(DispositionRow.tenant_id == self.tenant_id)
        return keyset_page(
            self._session, query, DispositionRow.id, _disposition, after=after, limit=limit
        )
