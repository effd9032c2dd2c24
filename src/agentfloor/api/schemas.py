"""Request and response bodies of the `/v1` API (pydantic models, validated at the edge)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from agentfloor.access.model import Role
from agentfloor.core.clock import to_datetime
from agentfloor.crm.identities import IdentityKind
from agentfloor.interactions.model import Channel, Direction
from agentfloor.interactions.states import InteractionState
from agentfloor.routing.model import Activity, SelectionStrategy, WorkerKind

__all__ = [
    "ApiKeyIn",
    "ApiKeyIssuedOut",
    "ApiKeyOut",
    "AuditOut",
    "CustomerIn",
    "CustomerOut",
    "CustomerPatch",
    "DispositionIn",
    "DispositionOut",
    "DispositionPatch",
    "IdentityIn",
    "IdentityOut",
    "ImportErrorOut",
    "ImportOut",
    "InteractionEventOut",
    "InteractionIn",
    "InteractionOut",
    "InteractionPatch",
    "MergeIn",
    "MergeOut",
    "NoteIn",
    "NoteOut",
    "NotePatch",
    "QueueIn",
    "QueueOut",
    "QueuePatch",
    "SetDispositionIn",
    "StateChangeIn",
    "TimelineEntryOut",
    "WorkerActivityIn",
    "WorkerIn",
    "WorkerOut",
    "WorkerPatch",
]


def _ts(value: Any) -> Any:
    return to_datetime(value) if isinstance(value, int | float) else value


Timestamp = Annotated[datetime, BeforeValidator(_ts)]
Attributes = Annotated[dict[str, Any], Field(description="Free-form JSON object.")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
ActivityName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_\-]+$")]


class Out(BaseModel):
    """Base of response models: read from domain records."""

    model_config = ConfigDict(from_attributes=True)


class In(BaseModel):
    """Base of request models: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


# --- customers -----------------------------------------------------------------------------------


class IdentityIn(In):
    """An identity in any format: `+44 20 7946 0958`, `020 7946 0958`, `Ann@Example.com`."""

    kind: IdentityKind
    value: str = Field(min_length=1, max_length=320)


class IdentityOut(Out):
    """An identity in normal form (E.164 phone, lower-case e-mail)."""

    id: str
    kind: IdentityKind
    value: str
    created_at: Timestamp


class CustomerIn(In):
    """A new customer."""

    name: str = Field("", max_length=200)
    external_id: str | None = Field(None, min_length=1, max_length=200)
    identities: list[IdentityIn] = Field(default_factory=list, max_length=50)
    attributes: Attributes = Field(default_factory=dict)


class CustomerPatch(In):
    """Fields to change on a customer; omitted fields stay as they are."""

    name: str | None = Field(None, max_length=200)
    external_id: str | None = Field(None, min_length=1, max_length=200)
    attributes: dict[str, Any] | None = None


class CustomerOut(Out):
    """A customer with its identities."""

    id: str
    name: str
    external_id: str | None
    attributes: dict[str, Any]
    merged_into: str | None
    created_at: Timestamp
    updated_at: Timestamp
    identities: list[IdentityOut]


class MergeIn(In):
    """Merge `source_id` into `target_id`."""

    target_id: str
    source_id: str


class MergeOut(Out):
    """What a merge moved; `reverted_at` is set once undone."""

    id: str
    target_id: str
    source_id: str
    at: Timestamp
    identity_ids: list[str]
    interaction_ids: list[str]
    note_ids: list[str]
    reverted_at: Timestamp | None


class TimelineEntryOut(Out):
    """One line of a customer's history."""

    kind: str
    at: Timestamp
    id: str
    interaction_id: str | None
    summary: str
    data: dict[str, Any]


class ImportErrorOut(Out):
    """A CSV row that was not imported, by physical line number (the header is line 1)."""

    line: int
    reason: str


class ImportOut(Out):
    """What a CSV import did; every good row was imported even when some rows were bad."""

    rows: int
    created: int
    updated: int
    unchanged: int
    errors: list[ImportErrorOut]


# --- notes ---------------------------------------------------------------------------------------


class NoteIn(In):
    """A note on a customer, or on an interaction (the customer is then taken from it)."""

    body: str = Field(min_length=1, max_length=20_000)
    customer_id: str | None = None
    interaction_id: str | None = None


class NotePatch(In):
    """New text for a note."""

    body: str = Field(min_length=1, max_length=20_000)


class NoteOut(Out):
    """A note."""

    id: str
    customer_id: str
    interaction_id: str | None
    body: str
    author_key_id: str | None
    created_at: Timestamp


# --- interactions --------------------------------------------------------------------------------


class InteractionIn(In):
    """A new interaction; it starts in state `created`."""

    channel: Channel
    direction: Direction = Direction.INBOUND
    customer_id: str | None = None
    queue_id: str | None = None
    reason: str | None = Field(None, max_length=200)
    attributes: Attributes = Field(default_factory=dict)


class InteractionPatch(In):
    """Fields to change; state changes go through `/state`, dispositions through `/disposition`."""

    customer_id: str | None = None
    queue_id: str | None = None
    worker_id: str | None = None
    reason: str | None = Field(None, max_length=200)
    attributes: dict[str, Any] | None = None


class StateChangeIn(In):
    """Move the interaction to another state."""

    state: InteractionState
    reason: str | None = Field(None, max_length=200)


class SetDispositionIn(In):
    """The outcome code of the interaction."""

    code: str = Field(min_length=1, max_length=64)


class InteractionOut(Out):
    """An interaction."""

    id: str
    channel: Channel
    direction: Direction
    state: InteractionState
    customer_id: str | None
    queue_id: str | None
    worker_id: str | None
    reason: str | None
    disposition_code: str | None
    attributes: dict[str, Any]
    created_at: Timestamp
    updated_at: Timestamp
    ended_at: Timestamp | None


class InteractionEventOut(Out):
    """One entry of an interaction's append-only event log."""

    id: str
    interaction_id: str
    seq: int
    type: str
    at: Timestamp
    actor_key_id: str | None
    data: dict[str, Any]


# --- workers, queues, dispositions ---------------------------------------------------------------


class WorkerIn(In):
    """A new human or AI worker."""

    name: Name
    kind: WorkerKind = WorkerKind.HUMAN
    email: str | None = Field(None, max_length=320)
    attributes: Attributes = Field(default_factory=dict)
    capacity: dict[str, int] = Field(default_factory=lambda: {"voice": 1, "chat": 3})
    activity: ActivityName = Activity.OFFLINE.value


class WorkerPatch(In):
    """Fields to change on a worker."""

    name: str | None = Field(None, min_length=1, max_length=200)
    email: str | None = Field(None, max_length=320)
    attributes: dict[str, Any] | None = None
    capacity: dict[str, int] | None = None
    activity: ActivityName | None = None


class WorkerActivityIn(In):
    """A worker's new activity (one of the tenant's activities, see /v1/routing/config)."""

    activity: ActivityName


class WorkerOut(Out):
    """A worker."""

    id: str
    name: str
    kind: WorkerKind
    email: str | None
    attributes: dict[str, Any]
    capacity: dict[str, int]
    activity: str
    activity_since: Timestamp
    created_at: Timestamp


class QueueIn(In):
    """A new queue."""

    name: Name
    target_expression: str = Field(
        "",
        max_length=2000,
        description='Which workers may take its tasks, e.g. `"billing" IN worker.skills`.',
    )
    description: str = Field("", max_length=2000)
    strategy: SelectionStrategy = SelectionStrategy.LONGEST_IDLE
    skill: str | None = Field(None, max_length=100, description="Level compared by most_skilled.")
    wrapup_s: float = Field(0.0, ge=0, le=3600, description="Wrap-up after each task, seconds.")


class QueuePatch(In):
    """Fields to change on a queue."""

    name: str | None = Field(None, min_length=1, max_length=200)
    target_expression: str | None = Field(None, max_length=2000)
    description: str | None = Field(None, max_length=2000)
    strategy: SelectionStrategy | None = None
    skill: str | None = Field(None, max_length=100)
    wrapup_s: float | None = Field(None, ge=0, le=3600)


class QueueOut(Out):
    """A queue."""

    id: str
    name: str
    target_expression: str
    description: str
    strategy: SelectionStrategy
    skill: str | None
    wrapup_s: float
    created_at: Timestamp


class DispositionIn(In):
    """A new disposition code."""

    code: str = Field(min_length=1, max_length=64)
    label: Name
    description: str = Field("", max_length=2000)


class DispositionPatch(In):
    """Fields to change on a disposition code."""

    code: str | None = Field(None, min_length=1, max_length=64)
    label: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    active: bool | None = None


class DispositionOut(Out):
    """A disposition code."""

    id: str
    code: str
    label: str
    description: str
    active: bool
    created_at: Timestamp


# --- keys and audit ------------------------------------------------------------------------------


class ApiKeyIn(In):
    """A new API key."""

    name: Name
    role: Role
    worker_id: str | None = Field(
        None, description="Bind the key to a worker: it then acts as that worker only."
    )


class ApiKeyOut(Out):
    """An API key without its secret."""

    id: str
    name: str
    role: Role
    worker_id: str | None
    created_at: Timestamp
    revoked_at: Timestamp | None


class ApiKeyIssuedOut(ApiKeyOut):
    """A new key: `key` is the full secret, shown this once; store it now."""

    key: str


class AuditOut(Out):
    """One audit log entry: who did what, with the record before and after."""

    id: str
    at: Timestamp
    actor_key_id: str | None
    actor_role: str | None
    action: str
    resource_type: str
    resource_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    data: dict[str, Any]
