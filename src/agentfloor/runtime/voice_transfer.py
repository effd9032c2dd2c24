"""A cold transfer of a call: back to a queue as a new task, the first worker's task done.

The call's audio stays where it is (`runtime.voice_bridge`); only routing changes. The new task
is submitted before the first worker's task completes, so the interaction goes from connected to
queued (then offered and connected to the next worker) and the first task's wrap-up does not move
it (the router leaves an interaction alone when a task of another worker than its own ends).
A transfer straight to one worker is not offered: the router has no way to offer a task to a
chosen worker yet.
"""

from __future__ import annotations

import contextlib

from agentfloor.core.errors import Conflict, InvalidInput, NotFound, ProblemDetail
from agentfloor.routing.model import Task, TaskState
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.router import RouterService

__all__ = ["transfer_call"]


def transfer_call(
    ctx: ServiceContext,
    router: RouterService,
    tenant_id: str,
    task_id: str,
    *,
    worker_id: str,
    queue_id: str,
    actor_key_id: str | None,
) -> Task:
    """Cold-transfer the worker's call to a queue: a new task there, the worker's task done.

    The new task is submitted first, so the interaction moves from connected back to queued
    (then offered and connected to the next worker); the first worker's task then completes
    (or wraps up) without moving the interaction, which is no longer theirs.

    Raises:
        Conflict: the task is not this worker's assigned task.
        InvalidInput: there is no such queue.
    """
    old = router.get_task(tenant_id, task_id)
    if old.state is not TaskState.ASSIGNED or old.worker_id != worker_id:
        raise Conflict(f"task {task_id} is not assigned to worker {worker_id}")
    if old.interaction_id is None:
        raise Conflict(f"task {task_id} has no call to transfer")
    with ctx.uow(tenant_id) as uow:
        if uow.queues.get(queue_id) is None:
            raise InvalidInput(
                f"there is no queue {queue_id!r}",
                problems=[ProblemDetail("queue_id", "no such queue")],
            )
    now = ctx.clock.now()
    attributes = {**old.attributes, "transferred_from": worker_id, "previous_task_id": old.id}
    new = Task(
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
    routed = router.submit(tenant_id, new, actor_key_id=actor_key_id)
    with contextlib.suppress(NotFound, Conflict):  # already done by a racing wrap-up
        router.complete(tenant_id, old.id, worker_id=worker_id, actor_key_id=actor_key_id)
    # A caller who hangs up now abandons the new task, not the finished one.
    with ctx.uow(tenant_id) as uow:
        session = uow.ai_sessions.get(old.interaction_id)
        if session is not None:
            facts = {**(session.get("handoff_facts") or {}), "task_id": routed.id}
            uow.ai_sessions.put(old.interaction_id, {**session, "handoff_facts": facts}, now)
            uow.commit()
    return routed
