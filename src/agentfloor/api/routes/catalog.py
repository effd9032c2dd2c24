"""`/v1/workers`, `/v1/queues`, `/v1/dispositions`: the tenant's set-up records."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from agentfloor.access.model import Principal, Role
from agentfloor.api.auth import allow, context, principal, router_service
from agentfloor.api.pagination import Cursor, Limit, PageOut, decode_cursor, encode_cursor
from agentfloor.api.routes.routing import check_activity
from agentfloor.api.schemas import (
    DispositionIn,
    DispositionOut,
    DispositionPatch,
    QueueIn,
    QueueOut,
    QueuePatch,
    WorkerActivityIn,
    WorkerIn,
    WorkerOut,
    WorkerPatch,
)
from agentfloor.routing.errors import NotYourTask
from agentfloor.routing.model import Activity, WorkerKind
from agentfloor.runtime import catalog as svc
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.router import RouterService

__all__ = ["router"]

router = APIRouter(prefix="/v1")
Ctx = Annotated[ServiceContext, Depends(context)]
Who = Annotated[Principal, Depends(principal)]
Router = Annotated[RouterService, Depends(router_service)]
ADMIN = (Role.ADMIN,)
MANAGERS = (Role.ADMIN, Role.SUPERVISOR)


# --- workers -------------------------------------------------------------------------------------


@router.post(
    "/workers", status_code=201, response_model=WorkerOut, tags=["workers"], **allow(*ADMIN)
)
def create_worker(body: WorkerIn, ctx: Ctx, who: Who, rt: Router) -> WorkerOut:
    """Add a human or AI worker with attributes (skills, languages, levels) and capacity."""
    check_activity(rt, who.tenant_id, body.activity)
    worker = svc.create_worker(
        ctx,
        who,
        name=body.name,
        kind=body.kind,
        attributes=body.attributes,
        capacity=body.capacity,
        activity=body.activity,
        email=body.email,
    )
    rt.worker_changed(who.tenant_id, worker)
    return WorkerOut.model_validate(worker)


@router.get("/workers", response_model=PageOut[WorkerOut], tags=["workers"], **allow())
def list_workers(
    ctx: Ctx,
    who: Who,
    limit: Limit = 50,
    cursor: Cursor = None,
    kind: WorkerKind | None = None,
    activity: Activity | None = None,
) -> PageOut[WorkerOut]:
    """List workers, by kind or activity."""
    page = svc.list_workers(
        ctx,
        who,
        kind=kind.value if kind else None,
        activity=activity.value if activity else None,
        after=decode_cursor(cursor),
        limit=limit,
    )
    return PageOut(
        items=[WorkerOut.model_validate(w) for w in page.items],
        next_cursor=encode_cursor(page.next_after),
    )


@router.get("/workers/{worker_id}", response_model=WorkerOut, tags=["workers"], **allow())
def get_worker(worker_id: str, ctx: Ctx, who: Who) -> WorkerOut:
    """Return one worker."""
    return WorkerOut.model_validate(svc.get_worker(ctx, who, worker_id))


@router.patch(
    "/workers/{worker_id}", response_model=WorkerOut, tags=["workers"], **allow(*MANAGERS)
)
def update_worker(worker_id: str, body: WorkerPatch, ctx: Ctx, who: Who, rt: Router) -> WorkerOut:
    """Change a worker's name, attributes, capacity or activity."""
    fields: dict[str, Any] = body.model_dump(exclude_unset=True)
    activity = fields.pop("activity", None)
    worker = svc.update_worker(ctx, who, worker_id, fields)
    rt.worker_changed(who.tenant_id, worker)
    if activity is not None:
        check_activity(rt, who.tenant_id, activity)
        worker = rt.set_activity(who.tenant_id, worker_id, activity, actor_key_id=who.key_id)
    return WorkerOut.model_validate(worker)


@router.post(
    "/workers/{worker_id}/activity",
    response_model=WorkerOut,
    tags=["workers"],
    **allow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT),
)
def set_activity(
    worker_id: str, body: WorkerActivityIn, ctx: Ctx, who: Who, rt: Router
) -> WorkerOut:
    """Set a worker's activity (one of the tenant's activities).

    Becoming available may bring an offer at once. An agent key bound to a worker may set only
    that worker's activity.
    """
    if who.worker_id is not None and who.worker_id != worker_id:
        raise NotYourTask("worker", worker_id, who.worker_id, worker_id)
    svc.get_worker(ctx, who, worker_id)
    check_activity(rt, who.tenant_id, body.activity)
    worker = rt.set_activity(who.tenant_id, worker_id, body.activity, actor_key_id=who.key_id)
    return WorkerOut.model_validate(worker)


@router.delete("/workers/{worker_id}", status_code=204, tags=["workers"], **allow(*ADMIN))
def delete_worker(worker_id: str, ctx: Ctx, who: Who, rt: Router) -> Response:
    """Remove a worker; offers pending for it go back to their queues."""
    svc.get_worker(ctx, who, worker_id)
    rt.worker_removed(who.tenant_id, worker_id)
    svc.delete_worker(ctx, who, worker_id)
    return Response(status_code=204)


# --- queues --------------------------------------------------------------------------------------


@router.post("/queues", status_code=201, response_model=QueueOut, tags=["queues"], **allow(*ADMIN))
def create_queue(body: QueueIn, ctx: Ctx, who: Who, rt: Router) -> QueueOut:
    """Add a queue; the name must be unique and the target expression valid (422 shows where)."""
    queue = svc.create_queue(
        ctx,
        who,
        name=body.name,
        target_expression=body.target_expression,
        description=body.description,
        strategy=body.strategy,
        skill=body.skill,
        wrapup_s=body.wrapup_s,
    )
    rt.queue_changed(who.tenant_id, queue)
    return QueueOut.model_validate(queue)


@router.get("/queues", response_model=PageOut[QueueOut], tags=["queues"], **allow())
def list_queues(ctx: Ctx, who: Who, limit: Limit = 50, cursor: Cursor = None) -> PageOut[QueueOut]:
    """List queues."""
    page = svc.list_queues(ctx, who, after=decode_cursor(cursor), limit=limit)
    return PageOut(
        items=[QueueOut.model_validate(q) for q in page.items],
        next_cursor=encode_cursor(page.next_after),
    )


@router.get("/queues/{queue_id}", response_model=QueueOut, tags=["queues"], **allow())
def get_queue(queue_id: str, ctx: Ctx, who: Who) -> QueueOut:
    """Return one queue."""
    return QueueOut.model_validate(svc.get_queue(ctx, who, queue_id))


@router.patch("/queues/{queue_id}", response_model=QueueOut, tags=["queues"], **allow(*ADMIN))
def update_queue(queue_id: str, body: QueuePatch, ctx: Ctx, who: Who, rt: Router) -> QueueOut:
    """Change a queue (a new target expression re-decides which workers are eligible)."""
    fields: dict[str, Any] = body.model_dump(exclude_unset=True)
    queue = svc.update_queue(ctx, who, queue_id, fields)
    rt.queue_changed(who.tenant_id, queue)
    return QueueOut.model_validate(queue)


@router.delete("/queues/{queue_id}", status_code=204, tags=["queues"], **allow(*ADMIN))
def delete_queue(queue_id: str, ctx: Ctx, who: Who, rt: Router) -> Response:
    """Remove a queue with no waiting tasks or interactions."""
    svc.get_queue(ctx, who, queue_id)
    rt.queue_removed(who.tenant_id, queue_id)
    svc.delete_queue(ctx, who, queue_id)
    return Response(status_code=204)


# --- dispositions --------------------------------------------------------------------------------


@router.post(
    "/dispositions",
    status_code=201,
    response_model=DispositionOut,
    tags=["dispositions"],
    **allow(*ADMIN),
)
def create_disposition(body: DispositionIn, ctx: Ctx, who: Who) -> DispositionOut:
    """Add a disposition code; codes are unique."""
    disposition = svc.create_disposition(
        ctx, who, code=body.code, label=body.label, description=body.description
    )
    return DispositionOut.model_validate(disposition)


@router.get(
    "/dispositions", response_model=PageOut[DispositionOut], tags=["dispositions"], **allow()
)
def list_dispositions(
    ctx: Ctx, who: Who, limit: Limit = 50, cursor: Cursor = None
) -> PageOut[DispositionOut]:
    """List disposition codes."""
    page = svc.list_dispositions(ctx, who, after=decode_cursor(cursor), limit=limit)
    return PageOut(
        items=[DispositionOut.model_validate(d) for d in page.items],
        next_cursor=encode_cursor(page.next_after),
    )


@router.get(
    "/dispositions/{disposition_id}",
    response_model=DispositionOut,
    tags=["dispositions"],
    **allow(),
)
def get_disposition(disposition_id: str, ctx: Ctx, who: Who) -> DispositionOut:
    """Return one disposition code."""
    return DispositionOut.model_validate(svc.get_disposition(ctx, who, disposition_id))


@router.patch(
    "/dispositions/{disposition_id}",
    response_model=DispositionOut,
    tags=["dispositions"],
    **allow(*ADMIN),
)
def update_disposition(
    disposition_id: str, body: DispositionPatch, ctx: Ctx, who: Who
) -> DispositionOut:
    """Change a disposition code, label, description or active flag."""
    fields: dict[str, Any] = body.model_dump(exclude_unset=True)
    return DispositionOut.model_validate(svc.update_disposition(ctx, who, disposition_id, fields))


@router.delete(
    "/dispositions/{disposition_id}", status_code=204, tags=["dispositions"], **allow(*ADMIN)
)
def delete_disposition(disposition_id: str, ctx: Ctx, who: Who) -> Response:
    """Remove a disposition code."""
    svc.delete_disposition(ctx, who, disposition_id)
    return Response(status_code=204)
