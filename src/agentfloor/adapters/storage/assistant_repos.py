"""The AI assistant's stores in SQL: intent models, settings, AI sessions, appointments, orders.

The four keyed documents (a tenant's intent model and settings, an interaction's dialogue state, an
order) are written with one `INSERT ... ON CONFLICT DO UPDATE`, which SQLite and PostgreSQL share,
so two writers of the same key never fail on the primary key: the last one wins. Appointments are
written in a savepoint, so that a slot taken meanwhile (the partial unique index on booked
appointments) becomes `Conflict` at the call and the rest of the unit of work goes on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agentfloor.adapters.storage.base import TenantScoped, conflict_from
from agentfloor.adapters.storage.tables import (
    AiSessionRow,
    AppointmentRow,
    AssistantSettingsRow,
    Base,
    IntentModelRow,
    OrderRow,
)
from agentfloor.agents.ports import Appointment, AppointmentState, Order, StoredIntentModel
from agentfloor.core.errors import Conflict

__all__ = [
    "SqlAiSessionStore",
    "SqlAppointmentStore",
    "SqlAssistantSettingsStore",
    "SqlIntentModelStore",
    "SqlOrderStore",
]

SLOT_INDEX = "uq_appointments_booked_slot"
# SQLite names the columns of a broken unique index, not the index.
SLOT_COLUMNS_SQLITE = "appointments.tenant_id, appointments.resource, appointments.starts_at"


def _upsert(
    session: Session, row: type[Base], keys: dict[str, Any], values: dict[str, Any]
) -> None:
    """Insert a row, or update `values` of the row with these primary `keys`, in one statement."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(row)
        .values(**keys, **values)
        .on_conflict_do_update(index_elements=list(keys), set_=values)
    )
    session.execute(statement)


class SqlIntentModelStore(TenantScoped):
    """The trained intent model of one tenant."""

    def get(self) -> StoredIntentModel | None:
        """Return the stored model, or None."""
        row = self._session.get(IntentModelRow, self.tenant_id, populate_existing=True)
        if row is None:
            return None
        return StoredIntentModel(
            tenant_id=row.tenant_id,
            trained_at=row.trained_at,
            intents=tuple(row.intents),
            examples=row.examples,
            method=row.method,
            blob=bytes(row.blob),  # psycopg hands back a memoryview-like buffer for bytea
        )

    def trained_at(self) -> float | None:
        """Return when the stored model was trained, reading only that column."""
        return self._session.scalar(
            select(IntentModelRow.trained_at).where(IntentModelRow.tenant_id == self.tenant_id)
        )

    def put(self, model: StoredIntentModel) -> None:
        """Store the model, replacing the previous one."""
        _upsert(
            self._session,
            IntentModelRow,
            {"tenant_id": self.tenant_id},
            {
                "trained_at": model.trained_at,
                "intents": list(model.intents),
                "examples": model.examples,
                "method": model.method,
                "blob": model.blob,
            },
        )


class SqlAssistantSettingsStore(TenantScoped):
    """The assistant settings document of one tenant."""

    def get(self) -> dict[str, Any] | None:
        """Return the settings document, or None."""
        row = self._session.get(AssistantSettingsRow, self.tenant_id, populate_existing=True)
        return dict(row.doc) if row is not None else None

    def put(self, doc: dict[str, Any], updated_at: float) -> None:
        """Store the settings document, replacing the previous one."""
        _upsert(
            self._session,
            AssistantSettingsRow,
            {"tenant_id": self.tenant_id},
            {"doc": doc, "updated_at": updated_at},
        )


class SqlAiSessionStore(TenantScoped):
    """The dialogue state of each of one tenant's interactions."""

    def get(self, interaction_id: str) -> dict[str, Any] | None:
        """Return the interaction's dialogue state, or None."""
        row = self._session.get(
            AiSessionRow, (self.tenant_id, interaction_id), populate_existing=True
        )
        return dict(row.doc) if row is not None else None

    def put(self, interaction_id: str, doc: dict[str, Any], updated_at: float) -> None:
        """Store the interaction's dialogue state, replacing the previous one."""
        _upsert(
            self._session,
            AiSessionRow,
            {"tenant_id": self.tenant_id, "interaction_id": interaction_id},
            {"doc": doc, "updated_at": updated_at, "open": not doc.get("outcome")},
        )

    def idle(self, before: float, limit: int = 100) -> list[tuple[str, dict[str, Any]]]:
        """Return sessions with no outcome last touched before `before`, oldest first."""
        rows = self._session.scalars(
            select(AiSessionRow)
            .where(
                AiSessionRow.tenant_id == self.tenant_id,
                AiSessionRow.open.is_(True),
                AiSessionRow.updated_at < before,
            )
            .order_by(AiSessionRow.updated_at)
            .limit(limit)
        )
        return [(row.interaction_id, dict(row.doc)) for row in rows]


def _appointment(row: AppointmentRow) -> Appointment:
    state: AppointmentState = "booked" if row.state == "booked" else "cancelled"
    return Appointment(
        id=row.id,
        tenant_id=row.tenant_id,
        resource=row.resource,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        state=state,
        customer_id=row.customer_id,
        interaction_id=row.interaction_id,
        name=row.name,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _appointment_values(a: Appointment) -> dict[str, Any]:
    return {
        "resource": a.resource,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "state": a.state,
        "customer_id": a.customer_id,
        "interaction_id": a.interaction_id,
        "name": a.name,
        "updated_at": a.updated_at,
    }


class SqlAppointmentStore(TenantScoped):
    """Appointments of one tenant."""

    def add(self, appointment: Appointment) -> None:
        """Store a new appointment; `Conflict` if its resource is already booked at its start."""
        row = AppointmentRow(
            id=appointment.id,
            tenant_id=self.tenant_id,
            created_at=appointment.created_at,
            **_appointment_values(appointment),
        )
        self._session.flush()  # anything added before goes in first, outside the savepoint
        try:
            with self._session.begin_nested():
                self._session.add(row)
        except IntegrityError as exc:
            raise self._clash(exc, appointment) from exc

    def get(self, appointment_id: str) -> Appointment | None:
        """Return the appointment, or None."""
        row = self._session.get(AppointmentRow, appointment_id, populate_existing=True)
        return _appointment(row) if self._owned(row) else None

    def update(self, appointment: Appointment) -> None:
        """Store a changed appointment; `Conflict` if it now takes a booked slot."""
        self._session.flush()
        try:
            with self._session.begin_nested():
                self._session.execute(
                    update(AppointmentRow)
                    .where(
                        AppointmentRow.tenant_id == self.tenant_id,
                        AppointmentRow.id == appointment.id,
                    )
                    .values(**_appointment_values(appointment))
                )
        except IntegrityError as exc:
            raise self._clash(exc, appointment) from exc

    def booked(self, resource: str | None, start: float, end: float) -> list[Appointment]:
        """Return booked appointments overlapping `[start, end)`, by start time."""
        query = select(AppointmentRow).where(
            AppointmentRow.tenant_id == self.tenant_id,
            AppointmentRow.state == "booked",
            AppointmentRow.starts_at < end,
            AppointmentRow.ends_at > start,
        )
        if resource is not None:
            query = query.where(AppointmentRow.resource == resource)
        rows = self._session.scalars(
            query.order_by(AppointmentRow.starts_at, AppointmentRow.resource, AppointmentRow.id)
        ).all()
        return [_appointment(r) for r in rows]

    def for_customer(self, customer_id: str) -> list[Appointment]:
        """Return a customer's booked appointments, earliest first."""
        rows = self._session.scalars(
            select(AppointmentRow)
            .where(
                AppointmentRow.tenant_id == self.tenant_id,
                AppointmentRow.customer_id == customer_id,
                AppointmentRow.state == "booked",
            )
            .order_by(AppointmentRow.starts_at, AppointmentRow.id)
        ).all()
        return [_appointment(r) for r in rows]

    @staticmethod
    def _clash(exc: IntegrityError, appointment: Appointment) -> Conflict:
        text = str(exc.orig)
        if SLOT_INDEX in text or SLOT_COLUMNS_SQLITE in text:
            return Conflict(
                f"{appointment.resource} is already booked at that time; choose another slot",
                extra={"constraint": SLOT_INDEX},
            )
        return conflict_from(exc)


def _order_id(order_id: str) -> str:
    return order_id.strip().upper()


class SqlOrderStore(TenantScoped):
    """Orders of one tenant, by upper-case order number."""

    def get(self, order_id: str) -> Order | None:
        """Return the order with this number (any case), or None."""
        row = self._session.get(
            OrderRow, (self.tenant_id, _order_id(order_id)), populate_existing=True
        )
        if row is None:
            return None
        return Order(
            tenant_id=row.tenant_id,
            id=row.id,
            customer_id=row.customer_id,
            status=row.status,
            delivery_date=row.delivery_date,
            total=row.total,
            updated_at=row.updated_at,
        )

    def put(self, order: Order) -> None:
        """Store the order (its number upper-cased), replacing one with the same number."""
        _upsert(
            self._session,
            OrderRow,
            {"tenant_id": self.tenant_id, "id": _order_id(order.id)},
            {
                "customer_id": order.customer_id,
                "status": order.status,
                "delivery_date": order.delivery_date,
                "total": order.total,
                "updated_at": order.updated_at,
            },
        )
