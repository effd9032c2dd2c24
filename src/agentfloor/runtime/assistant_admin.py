"""Administering a tenant's AI agent: settings, the demo orders table, booked appointments.

Settings are checked whole (`parse_settings`) and against the tenant's workflows and flows before
they are stored, so a typo in a workflow id is a 422 now rather than a failed handoff later.
"""

from __future__ import annotations

from typing import Any

from agentfloor.access.model import Principal
from agentfloor.agents.ports import Appointment, Order
from agentfloor.core.errors import InvalidInput, NotFound, ProblemDetail
from agentfloor.runtime.assistant_settings import AssistantSettings, load_settings, parse_settings
from agentfloor.runtime.context import Changes, ServiceContext

__all__ = ["get_order", "get_settings", "list_appointments", "put_order", "put_settings"]

MAX_APPOINTMENT_RANGE_S = 366 * 86_400


def get_settings(ctx: ServiceContext, actor: Principal) -> AssistantSettings:
    """Return the tenant's assistant settings (defaults when never stored)."""
    with ctx.uow(actor.tenant_id) as uow:
        return load_settings(uow)


def put_settings(ctx: ServiceContext, actor: Principal, doc: dict[str, Any]) -> AssistantSettings:
    """Validate and store the tenant's assistant settings.

    Raises:
        InvalidInput: every problem by path, including workflow ids and a flow id that do not
            exist.
    """
    with ctx.uow(actor.tenant_id) as uow:
        problems: list[ProblemDetail] = []
        try:
            settings = parse_settings(doc)
        except InvalidInput as exc:
            problems.extend(exc.problems)
            settings = None
        workflows = {w.id for w in uow.workflows.all()}
        handoff = doc.get("handoff_workflows")
        if isinstance(handoff, dict):
            for key, workflow_id in handoff.items():
                if isinstance(workflow_id, str) and workflow_id not in workflows:
                    problems.append(
                        ProblemDetail(f"handoff_workflows.{key}", f"no workflow {workflow_id!r}")
                    )
        flow_id = doc.get("flow_id")
        if isinstance(flow_id, str) and uow.flows.get(flow_id) is None:
            problems.append(ProblemDetail("flow_id", f"no flow {flow_id!r}"))
        if problems or settings is None:
            raise InvalidInput("the assistant settings have problems", problems=problems)
        before = uow.assistant.get()
        now = ctx.clock.now()
        uow.assistant.put(dict(doc), now)
        changes = Changes(ctx, uow, actor, now)
        changes.audit(
            "assistant.configured", "assistant", actor.tenant_id, before=before, after=dict(doc)
        )
        changes.commit()
    return settings


def put_order(ctx: ServiceContext, actor: Principal, order: Order) -> Order:
    """Create or replace an order in the demo orders table."""
    with ctx.uow(actor.tenant_id) as uow:
        uow.orders.put(order)
        changes = Changes(ctx, uow, actor, order.updated_at)
        changes.audit("order.saved", "order", order.id, after={"status": order.status})
        changes.commit()
    return order


def get_order(ctx: ServiceContext, actor: Principal, order_id: str) -> Order:
    """Return an order (ids are case-insensitive)."""
    with ctx.uow(actor.tenant_id) as uow:
        order = uow.orders.get(order_id.upper())
    if order is None:
        raise NotFound("order", order_id)
    return order


def list_appointments(
    ctx: ServiceContext, actor: Principal, start: float, end: float, resource: str | None = None
) -> list[Appointment]:
    """Return the booked appointments overlapping [start, end), earliest first."""
    if end <= start or end - start > MAX_APPOINTMENT_RANGE_S:
        raise InvalidInput(
            "give a range of up to a year with `to` after `from`",
            problems=[ProblemDetail("to", "must be after `from`, at most 366 days later")],
        )
    with ctx.uow(actor.tenant_id) as uow:
        found = uow.appointments.booked(resource, start, end)
    return sorted(found, key=lambda a: (a.starts_at, a.resource))
