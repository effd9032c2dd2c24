"""Routing errors: each a kind from `core.errors`, with a message a person can act on."""

from __future__ import annotations

from agentfloor.core.errors import Conflict, InvalidInput, PermissionDenied, ProblemDetail

__all__ = [
    "ExpressionError",
    "NotYourTask",
    "ReservationClosed",
    "TaskClosed",
    "UnknownActivity",
    "UnknownQueue",
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
