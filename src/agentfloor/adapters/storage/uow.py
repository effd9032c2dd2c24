"""The SQL unit of work: one session and transaction over every repository, for one tenant.

Database errors leave as domain errors: a broken unique rule (a duplicate slug, identity, code,
queue name) becomes `Conflict` naming the rule, and a database that cannot be reached or stays
locked becomes `Unavailable` (503, retry later), wherever in the block the write was flushed.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import InterfaceError as SqlInterfaceError
from sqlalchemy.orm import Session, sessionmaker

from agentfloor.access.ports import ApiKeyRepository, AuditLog, TenantRepository
from agentfloor.adapters.storage.access_repos import (
    SqlApiKeyRepository,
    SqlAuditLog,
    SqlTenantRepository,
)
from agentfloor.adapters.storage.analytics_repos import SqlAnalyticsLog
from agentfloor.adapters.storage.assistant_repos import (
    SqlAiSessionStore,
    SqlAppointmentStore,
    SqlAssistantSettingsStore,
    SqlIntentModelStore,
    SqlOrderStore,
)
from agentfloor.adapters.storage.base import conflict_from
from agentfloor.adapters.storage.chat_repos import SqlChatMessageLog
from agentfloor.adapters.storage.crm_repos import (
    SqlCustomerRepository,
    SqlMergeRepository,
    SqlNoteRepository,
)
from agentfloor.adapters.storage.flow_repos import SqlFlowVersionStore
from agentfloor.adapters.storage.interaction_repos import (
    SqlDispositionRepository,
    SqlInteractionEventLog,
    SqlInteractionRepository,
)
from agentfloor.adapters.storage.routing_repos import (
    SqlQueueRepository,
    SqlTaskRepository,
    SqlWorkerRepository,
)
from agentfloor.adapters.storage.routing_state_repos import (
    SqlReservationRepository,
    SqlRoutingConfigRepository,
    SqlRoutingEventLog,
    SqlWorkflowRepository,
)
from agentfloor.adapters.storage.voice_repos import SqlStreamTokenStore
from agentfloor.agents.ports import (
    AiSessionStore,
    AppointmentStore,
    AssistantSettingsStore,
    IntentModelStore,
    OrderStore,
)
from agentfloor.analytics.ports import AnalyticsLog
from agentfloor.core.errors import AgentfloorError, Unavailable
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

__all__ = ["SqlUnitOfWork", "SqlUnitOfWorkFactory"]


def translate(exc: BaseException) -> AgentfloorError | None:
    """Return the domain error for a database error, or None when it is not one we map."""
    if isinstance(exc, IntegrityError):
        return conflict_from(exc)
    if isinstance(exc, OperationalError | SqlInterfaceError):
        first = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        return Unavailable(f"the database is unavailable or busy ({first}); retry shortly")
    return None


class SqlUnitOfWork:
    """Repositories sharing one SQLAlchemy session; leaving without `commit()` rolls back."""

    # Declared as the domain's ports, so this class satisfies `runtime.uow.UnitOfWork`.
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

    def __init__(self, sessions: sessionmaker[Session], tenant_id: str | None) -> None:
        self._sessions = sessions
        self.tenant_id = tenant_id
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        """The open session (only inside the `with` block)."""
        if self._session is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        return self._session

    def __enter__(self) -> Self:
        session = self._sessions()
        self._session = session
        tid = self.tenant_id
        self.tenants = SqlTenantRepository(session)
        self.api_keys = SqlApiKeyRepository(session)
        self.audit = SqlAuditLog(session, tid)
        self.customers = SqlCustomerRepository(session, tid)
        self.notes = SqlNoteRepository(session, tid)
        self.merges = SqlMergeRepository(session, tid)
        self.interactions = SqlInteractionRepository(session, tid)
        self.events = SqlInteractionEventLog(session, tid)
        self.dispositions = SqlDispositionRepository(session, tid)
        self.workers = SqlWorkerRepository(session, tid)
        self.queues = SqlQueueRepository(session, tid)
        self.tasks = SqlTaskRepository(session, tid)
        self.reservations = SqlReservationRepository(session, tid)
        self.workflows = SqlWorkflowRepository(session, tid)
        self.routing_config = SqlRoutingConfigRepository(session, tid)
        self.routing_events = SqlRoutingEventLog(session, tid)
        self.flows = SqlFlowVersionStore(session, tid)
        self.chat = SqlChatMessageLog(session, tid)
        self.intent_models = SqlIntentModelStore(session, tid)
        self.assistant = SqlAssistantSettingsStore(session, tid)
        self.ai_sessions = SqlAiSessionStore(session, tid)
        self.appointments = SqlAppointmentStore(session, tid)
        self.orders = SqlOrderStore(session, tid)
        self.analytics = SqlAnalyticsLog(session, tid)
        self.stream_tokens = SqlStreamTokenStore(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is not None:
            try:
                session.rollback()
            finally:
                session.close()
        mapped = translate(exc) if exc is not None else None
        if mapped is not None:
            raise mapped from exc

    def commit(self) -> None:
        """Make every change so far durable (fsynced on SQLite before this returns)."""
        try:
            self.session.commit()
        except (IntegrityError, OperationalError, SqlInterfaceError) as exc:
            self.session.rollback()
            mapped = translate(exc)
            assert mapped is not None
            raise mapped from exc

    def rollback(self) -> None:
        """Discard every change since the last commit."""
        self.session.rollback()


class SqlUnitOfWorkFactory:
    """Opens `SqlUnitOfWork`s on one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def __call__(self, tenant_id: str | None) -> SqlUnitOfWork:
        """Return a new unit of work for `tenant_id` (None: platform scope)."""
        return SqlUnitOfWork(self._sessions, tenant_id)
