"""Ports the routing package needs from storage (tenant-scoped by the unit of work)."""

from __future__ import annotations

from typing import Protocol

from agentfloor.core.pagination import Page
from agentfloor.routing.model import Queue, Reservation, RoutingConfig, RoutingEvent, Task, Worker
from agentfloor.routing.workflow import Workflow

__all__ = [
    "QueueRepository",
    "ReservationRepository",
    "RoutingConfigRepository",
    "RoutingEventLog",
    "TaskRepository",
    "WorkerRepository",
    "WorkflowRepository",
]


class WorkerRepository(Protocol):
    """Workers of the unit of work's tenant."""

    def add(self, worker: Worker) -> None:
        """Store a new worker."""
        ...

    def get(self, worker_id: str) -> Worker | None:
        """Return the worker or None."""
        ...

    def save(self, worker: Worker) -> None:
        """Update a worker."""
        ...

    def delete(self, worker_id: str) -> None:
        """Delete a worker."""
        ...

    def page(
        self,
        *,
        kind: str | None = None,
        activity: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Worker]:
        """Return workers by id, filtered, one page at a time."""
        ...


class QueueRepository(Protocol):
    """Queues of the unit of work's tenant."""

    def add(self, queue: Queue) -> None:
        """Store a new queue; `Conflict` if the name is taken."""
        ...

    def get(self, queue_id: str) -> Queue | None:
        """Return the queue or None."""
        ...

    def get_by_name(self, name: str) -> Queue | None:
        """Return the queue with this name or None."""
        ...

    def save(self, queue: Queue) -> None:
        """Update a queue; `Conflict` if the new name is taken."""
        ...

    def delete(self, queue_id: str) -> None:
        """Delete a queue."""
        ...

    def page(self, *, after: str | None = None, limit: int = 50) -> Page[Queue]:
        """Return queues by id, one page at a time."""
        ...


class TaskRepository(Protocol):
    """Tasks of the unit of work's tenant."""

    def add(self, task: Task) -> None:
        """Store a new task."""
        ...

    def get(self, task_id: str) -> Task | None:
        """Return the task or None."""
        ...

    def save(self, task: Task) -> None:
        """Update a task."""
        ...

    def page(
        self,
        *,
        state: str | None = None,
        queue_id: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Task]:
        """Return tasks by id, filtered, one page at a time."""
        ...

    def unfinished(self) -> list[Task]:
        """Return every task still waiting, offered, assigned or in wrap-up (restart)."""
        ...


class ReservationRepository(Protocol):
    """Reservations of the unit of work's tenant."""

    def upsert(self, reservation: Reservation) -> None:
        """Store a new reservation or update its state."""
        ...

    def get(self, reservation_id: str) -> Reservation | None:
        """Return the reservation or None."""
        ...

    def pending(self) -> list[Reservation]:
        """Return every reservation still pending (restart)."""
        ...

    def of_task(self, task_id: str) -> list[Reservation]:
        """Return a task's reservations, oldest first."""
        ...


class WorkflowRepository(Protocol):
    """Workflows of the unit of work's tenant."""

    def add(self, workflow: Workflow) -> None:
        """Store a new workflow; `Conflict` if the name is taken."""
        ...

    def get(self, workflow_id: str) -> Workflow | None:
        """Return the workflow or None."""
        ...

    def save(self, workflow: Workflow) -> None:
        """Update a workflow."""
        ...

    def delete(self, workflow_id: str) -> None:
        """Delete a workflow."""
        ...

    def all(self) -> list[Workflow]:
        """Return every workflow, oldest first."""
        ...


class RoutingConfigRepository(Protocol):
    """The tenant's routing settings."""

    def get(self) -> RoutingConfig | None:
        """Return the settings, or None while the tenant uses the defaults."""
        ...

    def put(self, config: RoutingConfig, now: float) -> None:
        """Store the settings."""
        ...


class RoutingEventLog(Protocol):
    """The append-only log of routing decisions (queue KPIs come from it)."""

    def append(self, event_id: str, event: RoutingEvent) -> None:
        """Append one event."""
        ...

    def of_queue(self, queue_id: str, *, since: float) -> list[RoutingEvent]:
        """Return a queue's events at or after `since`, oldest first."""
        ...

    def of_task(self, task_id: str) -> list[RoutingEvent]:
        """Return a task's events, oldest first."""
        ...
