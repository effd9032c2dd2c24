"""Routing: workers, queues and tasks, and the ACD engine that matches them (`RoutingEngine`)."""

from __future__ import annotations

from agentfloor.routing.engine import RoutingEngine
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
    "RoutingEngine",
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
