"""`/v1/workflows`, `/v1/tasks`, `/v1/reservations`, `/v1/routing/config`, queue statistics.

The live router answers: creating a task routes it at once (the response may already show it
offered), accept/reject/complete act on the engine and are durable before the response.
Workers receive their offers as `reservation.created` events on `/v1/events`.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from agentfloor.access.model import Principal, Role
from agentfloor.api.auth import allow, context, principal, router_service
from agentfloor.api.pagination import Cursor, Limit, PageOut, decode_cursor, encode_cursor
from agentfloor.api.routing_schemas import (
    CancelIn,
    CompleteIn,
    ExpressionCheckIn,
    ExpressionCheckOut,
    QueueStatsOut,
    RejectIn,
    ReservationOut,
    RoutingConfigIn,
    RoutingConfigOut,
    TaskIn,
    TaskOut,
    WorkerActionIn,
    WorkflowIn,
    WorkflowOut,
)
from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.interactions.states import InteractionState
from agentfloor.routing.errors import NotYourTask, UnknownActivity
from agentfloor.routing.expressions import parse_expression
from agentfloor.routing.model import RoutingConfig, Task, TaskState
from agentfloor.routing.workflow import Workflow
from agentfloor.runtime import interactions, workflows
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.queue_stats import QueueDay, queue_day
from agentfloor.runtime.router import RouterService

__all__ = ["router"]

router = APIRouter(prefix="/v1")
Ctx = Annotated[ServiceContext, Depends(context)]
Who = Annotated[Principal, Depends(principal)]
Router = Annotated[RouterService, Depends(router_service)]
MANAGERS = (Role.ADMIN, Role.SUPERVISOR)
TASK_WRITERS = (Role.ADMIN, Role.SUPERVISOR, Role.INTEGRATION)
WORKERS = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT)


def _workflow_out(w: Workflow) -> WorkflowOut:
    data = dataclasses.asdict(w)
    return WorkflowOut(
        id=w.id,
        name=w.name,
        description=w.description,
        filters=data["filters"],
        default_target=data["default_target"],
        created_at=w.created_at,
        updated_at=w.updated_at,
    )


def acting_worker(who: Principal, requested: str | None) -> str | None:
    """Return the worker a call acts as: the key's bound worker, or the one named in the body."""
    if who.worker_id is not None:
        if requested is not None and requested != who.worker_id:
            raise NotYourTask("this key", who.key_id, who.worker_id, requested)
        return who.worker_id
    if requested is None and who.role is Role.AGENT:
        raise InvalidInput(
            "say which worker acts: give worker_id, or use an agent key bound to a worker",
            problems=[ProblemDetail("worker_id", "required for agent keys not bound to a worker")],
        )
    return requested


# --- expressions ---------------------------------------------------------------------------------


@router.post(
    "/routing/expressions/check",
    response_model=ExpressionCheckOut,
    tags=["routing"],
    **allow(*MANAGERS),
)
def check_expression(body: ExpressionCheckIn) -> ExpressionCheckOut:
    """Check an expression without saving anything: 422 with the column where it stops parsing.

    The same checks as saving a queue or workflow, so a form can show the problem next to the
    field while it is typed. A `filter` may not read `worker.*` (no worker is known yet).
    """
    loc = "expression"
    expression = parse_expression(body.expression, loc=loc)
    if body.use == "filter" and expression.uses_worker:
        raise InvalidInput(
            "a workflow filter picks tasks before any worker is known, so it cannot read "
            "worker.*; move worker conditions to a target's worker expression",
            problems=[ProblemDetail(loc, "reads worker.*")],
        )
    return ExpressionCheckOut(
        reads_task=expression.uses_task,
        reads_worker=expression.uses_worker,
        paths=sorted(expression.paths()),
    )


# --- workflows -----------------------------------------------------------------------------------


@router.post(
    "/workflows",
    status_code=201,
    response_model=WorkflowOut,
    tags=["routing"],
    **allow(Role.ADMIN),
)
def create_workflow(body: WorkflowIn, ctx: Ctx, who: Who, rt: Router) -> WorkflowOut:
    """Add routing rules; every expression is checked (422 names the field and the column)."""
    return _workflow_out(workflows.create_workflow(ctx, rt, who, body.model_dump()))


@router.get("/workflows", response_model=list[WorkflowOut], tags=["routing"], **allow(*MANAGERS))
def list_workflows(ctx: Ctx, who: Who) -> list[WorkflowOut]:
    """List workflows."""
    return [_workflow_out(w) for w in workflows.list_workflows(ctx, who)]


@router.get(
    "/workflows/{workflow_id}", response_model=WorkflowOut, tags=["routing"], **allow(*MANAGERS)
)
def get_workflow(workflow_id: str, ctx: Ctx, who: Who) -> WorkflowOut:
    """Return one workflow."""
    return _workflow_out(workflows.get_workflow(ctx, who, workflow_id))


@router.put(
    "/workflows/{workflow_id}", response_model=WorkflowOut, tags=["routing"], **allow(Role.ADMIN)
)
def replace_workflow(
    workflow_id: str, body: WorkflowIn, ctx: Ctx, who: Who, rt: Router
) -> WorkflowOut:
    """Replace a workflow's rules (tasks already routed keep their targets)."""
    return _workflow_out(workflows.update_workflow(ctx, rt, who, workflow_id, body.model_dump()))


@router.delete("/workflows/{workflow_id}", status_code=204, tags=["routing"], **allow(Role.ADMIN))
def delete_workflow(workflow_id: str, ctx: Ctx, who: Who, rt: Router) -> Response:
    """Delete a workflow."""
    workflows.delete_workflow(ctx, rt, who, workflow_id)
    return Response(status_code=204)


# --- routing settings ----------------------------------------------------------------------------


@router.get("/routing/config", response_model=RoutingConfigOut, tags=["routing"], **allow())
def get_config(who: Who, rt: Router) -> RoutingConfigOut:
    """Return the tenant's activities, offer timeout, missed activity and aging."""
    return RoutingConfigOut.model_validate(rt.config(who.tenant_id))


@router.put(
    "/routing/config", response_model=RoutingConfigOut, tags=["routing"], **allow(Role.ADMIN)
)
def put_config(body: RoutingConfigIn, who: Who, rt: Router) -> RoutingConfigOut:
    """Replace the routing settings; at least one activity must receive tasks."""
    problems: list[ProblemDetail] = []
    if not any(body.activities.values()):
        problems.append(ProblemDetail("activities", "at least one activity must receive tasks"))
    if body.missed_activity is not None and body.missed_activity not in body.activities:
        problems.append(ProblemDetail("missed_activity", "must be one of the activities"))
    if problems:
        raise InvalidInput("; ".join(p.message for p in problems), problems=problems)
    config = RoutingConfig(
        activities=dict(body.activities),
        missed_activity=body.missed_activity,
        reservation_timeout_s=body.reservation_timeout_s,
        priority_step_s=body.priority_step_s,
    )
    rt.configure(who.tenant_id, config)
    return RoutingConfigOut.model_validate(config)


# --- tasks ---------------------------------------------------------------------------------------


@router.post(
    "/tasks", status_code=201, response_model=TaskOut, tags=["tasks"], **allow(*TASK_WRITERS)
)
def create_task(body: TaskIn, ctx: Ctx, who: Who, rt: Router) -> TaskOut:
    """Route a task: through `workflow_id`, or straight into `queue_id`."""
    if (body.workflow_id is None) == (body.queue_id is None):
        raise InvalidInput(
            "give exactly one of workflow_id or queue_id",
            problems=[ProblemDetail("workflow_id", "give workflow_id or queue_id, not both")],
        )
    now = ctx.clock.now()
    task = Task(
        id=ctx.ids.new("tsk"),
        tenant_id=who.tenant_id,
        state=TaskState.PENDING,
        created_at=now,
        updated_at=now,
        channel=body.channel.value,
        priority=body.priority,
        interaction_id=body.interaction_id,
        queue_id=body.queue_id,
        attributes=body.attributes,
        workflow_id=body.workflow_id,
    )
    return TaskOut.model_validate(rt.submit(who.tenant_id, task, actor_key_id=who.key_id))


@router.get("/tasks", response_model=PageOut[TaskOut], tags=["tasks"], **allow())
def list_tasks(
    ctx: Ctx,
    who: Who,
    limit: Limit = 50,
    cursor: Cursor = None,
    state: TaskState | None = None,
    queue_id: Annotated[str | None, Query(max_length=40)] = None,
) -> PageOut[TaskOut]:
    """List tasks oldest first, by state or queue."""
    with ctx.uow(who.tenant_id) as uow:
        page = uow.tasks.page(
            state=state.value if state else None,
            queue_id=queue_id,
            after=decode_cursor(cursor),
            limit=limit,
        )
    return PageOut(
        items=[TaskOut.model_validate(t) for t in page.items],
        next_cursor=encode_cursor(page.next_after),
    )


@router.get("/tasks/{task_id}", response_model=TaskOut, tags=["tasks"], **allow())
def get_task(task_id: str, who: Who, rt: Router) -> TaskOut:
    """Return one task as the router has it now."""
    return TaskOut.model_validate(rt.get_task(who.tenant_id, task_id))


@router.post(
    "/tasks/{task_id}/cancel", response_model=TaskOut, tags=["tasks"], **allow(*TASK_WRITERS)
)
def cancel_task(task_id: str, body: CancelIn, who: Who, rt: Router) -> TaskOut:
    """Withdraw a waiting or offered task; `abandoned` records the caller's wait."""
    task = rt.cancel(
        who.tenant_id, task_id, abandoned=body.reason == "abandoned", actor_key_id=who.key_id
    )
    return TaskOut.model_validate(task)


@router.post(
    "/tasks/{task_id}/callback", response_model=TaskOut, tags=["tasks"], **allow(*TASK_WRITERS)
)
def request_callback(task_id: str, who: Who, rt: Router) -> TaskOut:
    """Keep the caller's place without holding the line: a worker will call back."""
    return TaskOut.model_validate(
        rt.request_callback(who.tenant_id, task_id, actor_key_id=who.key_id)
    )


@router.post("/tasks/{task_id}/complete", response_model=TaskOut, tags=["tasks"], **allow(*WORKERS))
def complete_task(task_id: str, body: CompleteIn, ctx: Ctx, who: Who, rt: Router) -> TaskOut:
    """Finish an assigned task (only its worker may); wrap-up follows for the queue's time."""
    worker_id = acting_worker(who, body.worker_id)
    task = rt.complete(who.tenant_id, task_id, worker_id=worker_id, actor_key_id=who.key_id)
    if body.disposition_code and task.interaction_id:
        current = interactions.get_interaction(ctx, who, task.interaction_id)
        if current.state in (
            InteractionState.CONNECTED,
            InteractionState.WRAP_UP,
            InteractionState.COMPLETED,
        ):
            interactions.set_disposition(ctx, who, task.interaction_id, body.disposition_code)
    return TaskOut.model_validate(task)


@router.get(
    "/tasks/{task_id}/reservations",
    response_model=list[ReservationOut],
    tags=["tasks"],
    **allow(),
)
def task_reservations(task_id: str, ctx: Ctx, who: Who, rt: Router) -> list[ReservationOut]:
    """Every offer made for a task, oldest first."""
    rt.get_task(who.tenant_id, task_id)  # 404 for another tenant's or an unknown task
    with ctx.uow(who.tenant_id) as uow:
        found = uow.reservations.of_task(task_id)
    return [ReservationOut.model_validate(r) for r in found]


# --- reservations --------------------------------------------------------------------------------


@router.get(
    "/reservations/{reservation_id}", response_model=ReservationOut, tags=["tasks"], **allow()
)
def get_reservation(reservation_id: str, who: Who, rt: Router) -> ReservationOut:
    """Return one reservation."""
    return ReservationOut.model_validate(rt.get_reservation(who.tenant_id, reservation_id))


@router.post(
    "/reservations/{reservation_id}/accept",
    response_model=ReservationOut,
    tags=["tasks"],
    **allow(*WORKERS),
)
def accept(reservation_id: str, body: WorkerActionIn, who: Who, rt: Router) -> ReservationOut:
    """Take the offered task (409 if it was already accepted, rejected or timed out)."""
    worker_id = acting_worker(who, body.worker_id)
    reservation = rt.accept(
        who.tenant_id, reservation_id, worker_id=worker_id, actor_key_id=who.key_id
    )
    return ReservationOut.model_validate(reservation)


@router.post(
    "/reservations/{reservation_id}/reject",
    response_model=ReservationOut,
    tags=["tasks"],
    **allow(*WORKERS),
)
def reject(reservation_id: str, body: RejectIn, who: Who, rt: Router) -> ReservationOut:
    """Decline the offer; the task goes back to its place in the queue."""
    worker_id = acting_worker(who, body.worker_id)
    if body.activity is not None:
        check_activity(rt, who.tenant_id, body.activity)
    reservation = rt.reject(
        who.tenant_id,
        reservation_id,
        worker_id=worker_id,
        activity=body.activity,
        actor_key_id=who.key_id,
    )
    return ReservationOut.model_validate(reservation)


def check_activity(rt: RouterService, tenant_id: str, activity: str) -> None:
    """Raise `UnknownActivity` (422) unless the tenant has this activity."""
    known = rt.config(tenant_id).activities
    if activity not in known:
        raise UnknownActivity(activity, list(known))


# --- queue statistics ----------------------------------------------------------------------------


def _stats_out(day: QueueDay) -> QueueStatsOut:
    s = day.now
    return QueueStatsOut(
        queue_id=s.queue_id,
        waiting=s.waiting,
        reserved=s.reserved,
        longest_wait_s=s.longest_wait_s,
        workers_eligible=s.workers_eligible,
        workers_available=s.workers_available,
        workers_busy=s.workers_busy,
        answered_today=day.answered,
        answered_within_threshold_today=day.answered_within_threshold,
        abandoned_today=day.abandoned,
        short_abandoned_today=day.short_abandoned,
        service_level_today=day.service_level,
        threshold_s=day.threshold_s,
        short_abandon_s=day.short_abandon_s,
    )


Threshold = Annotated[float, Query(gt=0, le=3600, description="Answer-time target, seconds.")]
ShortAbandon = Annotated[
    float, Query(ge=0, le=600, description="Abandons quicker than this are not counted.")
]


@router.get("/queues/{queue_id}/stats", response_model=QueueStatsOut, tags=["queues"], **allow())
def queue_stats(
    queue_id: str,
    ctx: Ctx,
    who: Who,
    rt: Router,
    threshold_s: Threshold = 20.0,
    short_abandon_s: ShortAbandon = 5.0,
) -> QueueStatsOut:
    """Tasks waiting, longest wait, workers free and busy, service level so far today."""
    day = queue_day(
        ctx, rt, who.tenant_id, queue_id, threshold_s=threshold_s, short_abandon_s=short_abandon_s
    )
    return _stats_out(day)


@router.get("/queues/{queue_id}/waiting", response_model=list[TaskOut], tags=["queues"], **allow())
def waiting(queue_id: str, who: Who, rt: Router) -> list[TaskOut]:
    """Tasks waiting in the queue, in the order they will be offered (404: no such queue)."""
    with rt.lock(who.tenant_id):
        tasks = rt.engine(who.tenant_id).waiting(queue_id)
    return [TaskOut.model_validate(t) for t in tasks]
