"""Request and response bodies of the routing API: workflows, tasks, reservations, queue stats."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from agentfloor.api.schemas import ActivityName, Attributes, In, Name, Out, Timestamp
from agentfloor.interactions.model import Channel
from agentfloor.routing.model import ReservationState, TaskState

__all__ = [
    "CancelIn",
    "CompleteIn",
    "ExpressionCheckIn",
    "ExpressionCheckOut",
    "FilterIn",
    "QueueStatsOut",
    "RejectIn",
    "ReservationOut",
    "RoutingConfigIn",
    "RoutingConfigOut",
    "TargetIn",
    "TaskIn",
    "TaskOut",
    "WorkerActionIn",
    "WorkflowIn",
    "WorkflowOut",
]

Expression = Annotated[str, Field(max_length=2000)]


class TargetIn(In):
    """A place a task waits: a queue, optionally narrowed to some of its workers."""

    queue_id: str = Field(min_length=1, max_length=40)
    worker_expression: Expression = Field(
        "", description="Extra rule per task and worker, e.g. `task.language IN worker.languages`."
    )
    priority: int | None = Field(None, ge=-1000, le=1000)
    timeout_s: float | None = Field(
        None, gt=0, le=7 * 86_400, description="Move on to the next target after this long."
    )


class FilterIn(In):
    """Tasks matching `expression` go to `targets`, in order."""

    name: Name
    expression: Expression
    targets: list[TargetIn] = Field(min_length=1, max_length=20)


class WorkflowIn(In):
    """Routing rules: filters tried in order, then the default target."""

    name: Name
    description: str = Field("", max_length=2000)
    filters: list[FilterIn] = Field(default_factory=list, max_length=100)
    default_target: TargetIn | None = None


class WorkflowOut(Out):
    """A workflow."""

    id: str
    name: str
    description: str
    filters: list[dict[str, Any]]
    default_target: dict[str, Any] | None
    created_at: Timestamp
    updated_at: Timestamp


class TaskIn(In):
    """A task to route: through a workflow, or straight into a queue."""

    channel: Channel
    workflow_id: str | None = Field(None, max_length=40)
    queue_id: str | None = Field(None, max_length=40)
    priority: int = Field(0, ge=-1000, le=1000)
    attributes: Attributes = Field(default_factory=dict)
    interaction_id: str | None = Field(None, max_length=40)


class TaskOut(Out):
    """A task and where it is on its way to a worker."""

    id: str
    state: TaskState
    channel: str
    priority: int
    attributes: dict[str, Any]
    workflow_id: str | None
    queue_id: str | None
    worker_id: str | None
    interaction_id: str | None
    target_index: int
    callback: bool
    created_at: Timestamp
    updated_at: Timestamp
    ended_at: Timestamp | None
    end_reason: str | None


class CancelIn(In):
    """Why the task is withdrawn: the customer hung up (`abandoned`) or it was `canceled`."""

    reason: Literal["abandoned", "canceled"] = "canceled"


class WorkerActionIn(In):
    """Which worker acts; may be left out when the API key is bound to a worker."""

    worker_id: str | None = Field(None, max_length=40)


class RejectIn(WorkerActionIn):
    """Decline an offer, optionally moving the worker to another activity (e.g. `break`)."""

    activity: ActivityName | None = None


class CompleteIn(WorkerActionIn):
    """Finish a task, optionally with the disposition code of its interaction."""

    disposition_code: str | None = Field(None, min_length=1, max_length=64)


class ReservationOut(Out):
    """A task offered to one worker."""

    id: str
    task_id: str
    worker_id: str
    state: ReservationState
    created_at: Timestamp
    expires_at: Timestamp
    updated_at: Timestamp


class RoutingConfigIn(In):
    """The tenant's routing settings."""

    activities: dict[ActivityName, bool] = Field(
        min_length=1, description="Every activity, and whether it receives tasks."
    )
    missed_activity: ActivityName | None = Field(
        "missed", description="Where a worker goes after a rejected or timed-out offer."
    )
    reservation_timeout_s: float = Field(30.0, gt=0, le=3600)
    priority_step_s: float = Field(
        86_400.0, gt=0, description="Seconds of waiting one priority level is worth (aging)."
    )


class RoutingConfigOut(Out):
    """The tenant's routing settings in force."""

    activities: dict[str, bool]
    missed_activity: str | None
    reservation_timeout_s: float
    priority_step_s: float


class QueueStatsOut(Out):
    """A queue now, and its service level so far today (tenant's timezone)."""

    queue_id: str
    waiting: int
    reserved: int
    longest_wait_s: float
    workers_eligible: int
    workers_available: int
    workers_busy: int
    answered_today: int
    answered_within_threshold_today: int
    abandoned_today: int
    short_abandoned_today: int
    service_level_today: float | None = Field(
        description="Answered within the threshold / (answered + abandoned after the "
        "short-abandon time); null before the first such task today."
    )
    threshold_s: float
    short_abandon_s: float


class ExpressionCheckIn(In):
    """An expression to check before it is saved (as a form checks a field while it is typed)."""

    expression: Expression = Field(description='The text, e.g. `"billing" IN worker.skills`.')
    use: Literal["target", "filter", "worker"] = Field(
        "target",
        description=(
            "Where it will go: a queue's `target` expression (worker and task paths), a workflow "
            "`filter` (task paths only: no worker is known yet), or a target's `worker` "
            "expression (worker and task paths)."
        ),
    )


class ExpressionCheckOut(Out):
    """A valid expression and what it reads."""

    valid: Literal[True] = True
    reads_task: bool
    reads_worker: bool
    paths: list[str]
