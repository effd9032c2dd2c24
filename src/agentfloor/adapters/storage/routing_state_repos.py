"""Reservations, workflows, routing settings and the routing event log in SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from agentfloor.adapters.storage.base import TenantScoped
from agentfloor.adapters.storage.tables import (
    ReservationRow,
    RoutingConfigRow,
    RoutingEventRow,
    WorkflowRow,
)
from agentfloor.routing.model import Reservation, ReservationState, RoutingConfig, RoutingEvent
from agentfloor.routing.workflow import Filter, Workflow, target_from_dict, target_to_dict

__all__ = [
    "SqlReservationRepository",
    "SqlRoutingConfigRepository",
    "SqlRoutingEventLog",
    "SqlWorkflowRepository",
]


def _reservation(row: ReservationRow) -> Reservation:
    return Reservation(
        id=row.id,
        tenant_id=row.tenant_id,
        task_id=row.task_id,
        worker_id=row.worker_id,
        state=ReservationState(row.state),
        created_at=row.created_at,
        expires_at=row.expires_at,
        updated_at=row.updated_at,
    )


class SqlReservationRepository(TenantScoped):
    """Reservations of one tenant."""

    def upsert(self, reservation: Reservation) -> None:
        """Store a new reservation or update an existing one's state."""
        row = self._session.get(ReservationRow, reservation.id)
        if row is None:
            self._session.add(
                ReservationRow(
                    id=reservation.id,
                    tenant_id=self.tenant_id,
                    task_id=reservation.task_id,
                    worker_id=reservation.worker_id,
                    state=reservation.state.value,
                    created_at=reservation.created_at,
                    expires_at=reservation.expires_at,
                    updated_at=reservation.updated_at,
                )
            )
            return
        self._session.execute(
            update(ReservationRow)
            .where(ReservationRow.tenant_id == self.tenant_id, ReservationRow.id == reservation.id)
            .values(
                state=reservation.state.value,
                expires_at=reservation.expires_at,
                updated_at=reservation.updated_at,
            )
        )

    def get(self, reservation_id: str) -> Reservation | None:
        """Return the reservation or None."""
        row = self._session.get(ReservationRow, reservation_id)
        return _reservation(row) if self._owned(row) else None

    def pending(self) -> list[Reservation]:
        """Return every pending reservation, oldest first."""
        rows = self._session.scalars(
            select(ReservationRow)
            .where(
                ReservationRow.tenant_id == self.tenant_id,
                ReservationRow.state == ReservationState.PENDING.value,
            )
            .order_by(ReservationRow.id)
        ).all()
        return [_reservation(r) for r in rows]

    def of_task(self, task_id: str) -> list[Reservation]:
        """Return a task's reservations, oldest first."""
        rows = self._session.scalars(
            select(ReservationRow)
            .where(ReservationRow.tenant_id == self.tenant_id, ReservationRow.task_id == task_id)
            .order_by(ReservationRow.id)
        ).all()
        return [_reservation(r) for r in rows]


def _workflow(row: WorkflowRow) -> Workflow:
    return Workflow(
        id=row.id,
        tenant_id=row.tenant_id,
        name=row.name,
        filters=tuple(
            Filter(
                name=str(f["name"]),
                expression=str(f["expression"]),
                targets=tuple(target_from_dict(t) for t in f["targets"]),
            )
            for f in row.filters
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
        default_target=target_from_dict(row.default_target) if row.default_target else None,
        description=row.description,
    )


def _workflow_values(w: Workflow) -> dict[str, Any]:
    return {
        "name": w.name,
        "description": w.description,
        "filters": [
            {
                "name": f.name,
                "expression": f.expression,
                "targets": [target_to_dict(t) for t in f.targets],
            }
            for f in w.filters
        ],
        "default_target": target_to_dict(w.default_target) if w.default_target else None,
        "updated_at": w.updated_at,
    }


class SqlWorkflowRepository(TenantScoped):
    """Workflows of one tenant."""

    def add(self, workflow: Workflow) -> None:
        """Store a new workflow."""
        self._session.add(
            WorkflowRow(
                id=workflow.id,
                tenant_id=self.tenant_id,
                created_at=workflow.created_at,
                **_workflow_values(workflow),
            )
        )

    def get(self, workflow_id: str) -> Workflow | None:
        """Return the workflow or None."""
        row = self._session.get(WorkflowRow, workflow_id)
        return _workflow(row) if self._owned(row) else None

    def save(self, workflow: Workflow) -> None:
        """Update a workflow."""
        self._session.execute(
            update(WorkflowRow)
            .where(WorkflowRow.tenant_id == self.tenant_id, WorkflowRow.id == workflow.id)
            .values(**_workflow_values(workflow))
        )

    def delete(self, workflow_id: str) -> None:
        """Delete a workflow."""
        self._session.execute(
            delete(WorkflowRow).where(
                WorkflowRow.tenant_id == self.tenant_id, WorkflowRow.id == workflow_id
            )
        )

    def all(self) -> list[Workflow]:
        """Return every workflow, oldest first."""
        rows = self._session.scalars(
            select(WorkflowRow)
            .where(WorkflowRow.tenant_id == self.tenant_id)
            .order_by(WorkflowRow.id)
        ).all()
        return [_workflow(r) for r in rows]


class SqlRoutingConfigRepository(TenantScoped):
    """The routing settings of one tenant."""

    def get(self) -> RoutingConfig | None:
        """Return the settings, or None while the tenant has the defaults."""
        row = self._session.get(RoutingConfigRow, self.tenant_id)
        if row is None:
            return None
        return RoutingConfig(
            activities={str(k): bool(v) for k, v in row.activities.items()},
            missed_activity=row.missed_activity,
            reservation_timeout_s=row.reservation_timeout_s,
            priority_step_s=row.priority_step_s,
        )

    def put(self, config: RoutingConfig, now: float) -> None:
        """Store the settings."""
        values = {
            "activities": dict(config.activities),
            "missed_activity": config.missed_activity,
            "reservation_timeout_s": config.reservation_timeout_s,
            "priority_step_s": config.priority_step_s,
            "updated_at": now,
        }
        row = self._session.get(RoutingConfigRow, self.tenant_id)
        if row is None:
            self._session.add(RoutingConfigRow(tenant_id=self.tenant_id, **values))
        else:
            for key, value in values.items():
                setattr(row, key, value)


def _event(row: RoutingEventRow) -> RoutingEvent:
    return RoutingEvent(
        type=row.type,
        at=row.at,
        task_id=row.task_id,
        worker_id=row.worker_id,
        reservation_id=row.reservation_id,
        queue_id=row.queue_id,
        data=dict(row.data or {}),
    )


class SqlRoutingEventLog(TenantScoped):
    """The append-only routing event log of one tenant."""

    def append(self, event_id: str, event: RoutingEvent) -> None:
        """Append one event."""
        self._session.add(
            RoutingEventRow(
                id=event_id,
                tenant_id=self.tenant_id,
                type=event.type,
                at=event.at,
                task_id=event.task_id,
                worker_id=event.worker_id,
                reservation_id=event.reservation_id,
                queue_id=event.queue_id,
                data=event.data,
            )
        )

    def of_queue(self, queue_id: str, *, since: float) -> list[RoutingEvent]:
        """Return a queue's events at or after `since`, oldest first."""
        rows = self._session.scalars(
            select(RoutingEventRow)
            .where(
                RoutingEventRow.tenant_id == self.tenant_id,
                RoutingEventRow.queue_id == queue_id,
                RoutingEventRow.at >= since,
            )
            .order_by(RoutingEventRow.at, RoutingEventRow.id)
        ).all()
        return [_event(r) for r in rows]

    def of_task(self, task_id: str) -> list[RoutingEvent]:
        """Return a task's events, oldest first."""
        rows = self._session.scalars(
            select(RoutingEventRow)
            .where(RoutingEventRow.tenant_id == self.tenant_id, RoutingEventRow.task_id == task_id)
            .order_by(RoutingEventRow.at, RoutingEventRow.id)
        ).all()
        return [_event(r) for r in rows]
