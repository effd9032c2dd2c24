"""Transfers of a call between people: cold (to a queue or a named worker) and warm (consult).

The call's audio stays where it is (`runtime.voice_bridge`); only routing changes here.

A cold transfer submits a new task before the first worker's task completes, so the interaction
goes from connected to queued (then offered and connected to the next worker) and the first
task's wrap-up does not move it (the router leaves an interaction alone when a task of another
worker than its own ends). A transfer to a named worker is the same task with the worker in its
attributes (`routing.routes.OFFER_TO_WORKER`): the router offers it to that worker only, when
they are free; it is refused at once if the worker does not exist, is the one transferring, is
in an activity that takes no tasks, or takes no calls.

A warm transfer starts with a consult task (`consult_call`) for the same interaction, marked
`CONSULT_OF` the first worker's task: the router logs its events on the interaction but leaves
the call connected to the first worker. `hand_over` then gives the call to the consulted worker
(the interaction's worker becomes theirs, the first worker's task completes, guarded as for a
cold transfer) and `end_consult` closes a consult that was cancelled or left.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any, Final

from agentfloor.core.errors import Conflict, InvalidInput, NotFound, ProblemDetail
from agentfloor.routing.model import Task, TaskState
from agentfloor.routing.routes import CONSULTED_BY, OFFER_TO_WORKER
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.router import CONSULT_OF, RouterService

__all__ = ["consult_call", "end_consult", "hand_over", "transfer_call"]

# Routing marks of the task a transfer starts from, not carried to the next task.
_NOT_CARRIED: Final = (OFFER_TO_WORKER, CONSULT_OF, CONSULTED_BY)


def transfer_call(
    ctx: ServiceContext,
    router: RouterService,
    tenant_id: str,
    task_id: str,
    *,
    worker_id: str,
    queue_id: str | None,
    to_worker_id: str | None = None,
    actor_key_id: str | None,
) -> Task:
    """Cold-transfer the worker's call to a queue or a named worker: a new task, theirs done.

    The new task is submitted first, so the interaction moves from connected back to queued
    (then offered and connected to the next worker); the first worker's task then completes
    (or wraps up) without moving the interaction, which is no longer theirs. Without
    `queue_id` the call goes to the queue of the worker's task.

    Raises:
        Conflict: the task is not this worker's assigned task.
        InvalidInput: there is no such queue; the named worker does not exist, is the
            transferring worker, is offline (an activity that takes no tasks) or takes no calls.
    """
    old = _assigned(router, tenant_id, task_id, worker_id)
    new = _next_task(ctx, router, tenant_id, old, worker_id, queue_id, to_worker_id, {})
    routed = router.submit(tenant_id, new, actor_key_id=actor_key_id)
    with contextlib.suppress(NotFound, Conflict):  # already done by a racing wrap-up
        router.complete(tenant_id, old.id, worker_id=worker_id, actor_key_id=actor_key_id)
    # A caller who hangs up now abandons the new task, not the finished one.
    _set_handoff_task(ctx, tenant_id, old.interaction_id, routed.id)
    return routed


def consult_call(
    ctx: ServiceContext,
    router: RouterService,
    tenant_id: str,
    task_id: str,
    *,
    worker_id: str,
    queue_id: str | None,
    to_worker_id: str | None = None,
    actor_key_id: str | None,
) -> Task:
    """Open a consult for the worker's call: a task for the same call, to a queue or a worker.

    The worker keeps the call (the router does not move the interaction for a consult task).

    Raises:
        Conflict: the task is not this worker's assigned task.
        InvalidInput: as for `transfer_call`.
    """
    old = _assigned(router, tenant_id, task_id, worker_id)
    marks = {CONSULT_OF: old.id, CONSULTED_BY: worker_id}
    new = _next_task(ctx, router, tenant_id, old, worker_id, queue_id, to_worker_id, marks)
    return router.submit(tenant_id, new, actor_key_id=actor_key_id)


def hand_over(
    ctx: ServiceContext,
    router: RouterService,
    tenant_id: str,
    task_id: str,
    *,
    worker_id: str,
    consult: Task,
    actor_key_id: str | None,
) -> None:
    """Give the call to the consulted worker: their task becomes the call's, the worker's ends.

    The interaction's worker and queue become the consulted worker's first, so the first
    worker's task then completes (or wraps up) without ending the call.

    Raises:
        Conflict: the consult task is not assigned (nobody has accepted it).
    """
    if consult.state is not TaskState.ASSIGNED or consult.worker_id is None:
        raise Conflict(f"the consult task {consult.id} is {consult.state.value}, not accepted")
    if consult.interaction_id is None:
        raise Conflict(f"the consult task {consult.id} has no call")
    with ctx.uow(tenant_id) as uow:
        interaction = uow.interactions.get(consult.interaction_id)
        if interaction is None:
            raise NotFound("interaction", consult.interaction_id)
        moved = dataclasses.replace(
            interaction,
            worker_id=consult.worker_id,
            queue_id=consult.queue_id or interaction.queue_id,
            updated_at=ctx.clock.now(),
        )
        uow.interactions.save(moved)
        uow.commit()
    with contextlib.suppress(NotFound, Conflict):  # already done by a racing wrap-up
        router.complete(tenant_id, task_id, worker_id=worker_id, actor_key_id=actor_key_id)
    _set_handoff_task(ctx, tenant_id, consult.interaction_id, consult.id)


def end_consult(
    router: RouterService,
    tenant_id: str,
    consult_task_id: str,
    *,
    actor_key_id: str | None,
    waiting_only: bool = False,
) -> Task | None:
    """Close a consult task: cancelled while it waits or is offered, completed once accepted.

    The call stays with the worker who asked (the router does not move it for a consult).
    With `waiting_only` an accepted consult is left for its worker to wrap up (the call ended).
    Returns the task as closed, or None if it was already over (or left).
    """
    with contextlib.suppress(NotFound, Conflict):
        task = router.get_task(tenant_id, consult_task_id)
        if task.state in (TaskState.PENDING, TaskState.RESERVED):
            return router.cancel(
                tenant_id, consult_task_id, abandoned=False, actor_key_id=actor_key_id
            )
        if task.state is TaskState.ASSIGNED and not waiting_only:
            return router.complete(
                tenant_id, consult_task_id, worker_id=task.worker_id, actor_key_id=actor_key_id
            )
    return None


def _assigned(router: RouterService, tenant_id: str, task_id: str, worker_id: str) -> Task:
    old = router.get_task(tenant_id, task_id)
    if old.state is not TaskState.ASSIGNED or old.worker_id != worker_id:
        raise Conflict(f"task {task_id} is not assigned to worker {worker_id}")
    if old.interaction_id is None:
        raise Conflict(f"task {task_id} has no call to transfer")
    return old


def _next_task(
    ctx: ServiceContext,
    router: RouterService,
    tenant_id: str,
    old: Task,
    worker_id: str,
    queue_id: str | None,
    to_worker_id: str | None,
    marks: dict[str, Any],
) -> Task:
    """Check the target and build the task that takes the call there (not yet submitted)."""
    queue_id = queue_id or old.queue_id
    if queue_id is None:
        raise InvalidInput(
            "give queue_id: the call's task is in no queue",
            problems=[ProblemDetail("queue_id", "required")],
        )
    with ctx.uow(tenant_id) as uow:
        if uow.queues.get(queue_id) is None:
            raise InvalidInput(
                f"there is no queue {queue_id!r}",
                problems=[ProblemDetail("queue_id", "no such queue")],
            )
    if to_worker_id is not None:
        _check_worker(router, tenant_id, old.channel, worker_id, to_worker_id)
    now = ctx.clock.now()
    attributes = {k: v for k, v in old.attributes.items() if k not in _NOT_CARRIED}
    attributes.update(transferred_from=worker_id, previous_task_id=old.id, **marks)
    if to_worker_id is not None:
        attributes[OFFER_TO_WORKER] = to_worker_id
    return Task(
        id=ctx.ids.new("tsk"),
        tenant_id=tenant_id,
        state=TaskState.PENDING,
        created_at=now,
        updated_at=now,
        channel=old.channel,
        priority=old.priority,
        interaction_id=old.interaction_id,
        queue_id=queue_id,
        attributes=attributes,
    )


def _check_worker(
    router: RouterService, tenant_id: str, channel: str, worker_id: str, to_worker_id: str
) -> None:
    """Refuse a named worker who could not take the call now (busy is fine: the call waits)."""
    problem = ProblemDetail("worker_id", "cannot take the call")
    if to_worker_id == worker_id:
        raise InvalidInput("you cannot transfer a call to yourself", problems=[problem])
    with router.lock(tenant_id):
        worker = router.engine(tenant_id).worker(to_worker_id)
        activities = router.config(tenant_id).activities
    if worker is None:
        raise InvalidInput(f"there is no worker {to_worker_id!r}", problems=[problem])
    if not activities.get(worker.activity, False):
        raise InvalidInput(
            f"{worker.name} is {worker.activity}, not available; pick someone available",
            problems=[problem],
        )
    if worker.capacity.get(channel, 0) <= 0:
        raise InvalidInput(f"{worker.name} takes no {channel} tasks", problems=[problem])


def _set_handoff_task(
    ctx: ServiceContext, tenant_id: str, interaction_id: str | None, task_id: str
) -> None:
    """Point the call's AI session at the task that has the call now (for a caller hang-up)."""
    if interaction_id is None:
        return
    with ctx.uow(tenant_id) as uow:
        session = uow.ai_sessions.get(interaction_id)
        if session is not None:
            facts = {**(session.get("handoff_facts") or {}), "task_id": task_id}
            session = {**session, "handoff_facts": facts}
            uow.ai_sessions.put(interaction_id, session, ctx.clock.now())
            uow.commit()
