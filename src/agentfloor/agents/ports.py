"""What the AI assistant keeps between turns and restarts (ports; storage implements them).

A tenant's trained intent model, its assistant settings document, one dialogue state per
interaction, the appointments its booking skill makes and the orders its order-status skill reads.
Each store is opened on a unit of work for one tenant and never sees another tenant's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

__all__ = [
    "AiSessionStore",
    "Appointment",
    "AppointmentState",
    "AppointmentStore",
    "AssistantSettingsStore",
    "IntentModelStore",
    "Order",
    "OrderStore",
    "StoredIntentModel",
]

AppointmentState = Literal["booked", "cancelled"]


@dataclass(frozen=True, slots=True)
class StoredIntentModel:
    """A tenant's trained intent model: `IntentModel.to_bytes()` and what it was trained on."""

    tenant_id: str
    trained_at: float
    intents: tuple[str, ...]
    examples: int
    method: str
    blob: bytes


@dataclass(frozen=True, slots=True)
class Appointment:
    """A time on one resource (a person, a room) booked for a customer.

    `starts_at`/`ends_at` are epoch seconds, the slot is `[starts_at, ends_at)`. A cancelled
    appointment stays stored (with its history) and frees the slot.
    """

    id: str
    tenant_id: str
    resource: str
    starts_at: float
    ends_at: float
    state: AppointmentState
    customer_id: str | None
    interaction_id: str | None
    name: str
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the tenant's shop system reported it; the order-status skill reads it.

    `id` is the shop's order number in upper case (stores compare it upper-cased, so "ab-12"
    finds "AB-12"). `delivery_date` is an ISO date, `total` a decimal amount as text ("12.50 GBP").
    """

    tenant_id: str
    id: str
    customer_id: str | None
    status: str
    delivery_date: str | None
    total: str | None
    updated_at: float


class IntentModelStore(Protocol):
    """The unit of work's tenant's trained intent model (one per tenant; a new one replaces it)."""

    def get(self) -> StoredIntentModel | None:
        """Return the stored model, or None while the tenant has not trained one."""
        ...

    def trained_at(self) -> float | None:
        """Return when the stored model was trained (None: no model), without loading it."""
        ...

    def put(self, model: StoredIntentModel) -> None:
        """Store the model, replacing the previous one."""
        ...


class AssistantSettingsStore(Protocol):
    """The unit of work's tenant's assistant settings: one JSON document."""

    def get(self) -> dict[str, Any] | None:
        """Return the settings document, or None while the tenant has the defaults."""
        ...

    def put(self, doc: dict[str, Any], updated_at: float) -> None:
        """Store the settings document, replacing the previous one."""
        ...


class AiSessionStore(Protocol):
    """The AI dialogue state of each interaction (`DialogueState.to_dict()`), kept across turns."""

    def get(self, interaction_id: str) -> dict[str, Any] | None:
        """Return the interaction's dialogue state, or None before its first turn."""
        ...

    def put(self, interaction_id: str, doc: dict[str, Any], updated_at: float) -> None:
        """Store the interaction's dialogue state, replacing the previous one.

        A document without an `outcome` is open: the AI still has the contact.
        """
        ...

    def idle(self, before: float, limit: int = 100) -> list[tuple[str, dict[str, Any]]]:
        """Return open sessions last stored before `before`, oldest first, as (id, document)."""
        ...


class AppointmentStore(Protocol):
    """Appointments of the unit of work's tenant; one booked appointment per resource and start."""

    def add(self, appointment: Appointment) -> None:
        """Store a new appointment; `Conflict` if that resource is already booked at that start."""
        ...

    def get(self, appointment_id: str) -> Appointment | None:
        """Return the appointment, or None."""
        ...

    def update(self, appointment: Appointment) -> None:
        """Store a changed appointment (cancelled, moved); `Conflict` if it now clashes."""
        ...

    def booked(self, resource: str | None, start: float, end: float) -> list[Appointment]:
        """Return the booked appointments overlapping `[start, end)`, of one resource or of all.

        Ordered by start time.
        """
        ...

    def for_customer(self, customer_id: str) -> list[Appointment]:
        """Return a customer's booked appointments, earliest first."""
        ...


class OrderStore(Protocol):
    """Orders of the unit of work's tenant, by order number."""

    def get(self, order_id: str) -> Order | None:
        """Return the order with this number (any case), or None."""
        ...

    def put(self, order: Order) -> None:
        """Store the order, replacing one with the same number."""
        ...
