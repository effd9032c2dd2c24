"""Workers, queues and tasks in SQL."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from agentfloor.adapters.storage.base import TenantScoped, keyset_page
from agentfloor.adapters.storage.tables import QueueRow, TaskRow, WorkerRow
from agentfloor.core.pagination import Page
from agentfloor.routing.model import Queue, SelectionStrategy, Task, TaskState, Worker, WorkerKind

__all__ = ["SqlQueueRepository", "SqlTaskRepository", "SqlWorkerRepository"]


def _worker(row: WorkerRow) -> Worker:
    return Worker(
        id=row.id,
        tenant_id=row.tenant_id,
        name=row.name,
        kind=WorkerKind(row.kind),
        activity=row.activity,
        activity_since=row.activity_since,
        created_at=row.created_at,
        attributes=dict(row.attributes or {}),
        capacity={k: int(v) for k, v in (row.capacity or {}).items()},
        email=row.email,
    )


def _worker_values(w: Worker) -> dict[str, object]:
    return {
        "name": w.name,
        "kind": w.kind.value,
        "activity": str(w.activity),
        "activity_since": w.activity_since,
        "attributes": w.attributes,
        "capacity": w.capacity,
        "email": w.email,
    }


class SqlWorkerRepository(TenantScoped):
    """Workers of one tenant."""

    def add(self, worker: Worker) -> None:
        """Store a new worker."""
        self._session.add(
            WorkerRow(
                id=worker.id,
                tenant_id=self.tenant_id,
                created_at=worker.created_at,
                **_worker_values(worker),
            )
        )

    def get(self, worker_id: str) -> Worker | None:
        """Return the worker or None."""
        row = self._session.get(WorkerRow, worker_id)
        return _worker(row) if self._owned(row) else None

    def save(self, worker: Worker) -> None:
        """Update a worker."""
        self._session.execute(
            update(WorkerRow)
            .where(WorkerRow.tenant_id == self.tenant_id, WorkerRow.id == worker.id)
            .values(**_worker_values(worker))
        )

    def delete(self, worker_id: str) -> None:
        """Delete a worker."""
        self._session.execute(
            delete(WorkerRow).where(
                WorkerRow.tenant_id == self.tenant_id, WorkerRow.id == worker_id
            )
        )

    def page(
        self,
        *,
        kind: str | None = None,
        activity: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Worker]:
        """Return workers by id, filtered, one page at a time."""
        query = select(WorkerRow).where(WorkerRow.tenant_id == self.tenant_id)
        if kind is not None:
            query = query.where(WorkerRow.kind == kind)
        if activity is not None:
            query = query.where(WorkerRow.activity == activity)
        return keyset_page(self._session, query, WorkerRow.id, _worker, after=after, limit=limit)


def _queue(row: QueueRow) -> Queue:
    return Queue(
        id=row.id,
        tenant_id=row.tenant_id,
        name=row.name,
        created_at=row.created_at,
        target_expression=row.target_expression,
        description=row.description,
        strategy=SelectionStrategy(row.strategy),
        skill=row.skill,
        wrapup_s=row.wrapup_s,
    )


class SqlQueueRepository(TenantScoped):
    """Queues of one tenant."""

    def add(self, queue: Queue) -> None:
        """Store a new queue."""
        self._session.add(
            QueueRow(
                id=queue.id,
                tenant_id=self.tenant_id,
                name=queue.name,
                target_expression=queue.target_expression,
                description=queue.description,
                created_at=queue.created_at,
                strategy=queue.strategy.value,
                skill=queue.skill,
                wrapup_s=queue.wrapup_s,
            )
        )

    def get(self, queue_id: str) -> Queue | None:
        """Return the queue or None."""
        row = self._session.get(QueueRow, queue_id)
        return _queue(row) if self._owned(row) else None

    def get_by_name(self, name: str) -> Queue | None:
        """Return the queue with this name or None."""
        row = self._session.scalars(
            select(QueueRow).where(QueueRow.tenant_id == self.tenant_id, QueueRow.name == name)
        ).first()
        return _queue(row) if row else None

    def save(self, queue: Queue) -> None:
        """Update a queue."""
        self._session.execute(
            update(QueueRow)
            .where(QueueRow.tenant_id == self.tenant_id, QueueRow.id == queue.id)
            .values(
                name=queue.name,
                target_expression=queue.target_expression,
                description=queue.description,
                strategy=queue.strategy.value,
                skill=queue.skill,
                wrapup_s=queue.wrapup_s,
            )
        )

    def delete(self, queue_id: str) -> None:
        """Delete a queue."""
        self._session.execute(
            delete(QueueRow).where(QueueRow.tenant_id == self.tenant_id, QueueRow.id == queue_id)
        )

    def page(self, *, after: str | None = None, limit: int = 50) -> Page[Queue]:
        """Return queues by id, one page at a time."""
        query = select(QueueRow).where(QueueRow.tenant_id == self.tenant_id)
        return keyset_page(self._session, query, QueueRow.id, _queue, after=after, limit=limit)


def _task(row: TaskRow) -> Task:
    return Task(
        id=row.id,
        tenant_id=row.tenant_id,
        state=TaskState(row.state),
        created_at=row.created_at,
        updated_at=row.updated_at,
        channel=row.channel,
        priority=row.priority,
        interaction_id=row.interaction_id,
        queue_id=row.queue_id,
        worker_id=row.worker_id,
        attributes=dict(row.attributes or {}),
        workflow_id=row.workflow_id,
        target_index=row.target_index,
        target_since=row.target_since,
        order_key=row.order_key,
        callback=row.callback,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
    )


def _task_values(t: Task) -> dict[str, object]:
    return {
        "state": t.state.value,
        "channel": t.channel,
        "priority": t.priority,
        "interaction_id": t.interaction_id,
        "queue_id": t.queue_id,
        "worker_id": t.worker_id,
        "attributes": t.attributes,
        "updated_at": t.updated_at,
        "workflow_id": t.workflow_id,
        "target_index": t.target_index,
        "target_since": t.target_since,
        "order_key": t.order_key,
        "callback": t.callback,
        "ended_at": t.ended_at,
        "end_reason": t.end_reason,
    }


class SqlTaskRepository(TenantScoped):
    """Tasks of one tenant."""

    def add(self, task: Task) -> None:
        """Store a new task."""
        self._session.add(
            TaskRow(
                id=task.id,
                tenant_id=self.tenant_id,
                created_at=task.created_at,
                **_task_values(task),
            )
        )

    def get(self, task_id: str) -> Task | None:
        """Return the task or None."""
        row = self._session.get(TaskRow, task_id)
        return _task(row) if self._owned(row) else None

    def save(self, task: Task) -> None:
        """Update a task."""
        self._session.execute(
            update(TaskRow)
            .where(TaskRow.tenant_id == self.tenant_id, TaskRow.id == task.id)
            .values(**_task_values(task))
        )

    def page(
        self,
        *,
        state: str | None = None,
        queue_id: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Task]:
        """Return tasks by id, filtered, one page at a time."""
        query = select(TaskRow).where(TaskRow.tenant_id == self.tenant_id)
        if state is not None:
            query = query.where(TaskRow.state == state)
        if queue_id is not None:
            query = query.where(TaskRow.queue_id == queue_id)
        return keyset_page(self._session, query, TaskRow.id, _task, after=after, limit=limit)

    def unfinished(self) -> list[Task]:
        """Return every task still waiting, offered, assigned or in wrap-up."""
        live = [
            s.value
            for s in (TaskState.PENDING, TaskState.RESERVED, TaskState.ASSIGNED, TaskState.WRAPPING)
        ]
        rows = self._session.scalars(
            select(TaskRow)
            .where(TaskRow.tenant_id == self.tenant_id, TaskRow.state.in_(live))
            .order_by(TaskRow.id)
        ).all()
        return [_task(r) for r in rows]
