"""Routing: workers, queues and tasks (the ACD engine builds on these records)."""

from __future__ import annotations

from agentfloor.routing.expressions import Expression, parse_expression
from agentfloor.routing.model import (
    Activity,
    Queue,
    Task,
    TaskState,
    Worker,
    WorkerKind,
    change_activity,
    validate_capacity,
)
from agentfloor.routing.ports import QueueRepository, TaskRepository, WorkerRepository

__all__ = [
    "Activity",
    "Expression",
    "Queue",
    "QueueRepository",
    "Task",
    "TaskRepository",
    "TaskState",
    "Worker",
    "WorkerKind",
    "WorkerRepository",
    "change_activity",
    "parse_expression",
    "validate_capacity",
]
