"""The unit of work: one transaction over every repository, scoped to one tenant.

Declared here as a Protocol; `agentfloor.adapters.storage.SqlUnitOfWork` implements it
structurally. A unit of work opened for a tenant can only see that tenant's rows, which is what
makes "a key of tenant A gets 404 for every object of tenant B" hold by construction.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from agentfloor.access.ports import ApiKeyRepository, AuditLog, TenantRepository
from agentfloor.agents.ports import (
    AiSessionStore,
    AppointmentStore,
    AssistantSettingsStore,
    IntentModelStore,
    OrderStore,
)
from agentfloor.analytics.ports import AnalyticsLog
from agentfloor.crm.ports import CustomerRepository, MergeRepository, NoteRepository
from agentfloor.flows.ports import FlowVersionStore
from agentfloor.interactions.chat import ChatMessageLog
from agentfloor.interactions.ports import (
    DispositionRepository,
    InteractionEventLog,
    InteractionRepository,
)
from agentfloor.routing.ports import (
    QueueRepository,
    ReservationRepository,
    RoutingConfigRepository,
    RoutingEventLog,
    TaskRepository,
    WorkerRepository,
    WorkflowRepository,
)
from agentfloor.voice.stream_tokens import StreamTokenStore

__all__ = ["UnitOfWork", "UnitOfWorkFactory"]


class UnitOfWork(Protocol):
    """Repositories sharing one transaction. Leaving the `with` block without commit rolls back."""

    tenant_id: str | None
    tenants: TenantRepository
    api_keys: ApiKeyRepository
    audit: AuditLog
    customers: CustomerRepository
    notes: NoteRepository
    merges: MergeRepository
    interactions: InteractionRepository
    events: InteractionEventLog
    dispositions: DispositionRepository
    workers: WorkerRepository
    queues: QueueRepository
    tasks: TaskRepository
    reservations: ReservationRepository
    workflows: WorkflowRepository
    routing_config: RoutingConfigRepository
    routing_events: RoutingEventLog
    flows: FlowVersionStore
    chat: ChatMessageLog
    intent_models: IntentModelStore
    assistant: AssistantSettingsStore
    ai_sessions: AiSessionStore
    appointments: AppointmentStore
    orders: OrderStore
    analytics: AnalyticsLog
    stream_tokens: StreamTokenStore

    def __enter__(self) -> Self:
        """Begin the transaction."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed, and release the connection."""
        ...

    def commit(self) -> None:
        """Make every change so far durable."""
        ...

    def rollback(self) -> None:
        """Discard every change since the last commit."""
        ...


class UnitOfWorkFactory(Protocol):
    """Opens units of work. `tenant_id=None` opens a platform one (tenants and key lookup only)."""

    def __call__(self, tenant_id: str | None) -> UnitOfWork:
        """Return a new, not yet entered, unit of work."""
        ...
