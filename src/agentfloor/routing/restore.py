"""Restart: rebuild the router's state from persisted tasks and reservations, without events.

The runtime persists every task and reservation an event touched; after a crash it builds a new
engine (settings, queues, workflows, workers) and hands back each unfinished task with its pending
reservation, in any order. Queues come back in order-key order, offers keep their expiry, work in
hand keeps counting against capacity and wrap-ups end when they would have. Waiting tasks are
offered at the next `tick`, which `next_deadline` makes due at once. What is not persisted is
forgotten: re-offer cool-downs, and the talk time of a task that was wrapping up.
"""

from __future__ import annotations

from agentfloor.routing.dispatch import FINISHED, Dispatcher, Offer
from agentfloor.routing.errors import UnknownQueue
from agentfloor.routing.matching import TaskSlot
from agentfloor.routing.model import Reservation, ReservationState, Task, TaskState
from agentfloor.routing.routes import Route
from agentfloor.routing.timers import TimerKind

__all__ = ["restore_task"]


def restore_task(
    dispatch: Dispatcher, task: Task, reservation: Reservation | None, route: Route, pos: int
) -> None:
    """Put a persisted task back at `route[pos]`, with its reservation if still usable.

    A reserved task whose reservation is missing, not pending or for a worker no longer there
    goes back to waiting in its queue.

    Raises:
        UnknownQueue: A waiting or offered task names a queue the router does not have.
    """
    index = dispatch.index
    slot = TaskSlot.restored(task, route, pos, index.next_seq())
    state = task.state
    if state in (TaskState.PENDING, TaskState.RESERVED):
        if task.queue_id not in index.queues:
            raise UnknownQueue(task.queue_id or "", loc="queue_id")
        key = task.order_key
        if key is None:  # persisted before order keys existed: as if queued at creation
            key = task.created_at - task.priority * dispatch.config.priority_step_s
            slot.order_key, slot.cached = key, None
        slot.base = dispatch.keys.restore(key)
    index.tasks[task.id] = slot
    if state in FINISHED:
        return
    dispatch.restored_at = max(dispatch.restored_at or task.updated_at, task.updated_at)
    if state in (TaskState.ASSIGNED, TaskState.WRAPPING):
        if task.worker_id is not None:
            index.hold(task.worker_id, slot)  # counts even if the worker is not (yet) back
        if state == TaskState.WRAPPING:
            line = index.queues.get(task.queue_id or "")
            due = task.updated_at + (line.queue.wrapup_s if line is not None else 0.0)
            dispatch.timers.schedule(due, TimerKind.WRAPUP_END, task.id)
        return
    worker = None if reservation is None else index.workers.get(reservation.worker_id)
    if (
        state == TaskState.RESERVED
        and reservation is not None
        and worker is not None
        and reservation.task_id == task.id
        and reservation.state == ReservationState.PENDING
    ):
        dispatch.reservations[reservation.id] = Offer.restored(reservation)
        slot.reservations += (reservation.id,)
        slot.reservation_id = reservation.id
        worker.offers[reservation.id] = None
        index.queues[task.queue_id or ""].offered.add(task.id)
        index.hold(worker.record.id, slot)
        dispatch.timers.schedule(
            reservation.expires_at, TimerKind.RESERVATION_TIMEOUT, reservation.id
        )
        return
    if state == TaskState.RESERVED:
        slot.state, slot.cached = TaskState.PENDING, None
    index.add_waiting(slot)
    dispatch.arm_escalation(slot)
