"""Customers, their identities, notes and merges: the CRM record a tenant keeps of a person."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentfloor.crm.identities import IdentityKind

__all__ = ["Customer", "Identity", "Merge", "Note", "TimelineEntry"]


@dataclass(frozen=True, slots=True)
class Customer:
    """A person the tenant serves.

    `external_id` is the tenant's own id for the person (their CRM or billing system) and makes
    CSV re-imports idempotent. A merged-away customer keeps its row with `merged_into` set, so a
    merge can be reverted.
    """

    id: str
    tenant_id: str
    name: str
    created_at: float
    updated_at: float
    external_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    merged_into: str | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """One way to recognise a customer, in normal form; unique per tenant and kind."""

    id: str
    tenant_id: str
    customer_id: str
    kind: IdentityKind
    value: str
    created_at: float


@dataclass(frozen=True, slots=True)
class Note:
    """Free text a worker or integration wrote about a customer, optionally on an interaction."""

    id: str
    tenant_id: str
    customer_id: str
    body: str
    created_at: float
    author_key_id: str | None = None
    interaction_id: str | None = None


@dataclass(frozen=True, slots=True)
class Merge:
    """Merging `source_id` into `target_id`: exactly what moved, so it can be undone."""

    id: str
    tenant_id: str
    target_id: str
    source_id: str
    at: float
    identity_ids: tuple[str, ...]
    interaction_ids: tuple[str, ...]
    note_ids: tuple[str, ...]
    reverted_at: float | None = None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of a customer's history: an interaction, a note or a disposition."""

    kind: str  # "interaction" | "note" | "disposition"
    at: float
    id: str
    interaction_id: str | None
    summary: str
    data: dict[str, Any] = field(default_factory=dict)
