"""Workers, queues, tasks, reservations and routing events: the records the router works on.

The engine (`routing.engine`) keeps these in memory and returns new values; storage persists them
so that a restarted router rebuilds exactly the queues and reservations it had.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from agentfloor.core.errors import InvalidInput, ProblemDetail

__all__ = [
    "CHANNELS",
    "DEFAULT_ACTIVITIES",
    "Activity",
    "Queue",
    "QueueStats",
    "Reservation",
    "ReservationState",
    "RoutingConfig",
    "RoutingEvent",
    "SelectionStrategy",
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
    """The built-in activities; a tenant may add its own.

    A worker's activity is therefore a plain string, and `RoutingConfig.activities` marks each
    one routable (receives tasks) or not.
    """

    AVAILABLE = "available"
    BUSY = "busy"
    BREAK = "break"
    OFFLINE = "offline"
    MISSED = "missed"


# name -> receives new tasks?
DEFAULT_ACTIVITIES: dict[str, bool] = {
    Activity.AVAILABLE.value: True,
    Activity.BUSY.value: False,
    Activity.BREAK.value: False,
    Activity.OFFLINE.value: False,
    Activity.MISSED.value: False,
}


class SelectionStrategy(StrEnum):
    """How a queue picks among eligible, free workers."""

    LONGEST_IDLE = "longest_idle"  # free the longest (since their last task or activity change)
    MOST_SKILLED = "most_skilled"  # highest `worker.levels.<skill>` for the queue's skill
    LEAST_OCCUPIED = "least_occupied"  # fewest tasks in hand across channels


class ReservationState(StrEnum):
    """Where an offer to one worker stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    TIMED_OUT = "timed_out"
    CANCELED = "canceled"  # the task went away (customer hung up) while offered


class TaskState(StrEnum):
    """Where a task is on its way to a worker."""

    PENDING = "pending"  # waiting in a queue
    RESERVED = "reserved"  # offered to one worker
    ASSIGNED = "assigned"  # accepted; the worker is on it
    WRAPPING = "wrapping"  # done, the worker is in wrap-up
    COMPLETED = "completed"
    CANCELED = "canceled"  # withdrawn by the system or an operator
    ABANDONED = "abandoned"  # the customer left while waiting


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
    activity: str
    activity_since: float
    created_at: float
    attributes: dict[str, Any] = field(default_factory=dict)
    capacity: dict[str, int] = field(default_factory=dict)
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Queue:
    """A named pool of tasks; `target_expression` selects the workers eligible for it.

    `strategy` picks among eligible free workers; `skill` names the level compared by the
    most-skilled strategy (`worker.levels.<skill>`); `wrapup_s` is how long a worker stays in
    wrap-up after completing a task of this queue before the capacity is free again.
    """

    id: str
    tenant_id: str
    name: str
    created_at: float
    target_expression: str = ""
    description: str = ""
    strategy: SelectionStrategy = SelectionStrategy.LONGEST_IDLE
    skill: str | None = None
    wrapup_s: float = 0.0


_T = TypeVar("_T")


class _Factory:
    """Marks an argument left to its field's default factory (shown as dataclasses shows it)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _slot_init(cls: type[_T]) -> type[_T]:
    """Give a frozen, slotted dataclass an `__init__` that stores through the slot descriptors.

    The same signature and defaults as the generated one (no `__post_init__`, no keyword-only
    or init-less fields here), at half the cost: the generated `__init__` of a frozen class
    sets each field with `object.__setattr__` (a global, an attribute and a call per field),
    which for a `Task` (18 fields, one per contact, built by every caller of `submit`) is
    about two microseconds. A unit test checks both agree on every argument pattern.
    """
    env: dict[str, Any] = {"_FACTORY": _FACTORY}
    params, body = [], []
    for f in dataclasses.fields(cls):  # type: ignore[arg-type] # a dataclass, as decorated
        name = f.name
        env[f"_set_{name}"] = cls.__dict__[name].__set__
        value = name
        if f.default is not dataclasses.MISSING:
            env[f"_default_{name}"] = f.default
            params.append(f"{name}=_default_{name}")
        elif f.default_factory is not dataclasses.MISSING:
            env[f"_factory_{name}"] = f.default_factory
            params.append(f"{name}=_FACTORY")
            value = f"_factory_{name}() if {name} is _FACTORY else {name}"
        else:
            params.append(name)
        body.append(f"    _set_{name}(self, {value})\n")
    # exec, as dataclasses itself builds `__init__`: the source holds only our field names
    exec(f"def __init__(self, {', '.join(params)}):\n{''.join(body)}", env)
    init = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    setattr(cls, "__init__", init)  # noqa: B010 - mypy forbids assigning a method directly
    return cls


@_slot_init
@dataclass(frozen=True, slots=True)
class Task:
    """A unit of routable work: an interaction waiting for someone, a callback, a work item step.

    Routing fields: `workflow_id` chose the targets; `target_index` is the workflow target the
    task is at now (escalation moves it on) and `target_since` when it got there; `order_key` is
    its place in queue order (lower first), fixed when it is first queued, so a task that comes
    back from a rejected offer goes back to its original position. `callback` marks a task that
    holds the customer's place without holding a line (the worker calls back).
    """

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
    workflow_id: str | None = None
    target_index: int = 0
    target_since: float | None = None
    order_key: float | None = None
    callback: bool = False
    ended_at: float | None = None
    end_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Reservation:
    """A task offered to one worker, to accept, reject or let time out by `expires_at`."""

    id: str
    tenant_id: str
    task_id: str
    worker_id: str
    state: ReservationState
    created_at: float
    expires_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class RoutingConfig:
    """A tenant's routing settings.

    `activities` maps every activity name to whether it receives tasks. A rejected or timed-out
    offer moves the worker to `missed_activity` (None: leave the activity as it is).
    `priority_step_s` is the aging rule: one priority level is worth that many seconds of waiting,
    so a task's place is `queued_at - priority * priority_step_s`; FIFO within a priority, and a
    long-waiting task eventually overtakes a newer one of higher priority. The default is a day,
    which in practice is strict priority.
    """

    activities: dict[str, bool] = field(default_factory=lambda: dict(DEFAULT_ACTIVITIES))
    missed_activity: str | None = Activity.MISSED.value
    reservation_timeout_s: float = 30.0
    priority_step_s: float = 86_400.0


@dataclass(frozen=True, slots=True)
class RoutingEvent:
    """One routing decision or happening, for the event log, the WebSocket stream and KPIs.

    `type` is one of `task.queued`, `task.escalated`, `reservation.created`,
    `reservation.accepted`, `reservation.rejected`, `reservation.timed_out`,
    `reservation.canceled`, `task.assigned`, `task.wrapping`, `task.completed`,
    `task.canceled`, `task.abandoned`, `task.callback_requested`, `worker.activity_changed`.
    """

    type: str
    at: float
    task_id: str | None = None
    worker_id: str | None = None
    reservation_id: str | None = None
    queue_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QueueStats:
    """A queue right now: tasks waiting, the longest wait, workers free and busy."""

    queue_id: str
    waiting: int
    reserved: int
    longest_wait_s: float
    workers_eligible: int
    workers_available: int
    workers_busy: int


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


def change_activity(worker: Worker, activity: str, now: float) -> Worker:
    """Return the worker in a new activity, with `activity_since` reset when it changed."""
    if activity == worker.activity:
        return worker
    return dataclasses.replace(worker, activity=activity, activity_since=now)
