"""Workers, queues and tasks: the records the router works on.

The routing engine itself (target expressions, workflows, reservations) arrives with the routing
issue; this module holds the records it will route, validated here once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agentfloor.core.errors import InvalidInput, ProblemDetail

__all__ = [
    "Activity",
    "Queue",
    "Task",
    "TaskState",
    "Worker",
    "WorkerKind",
    "change_activity",
    "validate_capacity",
]

CHANNELS = ("voice", "chat", "email", "sms")


class WorkerKind(StrEnum):
    """A person or a bot."""

    HUMAN = "human"
    AI = "ai"


class Activity(StrEnum):
    """What a worker is doing; only `available` receives new tasks."""

    AVAILABLE = "available"
    BUSY = "busy"
    BREAK = "break"
    OFFLINE = "offline"


class TaskState(StrEnum):
    """Where a task is on its way to a worker."""

    PENDING = "pending"
    RESERVED = "reserved"
    ASSIGNED = "assigned"
    WRAPPING = "wrapping"
    COMPLETED = "completed"
    CANCELED = "canceled"


@dataclass(frozen=True, slots=True)
class Worker:
    """A human or AI agent, with attributes (skills, languages, levels as JSON) and capacity.

    `capacity` maps channel to how many tasks of it the worker takes at once
    (e.g. `{"voice": 1, "chat": 3}`); a channel missing from the map means none.
    """

    id: str
    tenant_id: str
    name: str
    kind: WorkerKind
    activity: Activity
    activity_since: float
    created_at: float
    attributes: dict[str, Any] = field(default_factory=dict)
    capacity: dict[str, int] = field(default_factory=dict)
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Queue:
    """A named pool of tasks; `target_expression` selects the workers eligible for it."""

    id: str
    tenant_id: str
    name: str
    created_at: float
    target_expression: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Task:
    """A unit of routable work: an interaction waiting for someone, a callback, a work item step."""

    id: str
    tenant_id: str
    state: TaskState
    created_at: float
    updated_at: float
    channel: str
    priority: int = 0
    interaction_id: str | None = None
    queue_id: str | None = None
    worker_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


def validate_capacity(capacity: dict[str, int], *, loc: str = "capacity") -> dict[str, int]:
    """Return `capacity` if every channel is known and every count is 0-100."""
    problems = [
        ProblemDetail(f"{loc}.{ch}", f"unknown channel {ch!r}; use {', '.join(CHANNELS)}")
        for ch in capacity
        if ch not in CHANNELS
    ]
    problems += [
        ProblemDetail(f"{loc}.{ch}", f"capacity must be between 0 and 100, got {n}")
        for ch, n in capacity.items()
        if not 0 <= n <= 100
    ]
    if problems:
        raise InvalidInput("; ".join(p.message for p in problems), problems=problems)
    return capacity


def change_activity(worker: Worker, activity: Activity, now: float) -> Worker:
    """Return the worker in a new activity, with `activity_since` reset when it changed."""
    if activity == worker.activity:
        return worker
    return dataclasses.replace(worker, activity=activity, activity_since=now)
