"""Services for the tenant's set-up records: workers, queues and disposition codes."""

from __future__ import annotations

import dataclasses
from typing import Any

from agentfloor.access.model import AuditEntry, Principal
from agentfloor.core.errors import Conflict, InvalidInput, NotFound, ProblemDetail
from agentfloor.core.pagination import Page
from agentfloor.interactions.model import Disposition
from agentfloor.routing.expressions import parse_expression
from agentfloor.routing.model import (
    Activity,
    Queue,
    SelectionStrategy,
    Worker,
    WorkerKind,
    change_activity,
    validate_capacity,
)
from agentfloor.runtime.context import Changes, ServiceContext, snapshot

__all__ = [
    "create_disposition",
    "create_queue",
    "create_worker",
    "delete_disposition",
    "delete_queue",
    "delete_worker",
    "get_disposition",
    "get_queue",
    "get_worker",
    "list_audit",
    "list_dispositions",
    "list_queues",
    "list_workers",
    "update_disposition",
    "update_queue",
    "update_worker",
]


def _name(value: str, loc: str = "name") -> str:
    text = value.strip()
    if not text or len(text) > 200:
        raise InvalidInput(
            f"{loc} must be 1-200 characters", problems=[ProblemDetail(loc, "1-200 characters")]
        )
    return text


# --- workers -------------------------------------------------------------------------------------


def create_worker(
    ctx: ServiceContext,
    actor: Principal,
    *,
    name: str,
    kind: WorkerKind,
    attributes: dict[str, Any],
    capacity: dict[str, int],
    activity: str = Activity.OFFLINE,
    email: str | None = None,
) -> Worker:
    """Add a human or AI worker."""
    validate_capacity(capacity)
    with ctx.uow(actor.tenant_id) as uow:
        now = ctx.clock.now()
        worker = Worker(
            id=ctx.ids.new("wrk"),
            tenant_id=actor.tenant_id,
            name=_name(name),
            kind=kind,
            activity=activity,
            activity_since=now,
            created_at=now,
            attributes=attributes,
            capacity=capacity,
            email=email,
        )
        uow.workers.add(worker)
        changes = Changes(ctx, uow, actor, now)
        changes.audit("worker.created", "worker", worker.id, after=snapshot(worker))
        changes.commit()
    return worker


def get_worker(ctx: ServiceContext, actor: Principal, worker_id: str) -> Worker:
    """Return one worker."""
    with ctx.uow(actor.tenant_id) as uow:
        worker = uow.workers.get(worker_id)
    if worker is None:
        raise NotFound("worker", worker_id)
    return worker


def list_workers(
    ctx: ServiceContext,
    actor: Principal,
    *,
    kind: str | None,
    activity: str | None,
    after: str | None,
    limit: int,
) -> Page[Worker]:
    """Return a page of workers."""
    with ctx.uow(actor.tenant_id) as uow:
        return uow.workers.page(kind=kind, activity=activity, after=after, limit=limit)


def update_worker(
    ctx: ServiceContext, actor: Principal, worker_id: str, fields: dict[str, Any]
) -> Worker:
    """Change a worker's fields; a new `activity` resets `activity_since`."""
    if "capacity" in fields:
        validate_capacity(fields["capacity"])
    if "name" in fields:
        fields["name"] = _name(fields["name"])
    with ctx.uow(actor.tenant_id) as uow:
        before = uow.workers.get(worker_id)
        if before is None:
            raise NotFound("worker", worker_id)
        now = ctx.clock.now()
        activity = fields.pop("activity", None)
        after = dataclasses.replace(before, **fields)
        if activity is not None:
            after = change_activity(after, str(activity), now)
        uow.workers.save(after)
        changes = Changes(ctx, uow, actor, now)
        topic = "worker.activity_changed" if after.activity != before.activity else "worker.updated"
        changes.audit(topic, "worker", worker_id, before=snapshot(before), after=snapshot(after))
        changes.commit()
    return after


def delete_worker(ctx: ServiceContext, actor: Principal, worker_id: str) -> None:
    """Remove a worker (past interactions keep their worker id)."""
    with ctx.uow(actor.tenant_id) as uow:
        before = uow.workers.get(worker_id)
        if before is None:
            raise NotFound("worker", worker_id)
        uow.workers.delete(worker_id)
        changes = Changes(ctx, uow, actor, ctx.clock.now())
        changes.audit("worker.deleted", "worker", worker_id, before=snapshot(before))
        changes.commit()


# --- queues --------------------------------------------------------------------------------------


def create_queue(
    ctx: ServiceContext,
    actor: Principal,
    *,
    name: str,
    target_expression: str = "",
    description: str = "",
    strategy: SelectionStrategy = SelectionStrategy.LONGEST_IDLE,
    skill: str | None = None,
    wrapup_s: float = 0.0,
) -> Queue:
    """Add a queue; the name is unique per tenant and the target expression must parse."""
    parse_expression(target_expression, loc="target_expression")
    _check_queue_rules(strategy, skill, wrapup_s)
    with ctx.uow(actor.tenant_id) as uow:
        now = ctx.clock.now()
        queue = Queue(
            id=ctx.ids.new("que"),
            tenant_id=actor.tenant_id,
            name=_name(name),
            created_at=now,
            target_expression=target_expression,
            description=description,
            strategy=SelectionStrategy(strategy),
            skill=skill,
            wrapup_s=wrapup_s,
        )
        if uow.queues.get_by_name(queue.name) is not None:
            raise _duplicate_queue(queue.name)
        uow.queues.add(queue)
        changes = Changes(ctx, uow, actor, now)
        changes.audit("queue.created", "queue", queue.id, after=snapshot(queue))
        changes.commit()
    return queue


def _check_queue_rules(strategy: str, skill: str | None, wrapup_s: float) -> None:
    problems: list[ProblemDetail] = []
    if strategy == SelectionStrategy.MOST_SKILLED and not skill:
        problems.append(
            ProblemDetail("skill", "the most_skilled strategy needs the skill whose level counts")
        )
    if not 0 <= wrapup_s <= 3600:
        problems.append(ProblemDetail("wrapup_s", "wrap-up must be 0-3600 seconds"))
    if problems:
        raise InvalidInput("; ".join(p.message for p in problems), problems=problems)


def _duplicate_queue(name: str) -> Conflict:
    return Conflict(
        f"a queue named {name!r} already exists; choose another name",
        problems=[ProblemDetail("name", "already used by another queue")],
    )


def get_queue(ctx: ServiceContext, actor: Principal, queue_id: str) -> Queue:
    """Return one queue."""
    with ctx.uow(actor.tenant_id) as uow:
        queue = uow.queues.get(queue_id)
    if queue is None:
        raise NotFound("queue", queue_id)
    return queue


def list_queues(
    ctx: ServiceContext, actor: Principal, *, after: str | None, limit: int
) -> Page[Queue]:
    """Return a page of queues."""
    with ctx.uow(actor.tenant_id) as uow:
        return uow.queues.page(after=after, limit=limit)


def update_queue(
    ctx: ServiceContext, actor: Principal, queue_id: str, fields: dict[str, Any]
) -> Queue:
    """Change a queue's name, target expression, description, strategy, skill or wrap-up."""
    if "target_expression" in fields:
        parse_expression(fields["target_expression"], loc="target_expression")
    with ctx.uow(actor.tenant_id) as uow:
        before = uow.queues.get(queue_id)
        if before is None:
            raise NotFound("queue", queue_id)
        merged = dataclasses.replace(before, **fields)
        _check_queue_rules(merged.strategy, merged.skill, merged.wrapup_s)
        if "name" in fields:
            fields["name"] = _name(fields["name"])
            clash = uow.queues.get_by_name(fields["name"])
            if clash is not None and clash.id != queue_id:
                raise _duplicate_queue(fields["name"])
        after = dataclasses.replace(before, **fields)
        uow.queues.save(after)
        changes = Changes(ctx, uow, actor, ctx.clock.now())
        changes.audit(
            "queue.updated", "queue", queue_id, before=snapshot(before), after=snapshot(after)
        )
        changes.commit()
    return after


def delete_queue(ctx: ServiceContext, actor: Principal, queue_id: str) -> None:
    """Remove a queue that no waiting interaction uses."""
    with ctx.uow(actor.tenant_id) as uow:
        before = uow.queues.get(queue_id)
        if before is None:
            raise NotFound("queue", queue_id)
        waiting = uow.interactions.page(queue_id=queue_id, state="queued", limit=1)
        if waiting.items:
            raise Conflict(f"queue {before.name!r} has waiting interactions; move them first")
        uow.queues.delete(queue_id)
        changes = Changes(ctx, uow, actor, ctx.clock.now())
        changes.audit("queue.deleted", "queue", queue_id, before=snapshot(before))
        changes.commit()


# --- dispositions --------------------------------------------------------------------------------


def _code(code: str) -> str:
    text = code.strip()
    ok = 1 <= len(text) <= 64 and all(c.isalnum() or c in "_-." for c in text)
    if not ok:
        raise InvalidInput(
            f"disposition code {code!r} must be 1-64 letters, digits, '_', '-' or '.'",
            problems=[ProblemDetail("code", "1-64 letters, digits, '_', '-' or '.'")],
        )
    return text


def _duplicate_code(code: str) -> Conflict:
    return Conflict(
        f"a disposition with code {code!r} already exists",
        problems=[ProblemDetail("code", "already used")],
    )


def create_disposition(
    ctx: ServiceContext, actor: Principal, *, code: str, label: str, description: str = ""
) -> Disposition:
    """Add a disposition code; codes are unique per tenant."""
    with ctx.uow(actor.tenant_id) as uow:
        now = ctx.clock.now()
        disposition = Disposition(
            id=ctx.ids.new("dsp"),
            tenant_id=actor.tenant_id,
            code=_code(code),
            label=_name(label, "label"),
            created_at=now,
            description=description,
        )
        if uow.dispositions.get_by_code(disposition.code) is not None:
            raise _duplicate_code(disposition.code)
        uow.dispositions.add(disposition)
        changes = Changes(ctx, uow, actor, now)
        changes.audit(
            "disposition.created", "disposition", disposition.id, after=snapshot(disposition)
        )
        changes.commit()
    return disposition


def get_disposition(ctx: ServiceContext, actor: Principal, disposition_id: str) -> Disposition:
    """Return one disposition."""
    with ctx.uow(actor.tenant_id) as uow:
        disposition = uow.dispositions.get(disposition_id)
    if disposition is None:
        raise NotFound("disposition", disposition_id)
    return disposition


def list_dispositions(
    ctx: ServiceContext, actor: Principal, *, after: str | None, limit: int
) -> Page[Disposition]:
    """Return a page of dispositions."""
    with ctx.uow(actor.tenant_id) as uow:
        return uow.dispositions.page(after=after, limit=limit)


def update_disposition(
    ctx: ServiceContext, actor: Principal, disposition_id: str, fields: dict[str, Any]
) -> Disposition:
    """Change a disposition's code, label, description or active flag."""
    with ctx.uow(actor.tenant_id) as uow:
        before = uow.dispositions.get(disposition_id)
        if before is None:
            raise NotFound("disposition", disposition_id)
        if "code" in fields:
            fields["code"] = _code(fields["code"])
            clash = uow.dispositions.get_by_code(fields["code"])
            if clash is not None and clash.id != disposition_id:
                raise _duplicate_code(fields["code"])
        if "label" in fields:
            fields["label"] = _name(fields["label"], "label")
        after = dataclasses.replace(before, **fields)
        uow.dispositions.save(after)
        changes = Changes(ctx, uow, actor, ctx.clock.now())
        changes.audit(
            "disposition.updated",
            "disposition",
            disposition_id,
            before=snapshot(before),
            after=snapshot(after),
        )
        changes.commit()
    return after


def delete_disposition(ctx: ServiceContext, actor: Principal, disposition_id: str) -> None:
    """Remove a disposition code (interactions keep the code they were given)."""
    with ctx.uow(actor.tenant_id) as uow:
        before = uow.dispositions.get(disposition_id)
        if before is None:
            raise NotFound("disposition", disposition_id)
        uow.dispositions.delete(disposition_id)
        changes = Changes(ctx, uow, actor, ctx.clock.now())
        changes.audit("disposition.deleted", "disposition", disposition_id, before=snapshot(before))
        changes.commit()


# --- audit ---------------------------------------------------------------------------------------


def list_audit(
    ctx: ServiceContext,
    actor: Principal,
    *,
    resource_type: str | None,
    resource_id: str | None,
    action: str | None,
    after: str | None,
    limit: int,
) -> Page[AuditEntry]:
    """Return a page of the audit log, newest first."""
    with ctx.uow(actor.tenant_id) as uow:
        return uow.audit.page(
            resource_type=resource_type,
            resource_id=resource_id,
            action=action,
            after=after,
            limit=limit,
        )
