"""Dispatch: the state transitions behind the routing engine's calls and timers.

Offers, their endings (accepted, rejected, timed out, canceled), re-queueing at the original
place, escalation along a route, completion after wrap-up, and the timers that drive them (the
rebuild after a restart is `routing.restore`). `RoutingEngine` validates each call, then drives
a `Dispatcher`; everything here assumes valid input and keeps the indexes of `routing.matching`
in step. See the engine's module docstring for the semantics.

Like tasks (`TaskSlot`), reservations are tracked as mutable slots (`Offer`) whose public,
frozen `Reservation` record is built only when read: an offer accepted at once never copies one.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from agentfloor.core.ids import IdFactory
from agentfloor.routing.matching import MatchIndex, QueueLine, TaskSlot, WorkerSlot, evolve
from agentfloor.routing.model import (
    Reservation,
    ReservationState,
    RoutingConfig,
    RoutingEvent,
    TaskState,
    change_activity,
)
from agentfloor.routing.ordering import OrderKeys
from agentfloor.routing.timers import TimerEntry, TimerKind, Timers

__all__ = ["FINISHED", "Dispatcher", "Offer", "Step", "evolve", "new_event", "order_key"]

FINISHED = frozenset({TaskState.COMPLETED, TaskState.CANCELED, TaskState.ABANDONED})

# TimerKind values as plain ints: cheaper to read and to compare on the hot path
_TIMEOUT = TimerKind.RESERVATION_TIMEOUT.value
_ESCALATION = TimerKind.ESCALATION.value
_WRAPUP_END = TimerKind.WRAPUP_END.value
_REOFFER = TimerKind.REOFFER.value
_PENDING, _RESERVED = TaskState.PENDING, TaskState.RESERVED
_OFFERED, _ACCEPTED = ReservationState.PENDING, ReservationState.ACCEPTED
_ASSIGNED = TaskState.ASSIGNED
_COMPLETED, _COMPLETED_REASON = TaskState.COMPLETED, TaskState.COMPLETED.value


# Events are built as a mutable twin of `RoutingEvent` (the same slots, in the same order), then
# given RoutingEvent's class: the twin's `__init__` stores each slot directly, where the frozen
# dataclass's sets each field with `object.__setattr__` (a global, an attribute and a call per
# field), which made an event cost twice as much, and the router makes several per task. The
# twin is derived from RoutingEvent's fields, so the layouts cannot drift apart (CPython checks
# them on the class assignment, and a unit test builds every event kind both ways).
_MutableEvent = dataclasses.make_dataclass(
    "_MutableEvent",
    [(f.name, f.type) for f in dataclasses.fields(RoutingEvent)],
    slots=True,
    eq=False,
)


def new_event(
    type_: str,
    at: float,
    task_id: str | None,
    worker_id: str | None,
    reservation_id: str | None,
    queue_id: str | None,
    data: dict[str, Any],
) -> RoutingEvent:
    """Return `RoutingEvent(type_, at, ...)`, built at half the cost (every field given)."""
    event = _MutableEvent(type_, at, task_id, worker_id, reservation_id, queue_id, data)
    event.__class__ = RoutingEvent
    return event  # type: ignore[no-any-return] # a RoutingEvent now (see above)


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
            new_event(type_, self.at, task_id, worker_id, reservation_id, queue_id, data)
        )


class Offer:
    """A reservation as the router tracks it; `record` builds the public `Reservation`."""

    __slots__ = (
        "cached",
        "created_at",
        "expires_at",
        "id",
        "state",
        "task_id",
        "tenant_id",
        "updated_at",
        "worker_id",
    )

    def __init__(
        self,
        id_: str,
        tenant_id: str,
        task_id: str,
        worker_id: str,
        state: ReservationState,
        created_at: float,
        expires_at: float,
        updated_at: float,
    ) -> None:
        self.id = id_
        self.tenant_id = tenant_id
        self.task_id = task_id
        self.worker_id = worker_id
        self.state = state
        self.created_at = created_at
        self.expires_at = expires_at
        self.updated_at = updated_at
        self.cached: Reservation | None = None  # the record, until the next change

    @classmethod
    def restored(cls, record: Reservation) -> Offer:
        """Return the slot of a persisted reservation, its record as it was."""
        offer = cls(
            record.id,
            record.tenant_id,
            record.task_id,
            record.worker_id,
            record.state,
            record.created_at,
            record.expires_at,
            record.updated_at,
        )
        offer.cached = record
        return offer

    @property
    def record(self) -> Reservation:
        """The reservation as it is now (a frozen record, built on first read after a change)."""
        record = self.cached
        if record is None:
            record = self.cached = Reservation(
                self.id,
                self.tenant_id,
                self.task_id,
                self.worker_id,
                self.state,
                self.created_at,
                self.expires_at,
                self.updated_at,
            )
        return record


def order_key(slot: TaskSlot) -> float:
    """Return the task's order key (every queued task has one)."""
    key = slot.order_key
    assert key is not None
    return key


class Dispatcher:
    """One tenant's routing state and the transitions that change it."""

    def __init__(self, tenant_id: str, ids: IdFactory, config: RoutingConfig) -> None:
        self.tenant_id = tenant_id
        self.ids = ids
        self.config = config
        self.index = MatchIndex(dict(config.activities))
        self.reservations: dict[str, Offer] = {}
        self.keys = OrderKeys()
        self.timers = Timers(self._is_live)
        self.restored_at: float | None = None  # restore_task ran: the next tick rebalances
        self.auto_accept: set[str] = set()  # worker ids whose offers are accepted at once

    def step(self, now: float) -> Step:
        """Start a step at `now`; offers made in it expire `reservation_timeout_s` later."""
        return Step(now, now + self.config.reservation_timeout_s)

    # --- offers ----------------------------------------------------------------------------------

    def place(self, slot: TaskSlot, step: Step) -> None:
        """Offer a pending task to its best free worker, else list it in its queue if it is not."""
        index = self.index
        worker = index.best_worker(slot, step.at)
        if worker is not None:
            self.offer(slot, worker, step)
            index.refresh(worker)
        elif slot.entry is None:
            index.add_waiting(slot)

    def serve(self, worker: WorkerSlot, step: Step) -> None:
        """Offer a worker the best waiting tasks while it has room, then re-list it."""
        index = self.index
        # while it is in an available activity (`is_routable`) and a task waits (`best_task`)
        while index.waiting_total and index.activities.get(worker.record.activity, False):
            slot = index.best_task(worker, step.at)  # reads load, not the free listings
            if slot is None:
                break
            self.offer(slot, worker, step)
        index.refresh(worker)

    def offer(self, slot: TaskSlot, worker: WorkerSlot, step: Step) -> None:
        """Reserve a pending task (listed or not) for a worker until `step.offer_until`.

        A worker in `auto_accept` accepts at once: the events of the offer and of its
        acceptance at the same instant, and no timeout timer (the offer is never pending).
        Leaves the worker's free listings stale (listed free while it may be full): the caller
        (`place`, `serve`) refreshes before anything else is matched.
        """
        queue_id, worker_id, at, until = slot.queue_id, worker.record.id, step.at, step.offer_until
        assert queue_id is not None
        index = self.index
        task_id, reservation_id = slot.id, self.ids.new("res")
        slot.reservations += (reservation_id,)
        if slot.entry is not None:
            index.remove_waiting(slot)
        channel = slot.channel  # MatchIndex.take, inlined
        worker.holding[task_id] = channel
        load = worker.load
        load[channel] = load.get(channel, 0) + 1
        worker.held += 1
        slot.holder = worker_id
        slot.updated_at = at
        slot.cached = None
        events = step.events
        created = new_event(  # Step.emit, inlined on the hottest path
            "reservation.created",
            at,
            task_id,
            worker_id,
            reservation_id,
            queue_id,
            {"expires_at": until, "channel": channel},
        )
        if worker_id in self.auto_accept:
            self.reservations[reservation_id] = Offer(
                reservation_id, self.tenant_id, task_id, worker_id, _ACCEPTED, at, until, at
            )
            self.keys.release(slot.base, order_key(slot))
            slot.state = _ASSIGNED
            slot.worker_id = worker_id
            events += (
                created,
                new_event(
                    "reservation.accepted", at, task_id, worker_id, reservation_id, queue_id, {}
                ),
                new_event(
                    "task.assigned",
                    at,
                    task_id,
                    worker_id,
                    reservation_id,
                    queue_id,
                    {"wait_s": at - slot.created_at},
                ),
            )
            return
        self.reservations[reservation_id] = Offer(
            reservation_id, self.tenant_id, task_id, worker_id, _OFFERED, at, until, at
        )
        index.queues[queue_id].offered.add(task_id)
        slot.reservation_id = reservation_id
        slot.state = _RESERVED
        worker.offers[reservation_id] = None
        self.timers.schedule(until, _TIMEOUT, reservation_id)
        events.append(created)

    def close(self, reservation: Offer, state: ReservationState, at: float) -> None:
        """Record the reservation's end (the caller deals with the task)."""
        reservation.state = state
        reservation.updated_at = at
        reservation.cached = None
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
        queue_id = slot.queue_id
        assert queue_id is not None
        self.index.queues[queue_id].offered.discard(slot.id)
        worker = self.index.release(slot)
        if worker is not None:
            self.index.refresh(worker)
        step.emit(
            f"reservation.{state.value}",
            task_id=slot.id,
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
        self.timers.schedule(until, _REOFFER, slot.id, worker_id)

    def withdraw(self, worker: WorkerSlot, step: Step, reason: str) -> None:
        """Cancel the worker's pending offers and re-queue their tasks."""
        for reservation_id in list(worker.offers):
            slot = self.index.tasks[self.reservations[reservation_id].task_id]
            self.end_offer(slot, ReservationState.CANCELED, step, reason=reason)
            self.requeue(slot, step, reason)

    # --- queueing and escalation -----------------------------------------------------------------

    def requeue(self, slot: TaskSlot, step: Step, reason: str) -> None:
        """Put a task whose offer failed back at its place (or on to its next target if due)."""
        target = slot.route[slot.pos]
        since = slot.target_since
        overdue = (
            target.timeout_s is not None
            and since is not None
            and step.at >= since + target.timeout_s
        )
        nxt = self._next_pos(slot) if overdue else None
        if nxt is not None:
            self._move_on(slot, nxt, step)
        else:
            slot.moved(TaskState.PENDING, step.at)
            step.emit(
                "task.queued",
                task_id=slot.id,
                queue_id=slot.queue_id,
                order_key=slot.order_key,
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
        """Escalate a task (not listed in any queue now) to route target `pos`; `place` it next."""
        old, new = slot.route[slot.pos], slot.route[pos]
        priority = slot.source.priority
        old_priority = priority if old.priority is None else old.priority
        new_priority = priority if new.priority is None else new.priority
        key = order_key(slot)
        if new_priority != old_priority:
            self.keys.release(slot.base, key)
            slot.base += (old_priority - new_priority) * self.config.priority_step_s
            key = self.keys.issue(slot.base)
        from_queue_id = slot.queue_id
        slot.moved(TaskState.PENDING, step.at)
        slot.queue_id = new.queue_id
        slot.target_index += pos - slot.pos
        slot.target_since = step.at
        slot.order_key = key
        slot.pos = pos
        step.emit(
            "task.escalated",
            task_id=slot.id,
            queue_id=new.queue_id,
            from_queue_id=from_queue_id,
            target_index=slot.target_index,
            order_key=key,
            priority=new_priority,
        )
        self.arm_escalation(slot)

    def arm_escalation(self, slot: TaskSlot) -> None:
        """Set the timer that moves the task on from its target, if the target has a timeout."""
        target, since = slot.route[slot.pos], slot.target_since
        if target.timeout_s is not None and since is not None and slot.pos + 1 < len(slot.route):
            due = since + target.timeout_s
            self.timers.schedule(due, _ESCALATION, slot.id, str(slot.pos))

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
        slot.talk_s = talk_s
        slot.moved(TaskState.WRAPPING, step.at)
        self.timers.schedule(step.at + wrapup_s, _WRAPUP_END, slot.id)
        step.emit(
            "task.wrapping",
            task_id=slot.id,
            worker_id=slot.worker_id,
            queue_id=slot.queue_id,
            talk_s=talk_s,
            wrapup_s=wrapup_s,
            until=step.at + wrapup_s,
        )

    def finish(self, slot: TaskSlot, step: Step, talk_s: float | None, wrapup_s: float) -> None:
        """Complete a task (after wrap-up): free the worker and offer it the next task."""
        at = step.at
        slot.state = _COMPLETED  # TaskSlot.moved, inlined
        slot.updated_at = slot.ended_at = at
        slot.cached = None
        slot.end_reason = _COMPLETED_REASON
        handle_s = None if talk_s is None else talk_s + wrapup_s
        data = {"handle_s": handle_s, "talk_s": talk_s, "wrapup_s": wrapup_s}
        step.events.append(
            new_event("task.completed", at, slot.id, slot.worker_id, None, slot.queue_id, data)
        )
        worker = self.index.release(slot, ended_at=at)
        if worker is not None:
            self.serve(worker, step)  # offers it the next task, then re-lists it once

    # --- timers ----------------------------------------------------------------------------------

    def tick(self, now: float) -> list[RoutingEvent]:
        """Fire due timers in time order (events at their due time), then any pending rebalance."""
        step = self.step(now)
        while (timer := self.timers.pop_due(now)) is not None:
            step.at = timer[0]
            self._fire(timer, step)
        step.at = now
        if self.restored_at is not None:
            self.restored_at = None
            self.rebalance(step, list(self.index.queues.values()))
        return step.events

    def next_deadline(self) -> float | None:
        """When `tick` next has something to do, or None."""
        due = self.timers.next_due() if self.timers else None
        if self.restored_at is None:
            return due
        # Restored tasks wait for a rebalance, due at once (the persisted time is in the past).
        return self.restored_at if due is None else min(due, self.restored_at)

    def _is_live(self, timer: TimerEntry) -> bool:
        due, _, kind, ref, aux = timer
        if kind == _TIMEOUT:
            reservation = self.reservations.get(ref)
            return reservation is not None and reservation.state == _OFFERED
        slot = self.index.tasks.get(ref)
        if slot is None:
            return False
        if kind == _ESCALATION:
            return slot.state == _PENDING and str(slot.pos) == aux
        if kind == _WRAPUP_END:
            return slot.state == TaskState.WRAPPING
        return slot.cooldown is not None and slot.cooldown.get(aux) == due

    def _fire(self, timer: TimerEntry, step: Step) -> None:
        _, _, kind, ref, aux = timer
        if kind == _TIMEOUT:
            reservation = self.reservations[ref]
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
        slot = self.index.tasks[ref]
        if kind == _ESCALATION:
            nxt = self._next_pos(slot)
            if nxt is not None:
                self.index.remove_waiting(slot)
                self._move_on(slot, nxt, step)
                self.place(slot, step)
        elif kind == _WRAPUP_END:
            wrapup_s = step.at - slot.updated_at  # updated_at: when it was completed
            self.finish(slot, step, slot.talk_s, wrapup_s)
            slot.talk_s = None
        else:  # REOFFER: the cool-down ended; the worker may be offered the task again
            assert slot.cooldown is not None
            del slot.cooldown[aux]
            if not slot.cooldown:
                slot.cooldown = None
            worker = self.index.workers.get(aux)
            if worker is not None:
                self.serve(worker, step)
