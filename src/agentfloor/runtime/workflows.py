"""Workflow services: validate, store, audit, and install in the live router."""

from __future__ import annotations

import dataclasses
from typing import Any

from agentfloor.access.model import Principal
from agentfloor.core.errors import Conflict, InvalidInput, NotFound, ProblemDetail
from agentfloor.core.pagination import all_items
from agentfloor.routing.expressions import parse_expression
from agentfloor.routing.routes import compile_workflow
from agentfloor.routing.workflow import Filter, Target, Workflow, target_from_dict
from agentfloor.runtime.context import Changes, ServiceContext, snapshot
from agentfloor.runtime.router import RouterService

__all__ = [
    "create_workflow",
    "delete_workflow",
    "get_workflow",
    "list_workflows",
    "update_workflow",
]


def _build(
    ctx: ServiceContext, tenant_id: str, body: dict[str, Any]
) -> tuple[tuple[Filter, ...], Target | None, frozenset[str]]:
    """Turn a request body into filters and a default target, listing every problem at once.

    Also returns the tenant's queue ids, read once, for the engine's own checks.
    """
    with ctx.uow(tenant_id) as uow:
        queues = frozenset(
            q.id for q in all_items(lambda after: uow.queues.page(after=after, limit=500))
        )
    problems: list[ProblemDetail] = []

    def check_target(raw: dict[str, Any], loc: str) -> Target:
        problems.extend(
            _expression_problems(raw.get("worker_expression") or "", f"{loc}.worker_expression")
        )
        if raw["queue_id"] not in queues:
            problems.append(ProblemDetail(f"{loc}.queue_id", "no such queue"))
        return target_from_dict(raw)

    filters: list[Filter] = []
    for i, f in enumerate(body.get("filters") or []):
        loc = f"filters[{i}]"
        problems += _expression_problems(f["expression"], f"{loc}.expression")
        targets = tuple(check_target(t, f"{loc}.targets[{j}]") for j, t in enumerate(f["targets"]))
        filters.append(Filter(f["name"], f["expression"], targets))
    raw_default = body.get("default_target")
    default = check_target(raw_default, "default_target") if raw_default is not None else None
    if not filters and default is None:
        problems.append(
            ProblemDetail("filters", "a workflow needs at least one filter or a default target")
        )
    if problems:
        raise InvalidInput(
            "the workflow is not valid: " + "; ".join(f"{p.loc}: {p.message}" for p in problems),
            problems=problems,
        )
    return tuple(filters), default, queues


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
    filters, default, queues = _build(ctx, actor.tenant_id, body)
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
    compile_workflow(workflow, queues)  # the engine's own rules, e.g. no worker.* in filters
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
    filters, default, queues = _build(ctx, actor.tenant_id, body)
    after = dataclasses.replace(
        before,
        name=body["name"].strip(),
        description=body.get("description") or "",
        filters=filters,
        default_target=default,
        updated_at=now,
    )
    compile_workflow(after, queues)
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
