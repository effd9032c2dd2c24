"""Ports the routing package needs from storage (tenant-scoped by the unit of work)."""

from __future__ import annotations

from typing import Protocol

from agentfloor.core.pagination import Page
from agentfloor.routing.model import Queue, Task, Worker

__all__ = ["QueueRepository", "TaskRepository", "WorkerRepository"]


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
