"""The database schema as SQLAlchemy 2.0 typed mappings; every tenant-owned row has `tenant_id`.

Times are stored as epoch seconds in double precision (the domain's unit), so records round-trip
exactly on SQLite and PostgreSQL alike; the API turns them into ISO 8601 UTC. JSON documents use
JSONB on PostgreSQL and JSON text on SQLite. The few `relationship()`s are never loaded
(`lazy="raise"`): they only tell the unit of work to insert a parent before the child that refers
to it when both are flushed together. The Alembic migrations in `migrations/versions` create
exactly this schema; a test compares the two on both databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "AiSessionRow",
    "ApiKeyRow",
    "AppointmentRow",
    "AssistantSettingsRow",
    "AuditRow",
    "Base",
    "ChatMessageRow",
    "CustomerRow",
    "DispositionRow",
    "FlowVersionRow",
    "IdentityRow",
    "IntentModelRow",
    "InteractionEventRow",
    "InteractionRow",
    "MergeRow",
    "NoteRow",
    "OrderRow",
    "QueueRow",
    "ReservationRow",
    "RoutingConfigRow",
    "RoutingEventRow",
    "TaskRow",
    "TenantRow",
    "WorkerRow",
    "WorkflowRow",
]

# Named constraints, so migrations are stable and a violated one can be told apart by name.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Json = JSON().with_variant(JSONB(), "postgresql")
Id = String(40)


class Base(DeclarativeBase):
    """Declarative base holding the shared metadata."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        dict[str, Any]: Json,
        list[str]: Json,
        list[Any]: Json,
        float: Float(precision=53),
    }


def _tenant() -> Mapped[str]:
    return mapped_column(Id, ForeignKey("tenants.id"), nullable=False)


class TenantRow(Base):
    """One customer organisation."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    default_region: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float]


class ApiKeyRow(Base):
    """An API key: the SHA-256 of the secret, never the secret."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float]
    revoked_at: Mapped[float | None]
    worker_id: Mapped[str | None] = mapped_column(Id)

    __table_args__ = (Index(None, "tenant_id", "id"),)


class AuditRow(Base):
    """One change: who did what to which resource, with before and after."""

    __tablename__ = "audit_log"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    at: Mapped[float]
    actor_key_id: Mapped[str | None] = mapped_column(Id)
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(80))
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str] = mapped_column(Id)
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    data: Mapped[dict[str, Any]]

    __table_args__ = (
        Index(None, "tenant_id", "resource_type", "resource_id"),
        Index(None, "tenant_id", "action"),
    )


class CustomerRow(Base):
    """A person the tenant serves."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    name: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(200))
    attributes: Mapped[dict[str, Any]]
    merged_into: Mapped[str | None] = mapped_column(Id)
    created_at: Mapped[float]
    updated_at: Mapped[float]

    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id"),
        Index(None, "tenant_id", "id"),
    )


class IdentityRow(Base):
    """A phone, e-mail or chat id in normal form; unique per tenant and kind."""

    __tablename__ = "identities"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    customer_id: Mapped[str] = mapped_column(Id, ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[float]
    customer: Mapped[CustomerRow] = relationship(lazy="raise")

    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "value"),
        Index(None, "customer_id"),
    )


class NoteRow(Base):
    """Free text about a customer, optionally on an interaction."""

    __tablename__ = "notes"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    customer_id: Mapped[str] = mapped_column(Id, ForeignKey("customers.id"))
    interaction_id: Mapped[str | None] = mapped_column(Id)
    body: Mapped[str] = mapped_column(String(20_000))
    author_key_id: Mapped[str | None] = mapped_column(Id)
    created_at: Mapped[float]
    customer: Mapped[CustomerRow] = relationship(lazy="raise")

    __table_args__ = (
        Index(None, "tenant_id", "customer_id", "created_at"),
        Index(None, "tenant_id", "interaction_id"),
    )


class MergeRow(Base):
    """What a merge moved, so that it can be undone exactly."""

    __tablename__ = "merges"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    target_id: Mapped[str] = mapped_column(Id, ForeignKey("customers.id"))
    source_id: Mapped[str] = mapped_column(Id, ForeignKey("customers.id"))
    at: Mapped[float]
    identity_ids: Mapped[list[str]]
    interaction_ids: Mapped[list[str]]
    note_ids: Mapped[list[str]]
    reverted_at: Mapped[float | None]
    target: Mapped[CustomerRow] = relationship(foreign_keys=[target_id], lazy="raise")
    source: Mapped[CustomerRow] = relationship(foreign_keys=[source_id], lazy="raise")


class InteractionRow(Base):
    """One contact on one channel."""

    __tablename__ = "interactions"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    channel: Mapped[str] = mapped_column(String(10))
    direction: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str | None] = mapped_column(Id, ForeignKey("customers.id"))
    queue_id: Mapped[str | None] = mapped_column(Id)
    worker_id: Mapped[str | None] = mapped_column(Id)
    reason: Mapped[str | None] = mapped_column(String(200))
    disposition_code: Mapped[str | None] = mapped_column(String(64))
    attributes: Mapped[dict[str, Any]]
    created_at: Mapped[float]
    updated_at: Mapped[float]
    ended_at: Mapped[float | None]
    customer: Mapped[CustomerRow | None] = relationship(lazy="raise")

    __table_args__ = (
        Index(None, "tenant_id", "customer_id", "created_at"),
        Index(None, "tenant_id", "state"),
        Index(None, "tenant_id", "queue_id"),
        Index(None, "tenant_id", "worker_id"),
    )


class InteractionEventRow(Base):
    """One entry of an interaction's append-only event log."""

    __tablename__ = "interaction_events"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    interaction_id: Mapped[str] = mapped_column(Id, ForeignKey("interactions.id"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(80))
    at: Mapped[float]
    actor_key_id: Mapped[str | None] = mapped_column(Id)
    data: Mapped[dict[str, Any]]
    interaction: Mapped[InteractionRow] = relationship(lazy="raise")

    __table_args__ = (
        UniqueConstraint("interaction_id", "seq"),
        Index(None, "tenant_id", "type", "at"),
    )


class DispositionRow(Base):
    """An outcome code."""

    __tablename__ = "dispositions"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000))
    active: Mapped[bool]
    created_at: Mapped[float]

    __table_args__ = (UniqueConstraint("tenant_id", "code"),)


class WorkerRow(Base):
    """A human or AI worker."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    activity: Mapped[str] = mapped_column(String(20))
    activity_since: Mapped[float]
    attributes: Mapped[dict[str, Any]]
    capacity: Mapped[dict[str, Any]]
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[float]

    __table_args__ = (Index(None, "tenant_id", "activity"),)


class QueueRow(Base):
    """A named pool of tasks."""

    __tablename__ = "queues"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    name: Mapped[str] = mapped_column(String(200))
    target_expression: Mapped[str] = mapped_column(String(4000))
    description: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[float]
    strategy: Mapped[str] = mapped_column(String(20), server_default="longest_idle")
    skill: Mapped[str | None] = mapped_column(String(100))
    wrapup_s: Mapped[float] = mapped_column(server_default="0")

    __table_args__ = (UniqueConstraint("tenant_id", "name"),)


class TaskRow(Base):
    """A unit of routable work."""

    __tablename__ = "tasks"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    state: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    priority: Mapped[int] = mapped_column(Integer)
    interaction_id: Mapped[str | None] = mapped_column(Id)
    queue_id: Mapped[str | None] = mapped_column(Id)
    worker_id: Mapped[str | None] = mapped_column(Id)
    attributes: Mapped[dict[str, Any]]
    created_at: Mapped[float]
    updated_at: Mapped[float]
    workflow_id: Mapped[str | None] = mapped_column(Id)
    target_index: Mapped[int] = mapped_column(Integer, server_default="0")
    target_since: Mapped[float | None]
    order_key: Mapped[float | None]
    callback: Mapped[bool] = mapped_column(server_default="0")
    ended_at: Mapped[float | None]
    end_reason: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index(None, "tenant_id", "state", "queue_id"),)


class ReservationRow(Base):
    """A task offered to one worker."""

    __tablename__ = "reservations"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    task_id: Mapped[str] = mapped_column(Id, ForeignKey("tasks.id"))
    worker_id: Mapped[str] = mapped_column(Id)
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[float]
    expires_at: Mapped[float]
    updated_at: Mapped[float]
    task: Mapped[TaskRow] = relationship(lazy="raise")

    __table_args__ = (Index(None, "tenant_id", "state"), Index(None, "task_id"))


class WorkflowRow(Base):
    """Routing rules: filters with targets, and a default target."""

    __tablename__ = "workflows"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000))
    filters: Mapped[list[Any]] = mapped_column(Json)
    default_target: Mapped[dict[str, Any] | None]
    created_at: Mapped[float]
    updated_at: Mapped[float]

    __table_args__ = (UniqueConstraint("tenant_id", "name"),)


class RoutingConfigRow(Base):
    """A tenant's routing settings (one row per tenant that changed the defaults)."""

    __tablename__ = "routing_config"

    tenant_id: Mapped[str] = mapped_column(Id, ForeignKey("tenants.id"), primary_key=True)
    activities: Mapped[dict[str, Any]]
    missed_activity: Mapped[str | None] = mapped_column(String(64))
    reservation_timeout_s: Mapped[float]
    priority_step_s: Mapped[float]
    updated_at: Mapped[float]


class RoutingEventRow(Base):
    """Append-only log of routing decisions: the source of queue KPIs for tasks of any kind."""

    __tablename__ = "routing_events"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[float]
    task_id: Mapped[str | None] = mapped_column(Id)
    worker_id: Mapped[str | None] = mapped_column(Id)
    reservation_id: Mapped[str | None] = mapped_column(Id)
    queue_id: Mapped[str | None] = mapped_column(Id)
    data: Mapped[dict[str, Any]]

    __table_args__ = (
        Index(None, "tenant_id", "queue_id", "at"),
        Index(None, "tenant_id", "task_id"),
    )


class ChatMessageRow(Base):
    """One message of a chat interaction's transcript, numbered per interaction."""

    __tablename__ = "chat_messages"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    interaction_id: Mapped[str] = mapped_column(Id, ForeignKey("interactions.id"))
    seq: Mapped[int] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(10))
    worker_id: Mapped[str | None] = mapped_column(Id)
    # The sender's idempotency id; NULLs are distinct in a unique constraint on both databases.
    client_id: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(String(4000))
    created_at: Mapped[float]
    interaction: Mapped[InteractionRow] = relationship(lazy="raise")

    __table_args__ = (
        UniqueConstraint("interaction_id", "seq"),
        UniqueConstraint("interaction_id", "client_id"),
    )


class FlowVersionRow(Base):
    """One published version of a contact flow: the document as uploaded."""

    __tablename__ = "flow_versions"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    flow_id: Mapped[str] = mapped_column(Id)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float]
    author_key_id: Mapped[str | None] = mapped_column(Id)

    __table_args__ = (
        UniqueConstraint("tenant_id", "flow_id", "version"),
        Index(None, "tenant_id", "name"),
    )


class IntentModelRow(Base):
    """A tenant's trained intent model (one per tenant): the saved model and what it knows."""

    __tablename__ = "intent_models"

    tenant_id: Mapped[str] = mapped_column(Id, ForeignKey("tenants.id"), primary_key=True)
    trained_at: Mapped[float]
    intents: Mapped[list[str]]
    examples: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(20))
    blob: Mapped[bytes] = mapped_column(LargeBinary)


class AssistantSettingsRow(Base):
    """A tenant's AI assistant settings document (one row per tenant that changed the defaults)."""

    __tablename__ = "assistant_settings"

    tenant_id: Mapped[str] = mapped_column(Id, ForeignKey("tenants.id"), primary_key=True)
    doc: Mapped[dict[str, Any]]
    updated_at: Mapped[float]


class AiSessionRow(Base):
    """The AI dialogue state of one interaction, replaced on every turn."""

    __tablename__ = "ai_sessions"

    tenant_id: Mapped[str] = mapped_column(Id, ForeignKey("tenants.id"), primary_key=True)
    interaction_id: Mapped[str] = mapped_column(Id, primary_key=True)
    doc: Mapped[dict[str, Any]]
    updated_at: Mapped[float]
    open: Mapped[bool]  # no outcome yet: the AI still has the contact

    __table_args__ = (Index(None, "tenant_id", "open", "updated_at"),)


class AppointmentRow(Base):
    """A booked (or cancelled) time on one resource."""

    __tablename__ = "appointments"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    resource: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[float]
    ends_at: Mapped[float]
    state: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str | None] = mapped_column(Id)
    interaction_id: Mapped[str | None] = mapped_column(Id)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[float]
    updated_at: Mapped[float]

    __table_args__ = (
        # One booked appointment per resource and start; cancelled ones free the slot. A partial
        # index, which SQLite and PostgreSQL both have, so the database settles a race of two
        # bookings for one slot.
        Index(
            "uq_appointments_booked_slot",
            "tenant_id",
            "resource",
            "starts_at",
            unique=True,
            sqlite_where=text("state = 'booked'"),
            postgresql_where=text("state = 'booked'"),
        ),
        Index(None, "tenant_id", "state", "starts_at"),
        Index(None, "tenant_id", "customer_id"),
    )


class OrderRow(Base):
    """An order as the tenant's shop reported it, keyed by its upper-case number."""

    __tablename__ = "orders"

    tenant_id: Mapped[str] = mapped_column(Id, ForeignKey("tenants.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(Id)
    status: Mapped[str] = mapped_column(String(200))
    delivery_date: Mapped[str | None] = mapped_column(String(40))
    total: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[float]

    __table_args__ = (Index(None, "tenant_id", "customer_id"),)


class VoiceStreamTokenRow(Base):
    """A one-use media stream token: the SHA-256 of the secret, never the secret."""

    __tablename__ = "voice_stream_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = _tenant()
    call_sid: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[float]

    __table_args__ = (Index(None, "expires_at"),)
