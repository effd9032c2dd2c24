"""Interaction services: open an interaction, move it through its states, disposition, event log."""

from __future__ import annotations

import dataclasses
from typing import Any

from agentfloor.access.model import Principal
from agentfloor.core.errors import Conflict, InvalidInput, NotFound, ProblemDetail
from agentfloor.core.pagination import Page
from agentfloor.interactions.model import (
    Channel,
    Direction,
    Interaction,
    InteractionEvent,
    transition,
)
from agentfloor.interactions.states import InteractionState
from agentfloor.runtime.context import Changes, ServiceContext, snapshot
from agentfloor.runtime.uow import UnitOfWork

__all__ = [
    "change_state",
    "create_interaction",
    "get_interaction",
    "interaction_events",
    "list_interactions",
    "set_disposition",
    "update_interaction",
]


def _require(uow: UnitOfWork, interaction_id: str) -> Interaction:
    interaction = uow.interactions.get(interaction_id)
    if interaction is None:
        raise NotFound("interaction", interaction_id)
    return interaction


def _check_refs(
    uow: UnitOfWork, *, customer_id: str | None, queue_id: str | None, worker_id: str | None
) -> None:
    problems: list[ProblemDetail] = []
    if customer_id is not None:
        customer = uow.customers.get(customer_id)
        if customer is None:
            problems.append(ProblemDetail("customer_id", f"no customer {customer_id!r}"))
        elif customer.merged_into:
            problems.append(
                ProblemDetail("customer_id", f"was merged into {customer.merged_into}; use that id")
            )
    if queue_id is not None and uow.queues.get(queue_id) is None:
        problems.append(ProblemDetail("queue_id", f"no queue {queue_id!r}"))
    if worker_id is not None and uow.workers.get(worker_id) is None:
        problems.append(ProblemDetail("worker_id", f"no worker {worker_id!r}"))
    if problems:
        raise InvalidInput("; ".join(p.message for p in problems), problems=problems)


def create_interaction(
    ctx: ServiceContext,
    actor: Principal,
    *,
    channel: Channel,
    direction: Direction,
    customer_id: str | None = None,
    queue_id: str | None = None,
    reason: str | None = None,
    attributes: dict[str, Any] | None = None,
) -> Interaction:
    """Open an interaction in state `created` and log `interaction.created`."""
    with ctx.uow(actor.tenant_id) as uow:
        _check_refs(uow, customer_id=customer_id, queue_id=queue_id, worker_id=None)
        now = ctx.clock.now()
        interaction = Interaction(
            id=ctx.ids.new("int"),
            tenant_id=actor.tenant_id,
            channel=channel,
            direction=direction,
            state=InteractionState.CREATED,
            created_at=now,
            updated_at=now,
            customer_id=customer_id,
            queue_id=queue_id,
            reason=reason,
            attributes=dict(attributes or {}),
        )
        uow.interactions.add(interaction)
        changes = Changes(ctx, uow, actor, now)
        changes.log(interaction, "interaction.created", snapshot(interaction))
        changes.commit()
    return interaction


def get_interaction(ctx: ServiceContext, actor: Principal, interaction_id: str) -> Interaction:
    """Return one interaction."""
    with ctx.uow(actor.tenant_id) as uow:
        return _require(uow, interaction_id)


def list_interactions(
    ctx: ServiceContext, actor: Principal, *, after: str | None, limit: int, **filters: str | None
) -> Page[Interaction]:
    """Return a page of interactions filtered by customer, channel, state, queue or worker."""
    with ctx.uow(actor.tenant_id) as uow:
        return uow.interactions.page(after=after, limit=limit, **filters)


def update_interaction(
    ctx: ServiceContext, actor: Principal, interaction_id: str, fields: dict[str, Any]
) -> Interaction:
    """Change customer, queue, worker, reason or attributes; logged as `interaction.updated`."""
    with ctx.uow(actor.tenant_id) as uow:
        before = _require(uow, interaction_id)
        _check_refs(
            uow,
            customer_id=fields.get("customer_id"),
            queue_id=fields.get("queue_id"),
            worker_id=fields.get("worker_id"),
        )
        now = ctx.clock.now()
        after = dataclasses.replace(before, **fields, updated_at=now)
        uow.interactions.save(after)
        changes = Changes(ctx, uow, actor, now)
        changes.log(after, "interaction.updated", {k: _plain(v) for k, v in fields.items()})
        changes.commit()
    return after


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def change_state(
    ctx: ServiceContext,
    actor: Principal,
    interaction_id: str,
    wanted: InteractionState,
    *,
    reason: str | None = None,
) -> Interaction:
    """Move the interaction to `wanted`; `IllegalTransition` (409) names the allowed states."""
    with ctx.uow(actor.tenant_id) as uow:
        before = _require(uow, interaction_id)
        now = ctx.clock.now()
        after = transition(before, wanted, now)
        uow.interactions.save(after)
        changes = Changes(ctx, uow, actor, now)
        data: dict[str, Any] = {"from": before.state.value, "to": wanted.value}
        if reason:
            data["reason"] = reason
        changes.log(after, "interaction.state_changed", data)
        changes.commit()
    return after


def set_disposition(
    ctx: ServiceContext, actor: Principal, interaction_id: str, code: str
) -> Interaction:
    """Record the outcome code; allowed while connected, in wrap-up, or once completed."""
    with ctx.uow(actor.tenant_id) as uow:
        before = _require(uow, interaction_id)
        disposition = uow.dispositions.get_by_code(code)
        if disposition is None or not disposition.active:
            raise InvalidInput(
                f"{code!r} is not an active disposition code of this tenant",
                problems=[ProblemDetail("code", "use one of GET /v1/dispositions")],
            )
        allowed = {InteractionState.CONNECTED, InteractionState.WRAP_UP, InteractionState.COMPLETED}
        if before.state not in allowed:
            raise Conflict(
                f"interaction {interaction_id} is {before.state.value}; a disposition can be set "
                "once it is connected, in wrap-up or completed"
            )
        now = ctx.clock.now()
        after = dataclasses.replace(before, disposition_code=code, updated_at=now)
        uow.interactions.save(after)
        changes = Changes(ctx, uow, actor, now)
        changes.log(
            after,
            "interaction.dispositioned",
            {"code": code, "label": disposition.label, "previous": before.disposition_code},
        )
        changes.commit()
    return after


def interaction_events(
    ctx: ServiceContext, actor: Principal, interaction_id: str
) -> list[InteractionEvent]:
    """Return the interaction's event log in order."""
    with ctx.uow(actor.tenant_id) as uow:
        _require(uow, interaction_id)
        return uow.events.of_interaction(interaction_id)
