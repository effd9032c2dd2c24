"""Routes: a workflow checked and compiled once, and the list of targets it gives a task.

`compile_workflow` validates a `Workflow` (every expression parses, every queue exists, timeouts
are positive) and parses its expressions once, so routing a task only evaluates them. A task keeps
the route it got when it was submitted: editing or removing the workflow later changes where new
tasks go, not where routed tasks escalate.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.routing.errors import UnknownQueue
from agentfloor.routing.expressions import Expression, parse_expression
from agentfloor.routing.workflow import Target, Workflow

__all__ = ["CompiledWorkflow", "Route", "RouteTarget", "compile_workflow", "direct_route"]

_NOBODY: Mapping[str, Any] = {}


@dataclass(frozen=True, slots=True)
class RouteTarget:
    """A workflow target with its worker expression parsed (None: every eligible worker)."""

    queue_id: str
    worker_expression: Expression | None = None
    priority: int | None = None
    timeout_s: float | None = None


Route: TypeAlias = tuple[RouteTarget, ...]


def direct_route(queue_id: str) -> Route:
    """Return the route of a task submitted straight to a queue: wait there, no escalation."""
    return (RouteTarget(queue_id),)


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
