"""Workflow services: validate, store, audit, and install in the live router."""

from __future__ import annotations

import dataclasses
from typing import Any

from agentfloor.access.model import Principal
from agentfloor.core.errors import Conflict, InvalidInput, NotFound, ProblemDetail
from agentfloor.routing.expressions import parse_expression
from agentfloor.routing.workflow import Filter, Target, Workflow
from agentfloor.runtime.context import Changes, ServiceContext, snapshot
from agentfloor.runtime.router import RouterService

__all__ = [
    "create_workflow",
    "delete_workflow",
    "get_workflow",
    "list_workflows",
    "update_workflow",
]


def _targets(raw: list[dict[str, Any]], loc: str) -> tuple[Target, ...]:
    return tuple(_target(t, f"{loc}[{i}]") for i, t in enumerate(raw))


def _target(raw: dict[str, Any], loc: str) -> Target:
    return Target(
        queue_id=raw["queue_id"],
        worker_expression=raw.get("worker_expression") or "",
        priority=raw.get("priority"),
        timeout_s=raw.get("timeout_s"),
    )


def _build(
    ctx: ServiceContext, tenant_id: str, body: dict[str, Any], *, now: float
) -> tuple[tuple[Filter, ...], Target | None]:
    """Turn a request body into filters and a default target, listing every problem at once."""
    problems: list[ProblemDetail] = []
    queue_ids: set[str] = set()
    filters: list[Filter] = []
    for i, f in enumerate(body.get("filters") or []):
        loc = f"filters[{i}]"
        problems += _expression_problems(f["expression"], f"{loc}.expression")
        for j, t in enumerate(f["targets"]):
            problems += _expression_problems(
                t.get("worker_expression") or "", f"{loc}.targets[{j}].worker_expression"
            )
            queue_ids.add(t["queue_id"])
        filters.append(Filter(f["name"], f["expression"], _targets(f["targets"], loc)))
    default = body.get("default_target")
    if default is not None:
        problems += _expression_problems(
            default.get("worker_expression") or "", "default_target.worker_expression"
        )
        queue_ids.add(default["queue_id"])
    with ctx.uow(tenant_id) as uow:
        for i, f in enumerate(body.get("filters") or []):
            for j, t in enumerate(f["targets"]):
                if uow.queues.get(t["queue_id"]) is None:
                    problems.append(
                        ProblemDetail(f"filters[{i}].targets[{j}].queue_id", "no such queue")
                    )
        if default is not None and uow.queues.get(default["queue_id"]) is None:
            problems.append(ProblemDetail("default_target.queue_id", "no such queue"))
    if not filters and default is None:
        problems.append(
            ProblemDetail("filters", "a workflow needs at least one filter or a default target")
        )
    if problems:
        raise InvalidInput(
            "the workflow is not valid: " + "; ".join(f"{p.loc}: {p.message}" for p in problems),
            problems=problems,
        )
    return tuple(filters), _target(default, "default_target") if default else None


def _expression_problems(text: str, loc: str) -> list[ProblemDetail]:
    try:
        parse_expression(text, loc=loc)
    except InvalidInput as exc:
        return exc.problems
    return []


def create_workflow(
    ctx: ServiceContext, router: RouterService, actor: Principal, body: dict[str, Any]
) -> Workflow:
    """Validate and store a workflow, then install it in the live router."""
    now = ctx.clock.now()
    filters, default = _build(ctx, actor.tenant_id, body, now=now)
    workflow = Workflow(
        id=ctx.ids.new("wfl"),
        tenant_id=actor.tenant_id,
        name=body["name"].strip(),
        filters=filters,
        created_at=now,
        updated_at=now,
        default_target=default,
        description=body.get("description") or "",
    )
    router.check_workflow(actor.tenant_id, workflow)
    with ctx.uow(actor.tenant_id) as uow:
        if any(w.name == workflow.name for w in uow.workflows.all()):
            raise Conflict(
                f"a workflow named {workflow.name!r} already exists; choose another name",
                problems=[ProblemDetail("name", "already used")],
            )
        uow.workflows.add(workflow)
        changes = Changes(ctx, uow, actor, now)
        changes.audit("workflow.created", "workflow", workflow.id, after=snapshot(workflow))
        changes.commit()
    router.workflow_changed(actor.tenant_id, workflow)
    return workflow


def update_workflow(
    ctx: ServiceContext,
    router: RouterService,
    actor: Principal,
    workflow_id: str,
    body: dict[str, Any],
) -> Workflow:
    """Replace a workflow's rules; tasks already routed keep the targets they were given."""
    before = get_workflow(ctx, actor, workflow_id)
    now = ctx.clock.now()
    filters, default = _build(ctx, actor.tenant_id, body, now=now)
    after = dataclasses.replace(
        before,
        name=body["name"].strip(),
        description=body.get("description") or "",
        filters=filters,
        default_target=default,
        updated_at=now,
    )
    router.check_workflow(actor.tenant_id, after)
    with ctx.uow(actor.tenant_id) as uow:
        if any(w.name == after.name and w.id != workflow_id for w in uow.workflows.all()):
            raise Conflict(f"a workflow named {after.name!r} already exists")
        uow.workflows.save(after)
        changes = Changes(ctx, uow, actor, now)
        changes.audit(
            "workflow.updated",
            "workflow",
            workflow_id,
            before=snapshot(before),
            after=snapshot(after),
        )
        changes.commit()
    router.workflow_changed(actor.tenant_id, after)
    return after


def get_workflow(ctx: ServiceContext, actor: Principal, workflow_id: str) -> Workflow:
    """Return one workflow."""
    with ctx.uow(actor.tenant_id) as uow:
        workflow = uow.workflows.get(workflow_id)
    if workflow is None:
        raise NotFound("workflow", workflow_id)
    return workflow


def list_workflows(ctx: ServiceContext, actor: Principal) -> list[Workflow]:
    """Return every workflow of the tenant, oldest first."""
    with ctx.uow(actor.tenant_id) as uow:
        return uow.workflows.all()


def delete_workflow(
    ctx: ServiceContext, router: RouterService, actor: Principal, workflow_id: str
) -> None:
    """Delete a workflow; tasks it already routed keep their targets."""
    before = get_workflow(ctx, actor, workflow_id)
    with ctx.uow(actor.tenant_id) as uow:
        uow.workflows.delete(workflow_id)
        changes = Changes(ctx, uow, actor, ctx.clock.now())
        changes.audit("workflow.deleted", "workflow", workflow_id, before=snapshot(before))
        changes.commit()
    router.workflow_removed(actor.tenant_id, workflow_id)
