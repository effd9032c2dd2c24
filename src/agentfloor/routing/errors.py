"""Routing errors: each a kind from `core.errors`, with a message a person can act on."""

from __future__ import annotations

from agentfloor.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ProblemDetail

__all__ = [
    "ExpressionError",
    "NotYourTask",
    "QueueNotFound",
    "ReservationClosed",
    "ReservationNotFound",
    "TaskClosed",
    "TaskNotFound",
    "UnknownActivity",
    "UnknownQueue",
    "WorkerNotFound",
    "WorkflowNotFound",
]


class ExpressionError(InvalidInput):
    """A target expression that does not parse: where (1-based column) and what was expected."""

    def __init__(self, source: str, column: int, expected: str, *, loc: str = "expression") -> None:
        pointer = f"{source}\n{' ' * (column - 1)}^"
        message = f"syntax error at column {column}: expected {expected}\n{pointer}"
        super().__init__(
            message,
            problems=[ProblemDetail(loc, f"column {column}: expected {expected}")],
            extra={"column": column, "expected": expected},
        )
        self.source = source
        self.column = column
        self.expected = expected


class UnknownQueue(InvalidInput):
    """A workflow target or task names a queue the tenant does not have."""

    def __init__(self, queue_id: str, *, loc: str = "queue_id") -> None:
        super().__init__(
            f"there is no queue {queue_id!r}; create it first or use one of GET /v1/queues",
            problems=[ProblemDetail(loc, f"no queue {queue_id!r}")],
        )
        self.queue_id = queue_id


class UnknownActivity(InvalidInput):
    """An activity name the tenant has not configured."""

    def __init__(self, activity: str, known: list[str]) -> None:
        super().__init__(
            f"there is no activity {activity!r}; use one of: {', '.join(sorted(known))}",
            problems=[ProblemDetail("activity", f"unknown activity {activity!r}")],
        )


class ReservationClosed(Conflict):
    """The reservation is no longer pending (already accepted, rejected, timed out, canceled)."""

    def __init__(self, reservation_id: str, state: str) -> None:
        super().__init__(
            f"reservation {reservation_id} is {state}, not pending; it can no longer be "
            "accepted or rejected",
            extra={"state": state},
        )
        self.state = state


class TaskClosed(Conflict):
    """The task is not in a state that allows this (e.g. completing a task still queued)."""

    def __init__(self, task_id: str, state: str, action: str) -> None:
        super().__init__(
            f"task {task_id} is {state}; it cannot be {action}", extra={"state": state}
        )
        self.state = state


class NotYourTask(PermissionDenied):
    """A worker tried to act on a task or reservation that belongs to another worker."""

    def __init__(self, what: str, ident: str, owner: str | None, worker_id: str) -> None:
        super().__init__(
            f"{what} {ident} belongs to worker {owner}, not {worker_id}; "
            "only its worker may do this"
        )


class TaskNotFound(NotFound):
    """No task with this id in the router (never submitted, or finished and forgotten)."""

    def __init__(self, task_id: str) -> None:
        super().__init__("task", task_id)


class ReservationNotFound(NotFound):
    """No reservation with this id in the router."""

    def __init__(self, reservation_id: str) -> None:
        super().__init__("reservation", reservation_id)


class WorkerNotFound(NotFound):
    """No worker with this id in the router."""

    def __init__(self, worker_id: str) -> None:
        super().__init__("worker", worker_id)


class QueueNotFound(NotFound):
    """No queue with this id (when the queue itself is addressed, not named by a task)."""

    def __init__(self, queue_id: str) -> None:
        super().__init__("queue", queue_id)


class WorkflowNotFound(NotFound):
    """No workflow with this id (also when a task names one)."""

    def __init__(self, workflow_id: str) -> None:
        super().__init__("workflow", workflow_id)
