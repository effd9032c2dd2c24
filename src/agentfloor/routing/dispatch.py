"""Dispatch: the state transitions behind the routing engine's calls and timers.

Offers, their endings (accepted, rejected, timed out, canceled), re-queueing at the original
place, escalation along a route, completion after wrap-up, and the timers that drive them (the
rebuild after a restart is `routing.restore`). `RoutingEngine` validates each call, then drives
a `Dispatcher`; everything here assumes valid input and keeps the indexes of `routing.matching`
in step. See the engine's module docstring for the semantics.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from agentfloor.core.ids import IdFactory
from agentfloor.routing.matching import MatchIndex, QueueLine, TaskSlot, WorkerSlot
from agentfloor.routing.model import (
    Reservation,
    ReservationState,
    RoutingConfig,
    RoutingEvent,
    Task,
    TaskState,
    change_activity,
)
from agentfloor.routing.ordering import OrderKeys
from agentfloor.routing.timers import Timer, TimerKind, Timers

__all__ = ["FINISHED", "Dispatcher", "Step", "evolve", "order_key"]

R = TypeVar("R", Task, Reservation)  # the records the router replaces on its hot path

FINISHED = frozenset({TaskState.COMPLETED, TaskState.CANCELED, TaskState.ABANDONED})


class Step:
    """One call's context: when things happen, when offers made now expire, what was emitted."""

    __slots__ = ("at", "events", "offer_until")

    def __init__(self, at: float, offer_until: float) -> None:
        self.at = at
        self.offer_until = offer_until
        self.events: list[RoutingEvent] = []

    def emit(
        self,
        type_: str,
        *,
        task_id: str | None = None,
        worker_id: str | None = None,
        reservation_id: str | None = None,
        queue_id: str | None = None,
        **data: Any,
    ) -> None:
        """Record an event at `at`."""
        self.events.append(
            RoutingEvent(type_, self.at, task_id, worker_id, reservation_id, queue_id, data)
        )


_FIELDS: dict[type, tuple[str, ...]] = {}
_set = object.__setattr__


def evolve(record: R, **changes: Any) -> R:
    """Return a copy of a frozen, slotted record with `changes` applied.

    `dataclasses.replace` does the same but introspects the fields and runs `__init__` on every
    call; this copies the slots directly, about twice as fast, and the router replaces a task or
    reservation several times per offer. The records have no `__post_init__`, so nothing is
    skipped; a misspelt field raises AttributeError (slotted classes have no `__dict__`).
    """
    cls = type(record)
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(record))
    new = object.__new__(cls)
    for name in names:
        _set(new, name, getattr(record, name))
    for name, value in changes.items():
        _set(new, name, value)
    return new


def order_key(slot: TaskSlot) -> float:
    """Return the task's order key (every queued task has one)."""
    key = slot.record.order_key
    assert key is not None
    return key


class Dispatcher:
    """One tenant's routing state and the transitions that change it."""

    def __init__(self, tenant_id: str, ids: IdFactory, config: RoutingConfig) -> None:
        self.tenant_id = tenant_id
        self.ids = ids
        self.config = config
        self.index = MatchIndex(dict(config.activities))
        self.reservations: dict[str, Reservation] = {}
        self.task_reservations: dict[str, list[str]] = {}  # for `forget`
        self.keys = OrderKeys()
        self.timers = Timers(self._is_live)
        self.restored_at: float | None = None  # restore_task ran: the next tick rebalances

    def step(self, now: float) -> Step:
        """Start a step at `now`; offers made in it expire `reservation_timeout_s` later."""
        return Step(now, now + self.config.reservation_timeout_s)

    # --- offers ----------------------------------------------------------------------------------

    def place(self, slot: TaskSlot, step: Step) -> None:
        """Offer a pending task to its best free worker, if any."""
        worker = self.index.best_worker(slot, step.at)
        if worker is not None:
            self.offer(slot, worker, step)
            self.index.refresh(worker)

    def serve(self, worker: WorkerSlot, step: Step) -> None:
        """Offer a worker the best waiting tasks while it has room, then re-list it."""
        index = self.index
        while index.is_routable(worker):
            slot = index.best_task(worker, step.at)  # reads load, not the free listings
            if slot is None:
                break
            self.offer(slot, worker, step)
        index.refresh(worker)

    def offer(self, slot: TaskSlot, worker: WorkerSlot, step: Step) -> None:
        """Reserve a waiting task for a worker until `step.offer_until`.

        Leaves the worker's free listings stale (listed free while it may be full): the caller
        (`place`, `serve`) refreshes before anything else is matched.
        """
        record = slot.record
        queue_id, worker_id = record.queue_id, worker.record.id
        assert queue_id is not None
        reservation = Reservation(
            id=self.ids.new("res"),
            tenant_id=self.tenant_id,
            task_id=record.id,
            worker_id=worker_id,
            state=ReservationState.PENDING,
            created_at=step.at,
            expires_at=step.offer_until,
            updated_at=step.at,
        )
        self.reservations[reservation.id] = reservation
        self.task_reservations.setdefault(record.id, []).append(reservation.id)
        self.index.remove_waiting(slot)
        self.index.queues[queue_id].offered.add(record.id)
        slot.reservation_id = reservation.id
        slot.record = evolve(record, state=TaskState.RESERVED, updated_at=step.at)
        worker.offers[reservation.id] = None
        self.index.hold(worker_id, slot, relist=False)
        self.timers.schedule(step.offer_until, TimerKind.RESERVATION_TIMEOUT, reservation.id)
        step.emit(
            "reservation.created",
            task_id=record.id,
            worker_id=worker_id,
            reservation_id=reservation.id,
            queue_id=queue_id,
            expires_at=step.offer_until,
            channel=record.channel,
        )

    def close(self, reservation: Reservation, state: ReservationState, at: float) -> None:
        """Record the reservation's end (the caller deals with the task)."""
        self.reservations[reservation.id] = evolve(reservation, state=state, updated_at=at)
        worker = self.index.workers.get(reservation.worker_id)
        if worker is not None:
            worker.offers.pop(reservation.id, None)

    def end_offer(
        self, slot: TaskSlot, state: ReservationState, step: Step, **data: Any
    ) -> WorkerSlot | None:
        """Close the task's pending offer (rejected, timed out, canceled) and free the worker."""
        assert slot.reservation_id is not None
        reservation = self.reservations[slot.reservation_id]
        self.close(reservation, state, step.at)
        slot.reservation_id = None
        queue_id = slot.record.queue_id
        assert queue_id is not None
        self.index.queues[queue_id].offered.discard(slot.record.id)
        worker = self.index.release(slot)
        step.emit(
            f"reservation.{state.value}",
            task_id=slot.record.id,
            worker_id=reservation.worker_id,
            reservation_id=reservation.id,
            queue_id=queue_id,
            **data,
        )
        return worker

    def cool_down(self, slot: TaskSlot, worker_id: str, step: Step) -> None:
        """Keep the task from being offered to this worker again for a while (see engine)."""
        until = step.at + self.config.reservation_timeout_s
        if slot.cooldown is None:
            slot.cooldown = {}
        slot.cooldown[worker_id] = until
        self.timers.schedule(until, TimerKind.REOFFER, slot.record.id, worker_id)

    def withdraw(self, worker: WorkerSlot, step: Step, reason: str) -> None:
        """Cancel the worker's pending offers and re-queue their tasks."""
        for reservation_id in list(worker.offers):
            slot = self.index.tasks[self.reservations[reservation_id].task_id]
            self.end_offer(slot, ReservationState.CANCELED, step, reason=reason)
            self.requeue(slot, step, reason)

    # --- queueing and escalation -----------------------------------------------------------------

    def requeue(self, slot: TaskSlot, step: Step, reason: str) -> None:
        """Put a task whose offer failed back at its place (or on to its next target if due)."""
        record = slot.record
        target = slot.route[slot.pos]
        overdue = (
            target.timeout_s is not None
            and record.target_since is not None
            and step.at >= record.target_since + target.timeout_s
        )
        nxt = self._next_pos(slot) if overdue else None
        if nxt is not None:
            self._move_on(slot, nxt, step)
        else:
            slot.record = evolve(record, state=TaskState.PENDING, updated_at=step.at)
            self.index.add_waiting(slot)
            step.emit(
                "task.queued",
                task_id=record.id,
                queue_id=record.queue_id,
                order_key=record.order_key,
                requeued=True,
                reason=reason,
            )
            self.arm_escalation(slot)
        self.place(slot, step)

    def _next_pos(self, slot: TaskSlot) -> int | None:
        for pos in range(slot.pos + 1, len(slot.route)):
            if slot.route[pos].queue_id in self.index.queues:  # skip queues removed since
                return pos
        return None

    def _move_on(self, slot: TaskSlot, pos: int, step: Step) -> None:
        """Escalate a task (not listed in any queue now) to route target `pos`."""
        record, old, new = slot.record, slot.route[slot.pos], slot.route[pos]
        old_priority = record.priority if old.priority is None else old.priority
        new_priority = record.priority if new.priority is None else new.priority
        key = order_key(slot)
        if new_priority != old_priority:
            self.keys.release(slot.base, key)
            slot.base += (old_priority - new_priority) * self.config.priority_step_s
            key = self.keys.issue(slot.base)
        slot.record = evolve(
            record,
            state=TaskState.PENDING,
            updated_at=step.at,
            queue_id=new.queue_id,
            target_index=record.target_index + pos - slot.pos,
            target_since=step.at,
            order_key=key,
        )
        slot.pos = pos
        self.index.add_waiting(slot)
        step.emit(
            "task.escalated",
            task_id=record.id,
            queue_id=new.queue_id,
            from_queue_id=record.queue_id,
            target_index=slot.record.target_index,
            order_key=key,
            priority=new_priority,
        )
        self.arm_escalation(slot)

    def arm_escalation(self, slot: TaskSlot) -> None:
        """Set the timer that moves the task on from its target, if the target has a timeout."""
        target, since = slot.route[slot.pos], slot.record.target_since
        if target.timeout_s is not None and since is not None and slot.pos + 1 < len(slot.route):
            due = since + target.timeout_s
            self.timers.schedule(due, TimerKind.ESCALATION, slot.record.id, str(slot.pos))

    def rebalance(self, step: Step, lines: list[QueueLine]) -> None:
        """Offer waiting tasks of these queues, lowest order key first, to free workers."""
        tasks = self.index.tasks
        entries = sorted(e for line in lines for w in line.waiting.values() for e in w)
        for entry in entries:
            slot = tasks[entry[2]]
            if slot.entry == entry:  # still waiting (not offered by an earlier step of this loop)
                self.place(slot, step)

    # --- workers and endings ---------------------------------------------------------------------

    def move_worker(
        self, worker: WorkerSlot, activity: str, step: Step, *, reason: str | None
    ) -> None:
        """Change a worker's activity (no-op if unchanged); leaving availability drops offers."""
        before = worker.record.activity
        if activity == before:
            return
        self.index.update_worker(worker, change_activity(worker.record, activity, step.at))
        self.activity_changed(worker, before, step, reason=reason)

    def activity_changed(
        self, worker: WorkerSlot, before: str, step: Step, *, reason: str | None
    ) -> None:
        """Emit the change; a worker no longer available loses its pending offers."""
        available = self.index.is_routable(worker)
        step.emit(
            "worker.activity_changed",
            worker_id=worker.record.id,
            activity=worker.record.activity,
            previous=before,
            available=available,
            reason=reason,
        )
        if not available:
            self.withdraw(worker, step, "worker_unavailable")

    def wrap_up(self, slot: TaskSlot, step: Step, *, talk_s: float, wrapup_s: float) -> None:
        """Start wrap-up: the task holds the worker's capacity until the wrap-up timer."""
        record = slot.record
        slot.talk_s = talk_s
        slot.record = evolve(record, state=TaskState.WRAPPING, updated_at=step.at)
        self.timers.schedule(step.at + wrapup_s, TimerKind.WRAPUP_END, record.id)
        step.emit(
            "task.wrapping",
            task_id=record.id,
            worker_id=record.worker_id,
            queue_id=record.queue_id,
            talk_s=talk_s,
            wrapup_s=wrapup_s,
            until=step.at + wrapup_s,
        )

    def finish(self, slot: TaskSlot, step: Step, *, talk_s: float | None, wrapup_s: float) -> None:
        """Complete a task (after wrap-up): free the worker and offer it the next task."""
        record = slot.record
        slot.record = evolve(
            record,
            state=TaskState.COMPLETED,
            updated_at=step.at,
            ended_at=step.at,
            end_reason=TaskState.COMPLETED.value,
        )
        step.emit(
            "task.completed",
            task_id=record.id,
            worker_id=record.worker_id,
            queue_id=record.queue_id,
            handle_s=None if talk_s is None else talk_s + wrapup_s,
            talk_s=talk_s,
            wrapup_s=wrapup_s,
        )
        worker = self.index.release(slot, ended_at=step.at, relist=False)
        if worker is not None:
            self.serve(worker, step)  # offers it the next task, then re-lists it once

    # --- timers ----------------------------------------------------------------------------------

    def tick(self, now: float) -> list[RoutingEvent]:
        """Fire due timers in time order (events at their due time), then any pending rebalance."""
        step = self.step(now)
        while (timer := self.timers.pop_due(now)) is not None:
            step.at = timer.due
            self._fire(timer, step)
        step.at = now
        if self.restored_at is not None:
            self.restored_at = None
            self.rebalance(step, list(self.index.queues.values()))
        return step.events

    def next_deadline(self) -> float | None:
        """When `tick` next has something to do, or None."""
        due = self.timers.next_due()
        if self.restored_at is None:
            return due
        # Restored tasks wait for a rebalance, due at once (the persisted time is in the past).
        return self.restored_at if due is None else min(due, self.restored_at)

    def _is_live(self, timer: Timer) -> bool:
        kind, ref = timer.kind, timer.ref
        if kind == TimerKind.RESERVATION_TIMEOUT:
            reservation = self.reservations.get(ref)
            return reservation is not None and reservation.state == ReservationState.PENDING
        slot = self.index.tasks.get(ref)
        if slot is None:
            return False
        if kind == TimerKind.ESCALATION:
            return slot.record.state == TaskState.PENDING and str(slot.pos) == timer.aux
        if kind == TimerKind.WRAPUP_END:
            return slot.record.state == TaskState.WRAPPING
        return slot.cooldown is not None and slot.cooldown.get(timer.aux) == timer.due

    def _fire(self, timer: Timer, step: Step) -> None:
        if timer.kind == TimerKind.RESERVATION_TIMEOUT:
            reservation = self.reservations[timer.ref]
            slot = self.index.tasks[reservation.task_id]
            worker = self.end_offer(slot, ReservationState.TIMED_OUT, step)
            self.cool_down(slot, reservation.worker_id, step)
            self.requeue(slot, step, "timed_out")
            if worker is not None:
                missed = self.config.missed_activity
                if missed is not None:
                    self.move_worker(worker, missed, step, reason="missed")
                self.serve(worker, step)
            return
        slot = self.index.tasks[timer.ref]
        if timer.kind == TimerKind.ESCALATION:
            nxt = self._next_pos(slot)
            if nxt is not None:
                self.index.remove_waiting(slot)
                self._move_on(slot, nxt, step)
                self.place(slot, step)
        elif timer.kind == TimerKind.WRAPUP_END:
            wrapup_s = step.at - slot.record.updated_at  # updated_at: when it was completed
            self.finish(slot, step, talk_s=slot.talk_s, wrapup_s=wrapup_s)
            slot.talk_s = None
        else:  # REOFFER: the cool-down ended; the worker may be offered the task again
            assert slot.cooldown is not None
            del slot.cooldown[timer.aux]
            if not slot.cooldown:
                slot.cooldown = None
            worker = self.index.workers.get(timer.aux)
            if worker is not None:
                self.serve(worker, step)
