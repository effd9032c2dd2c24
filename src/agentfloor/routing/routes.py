"""Routes: a workflow checked and compiled once, and the list of targets it gives a task.

`compile_workflow` validates a `Workflow` (every expression parses, every queue exists, timeouts
are positive) and parses its expressions once, so routing a task only evaluates them. A task keeps
the route it got when it was submitted: editing or removing the workflow later changes where new
tasks go, not where routed tasks escalate.

A task submitted straight to a queue waits there (`direct_route`); when its attributes name a
worker under `OFFER_TO_WORKER` (a call transferred or referred to one person) the route's target
narrows to that worker (`worker.id == "..."`), so the task is offered to them only, when they are
free. The route is rebuilt from the stored task the same way after a restart.
"""

from __future__ import annotations

import json
from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.routing.errors import UnknownQueue
from agentfloor.routing.expressions import Expression, parse_expression
from agentfloor.routing.workflow import Target, Workflow

__all__ = [
    "CONSULTED_BY",
    "CONSULT_OF",
    "OFFER_TO_WORKER",
    "CompiledWorkflow",
    "Route",
    "RouteTarget",
    "compile_workflow",
    "direct_route",
    "direct_route_of",
]

OFFER_TO_WORKER: Final = "offer_to_worker"  # task attribute: offer only to this worker id
# task attribute: the id of the task a consult task (a warm transfer) was opened from; the
# task's `task.queued` event carries it, so reports leave consults out of queue KPIs
CONSULT_OF: Final = "consult_of"
CONSULTED_BY: Final = "consulted_by"  # task attribute: the worker who asks (never offered it)

_NOBODY: Mapping[str, Any] = {}


@dataclass(frozen=True, slots=True)
class RouteTarget:
    """A workflow target with its worker expression parsed (None: every eligible worker)."""

    queue_id: str
    worker_expression: Expression | None = None
    priority: int | None = None
    timeout_s: float | None = None


Route: TypeAlias = tuple[RouteTarget, ...]


def direct_route(
    queue_id: str, *, worker_id: str | None = None, not_worker_id: str | None = None
) -> Route:
    """Return the route of a task submitted straight to a queue: wait there, no escalation.

    With `worker_id` the task may be offered to that worker only (and waits for them); with
    `not_worker_id` to anyone in the queue but that worker.
    """
    # a JSON string is a valid expression string literal (same escapes): no injection
    if worker_id is not None:
        expression = parse_expression(f"worker.id == {json.dumps(worker_id)}")
    elif not_worker_id is not None:
        expression = parse_expression(f"worker.id != {json.dumps(not_worker_id)}")
    else:
        return (RouteTarget(queue_id),)
    return (RouteTarget(queue_id, expression),)


def direct_route_of(queue_id: str, attributes: Mapping[str, Any]) -> Route | None:
    """Return the direct route of a task that names or excludes a worker, else None.

    A task naming its worker (`OFFER_TO_WORKER`) is offered to them only; a consult to a queue
    is never offered to the worker who asks (`CONSULTED_BY`).
    """
    wanted = attributes.get(OFFER_TO_WORKER)
    if isinstance(wanted, str) and wanted:
        return direct_route(queue_id, worker_id=wanted)
    asker = attributes.get(CONSULTED_BY)
    if isinstance(asker, str) and asker:
        return direct_route(queue_id, not_worker_id=asker)
    return None


@dataclass(frozen=True, slots=True)
class CompiledWorkflow:
    """A validated workflow: filters with parsed expressions, and the default route."""

    workflow: Workflow
    filters: tuple[tuple[Expression, Route], ...]
    default: Route

    def route_for(self, task: Mapping[str, Any]) -> Route | None:
        """Return the first matching filter's targets, else the default route, else None."""
        for expression, route in self.filters:
            if expression.matches(_NOBODY, task):
                return route
        return self.default or None

    def queue_ids(self) -> set[str]:
        """Every queue this workflow can send a task to."""
        routes = [route for _, route in self.filters] + [self.default]
        return {target.queue_id for route in routes for target in route}


def compile_workflow(workflow: Workflow, queues: Container[str]) -> CompiledWorkflow:
    """Validate and compile a workflow against the tenant's queues.

    Raises:
        ExpressionError: An expression does not parse (`loc` names which).
        UnknownQueue: A target names a queue that does not exist.
        InvalidInput: A filter without targets, a filter reading `worker.*`, a timeout <= 0.
    """
    filters: list[tuple[Expression, Route]] = []
    for i, item in enumerate(workflow.filters):
        loc = f"filters[{i}]"
        expression = parse_expression(item.expression, loc=f"{loc}.expression")
        if expression.uses_worker:
            raise InvalidInput(
                f"filter {item.name!r} reads worker.*, but a filter picks tasks before any "
                "worker is known; move worker conditions to a target's worker_expression",
                problems=[ProblemDetail(f"{loc}.expression", "reads worker.*")],
            )
        if not item.targets:
            raise InvalidInput(
                f"filter {item.name!r} has no targets; give it at least one queue",
                problems=[ProblemDetail(f"{loc}.targets", "empty")],
            )
        route = tuple(
            _target(target, queues, f"{loc}.targets[{j}]") for j, target in enumerate(item.targets)
        )
        filters.append((expression, route))
    default: Route = ()
    if workflow.default_target is not None:
        default = (_target(workflow.default_target, queues, "default_target"),)
    return CompiledWorkflow(workflow, tuple(filters), default)


def _target(target: Target, queues: Container[str], loc: str) -> RouteTarget:
    if target.queue_id not in queues:
        raise UnknownQueue(target.queue_id, loc=f"{loc}.queue_id")
    if target.timeout_s is not None and not target.timeout_s > 0:
        raise InvalidInput(
            f"{loc}.timeout_s must be more than 0 seconds (or null to wait forever), "
            f"got {target.timeout_s}",
            problems=[ProblemDetail(f"{loc}.timeout_s", "must be > 0")],
        )
    expression = parse_expression(target.worker_expression, loc=f"{loc}.worker_expression")
    return RouteTarget(
        target.queue_id,
        expression if target.worker_expression.strip() else None,
        target.priority,
        target.timeout_s,
    )
