"""The routing engine (ACD): gives each task to the right worker, with reservations and timers.

Pure and deterministic: every call takes `now` (epoch seconds) and returns the `RoutingEvent`s it
caused; it never reads a clock, sleeps or does I/O. The live runtime feeds it API calls and the
real clock (calling `tick(now)` at `next_deadline()`); the simulator feeds it a virtual clock.
The engine keeps its state in memory, indexed for speed (`routing.matching`), and exposes the
current `Task`, `Reservation` and `Worker` records so that the runtime can persist what an event
touched and rebuild the engine after a restart (`restore_*`). Hand-written: no library does an
ACD. This module validates each call and reads; `routing.dispatch` makes the transitions. The
semantics follow Twilio TaskRouter and Amazon Connect, decided as follows where they are silent.

- Dispatch is work-conserving: after every call no waiting task could go to a free worker who
  may take it. A new or re-queued task goes to the best free eligible worker; a worker that frees
  up (activity, completion, wrap-up end, a rejected or canceled offer) gets the waiting task with
  the lowest order key across its queues, repeatedly while it has room.
- Queue order is `order_key = queued_at - priority * priority_step_s`, fixed at submit (ties are
  nudged apart, see `OrderKeys`). A rejected or timed-out offer puts the task back with the same
  key; escalation keeps it too, unless the next target sets another priority, which shifts the
  key by the difference (as if queued at the same time with that priority). Changing
  `priority_step_s` applies to tasks queued afterwards.
- An offer reserves the task for one worker for `reservation_timeout_s`. A worker who rejected a
  task or let its offer time out is not offered that same task again for `reservation_timeout_s`
  (a cool-down, so it is not bounced straight back while others may take it; when it ends the
  worker is considered again). Cool-downs are not persisted: a restart forgets them.
- Reject with `activity` moves the worker to it; a timeout moves it to `missed_activity`. A worker
  who leaves an available activity (or is removed, or whose activity the settings make
  unavailable) loses its pending offers at once (`reservation.canceled`, tasks re-queued at their
  place); tasks it has accepted stay with it. Changing a worker's attributes does not take back
  offers made while it was eligible.
- A removed worker's assigned and wrapping tasks stay with it (they can still be completed); if
  the worker comes back, they count against its capacity.
- Escalation fires at `target_since + timeout_s` for a pending task; a reserved task escalates
  only if the offer fails after that time. The last target keeps the task. A target whose queue
  was removed since the task was routed is skipped.
- Waits (abandoned, assigned, longest wait) are measured from the task's `created_at`.
- Only waiting or offered tasks can be canceled or turned into callbacks; an assigned task is
  completed. Settings that drop an activity some worker is in are refused (`Conflict`).
- After `restore_task`, `next_deadline()` is due at once: the next `tick` offers the restored
  waiting tasks, lowest order key first, to free workers (restored offers keep their expiry).
- `tick(now)` stamps each event with the due time of the timer that caused it; an offer made in a
  tick expires `reservation_timeout_s` after the tick's `now` (a late tick, e.g. after a restart,
  never makes offers that are already expired).
- A worker set to auto-accept (`set_auto_accept`; an engine setting, not persisted: the runtime
  sets it again after a restart) accepts each offer in the step that makes it: the same events,
  at the same instant, as the offer followed at once by `accept`, and no timeout timer.
- Accepting or rejecting at or after `expires_at` fails with `ReservationClosed` even before the
  tick that times the offer out has run.
"""

from __future__ import annotations

import math

from agentfloor.core.errors import Conflict, InvalidInput, ProblemDetail
from agentfloor.core.ids import IdFactory
from agentfloor.routing.dispatch import FINISHED, Dispatcher, Offer, new_event, order_key
from agentfloor.routing.errors import (
    NotYourTask,
    QueueNotFound,
    ReservationClosed,
    ReservationNotFound,
    TaskClosed,
    TaskNotFound,
    UnknownActivity,
    UnknownQueue,
    WorkerNotFound,
    WorkflowNotFound,
)
from agentfloor.routing.expressions import parse_expression
from agentfloor.routing.matching import QueueLine, TaskSlot, WorkerSlot, task_view
from agentfloor.routing.model import (
    CHANNELS,
    Queue,
    QueueStats,
    Reservation,
    ReservationState,
    RoutingConfig,
    RoutingEvent,
    SelectionStrategy,
    Task,
    TaskState,
    Worker,
    validate_capacity,
)
from agentfloor.routing.restore import restore_task
from agentfloor.routing.routes import (
    CONSULT_OF,
    CompiledWorkflow,
    Route,
    compile_workflow,
    direct_route,
    direct_route_of,
)
from agentfloor.routing.workflow import Workflow

__all__ = ["RoutingEngine"]

_PENDING, _ASSIGNED = TaskState.PENDING, TaskState.ASSIGNED


class RoutingEngine:
    """One tenant's router: queues, workflows, workers, tasks and reservations in memory."""

    def __init__(self, tenant_id: str, ids: IdFactory, config: RoutingConfig | None = None) -> None:
        self.tenant_id = tenant_id
        self._d = Dispatcher(tenant_id, ids, _checked(config or RoutingConfig()))
        self._index = self._d.index
        self._workflows: dict[str, CompiledWorkflow] = {}

    # --- configuration -------------------------------------------------------------------------

    def configure(self, config: RoutingConfig, now: float) -> list[RoutingEvent]:
        """Replace the tenant's routing settings (activities, timeouts, aging)."""
        config = _checked(config)
        workers = self._index.workers.values()
        in_use = sorted({w.record.activity for w in workers} - set(config.activities))
        if in_use:
            raise Conflict(
                f"activities {', '.join(in_use)} are in use by workers; move those workers to "
                "another activity before removing them",
                extra={"activities": in_use},
            )
        before = self._index.activities
        self._d.config = config
        self._index.activities = dict(config.activities)
        step = self._d.step(now)
        for slot in list(workers):
            activity = slot.record.activity
            if before.get(activity, False) != config.activities[activity]:
                if not self._index.is_routable(slot):
                    self._d.withdraw(slot, step, "worker_unavailable")
                self._index.refresh(slot)
        self._d.rebalance(step, list(self._index.queues.values()))
        return step.events

    def put_queue(self, queue: Queue, now: float) -> list[RoutingEvent]:
        """Add or replace a queue; its target expression decides which workers are eligible."""
        expression = parse_expression(queue.target_expression, loc="target_expression")
        if not queue.wrapup_s >= 0:
            raise InvalidInput(
                f"wrapup_s must be 0 or more seconds, got {queue.wrapup_s}",
                problems=[ProblemDetail("wrapup_s", "must be >= 0")],
            )
        if queue.strategy == SelectionStrategy.MOST_SKILLED and not queue.skill:
            raise InvalidInput(
                "the most_skilled strategy needs `skill`: the name of the level it compares "
                "(worker.levels.<skill>)",
                problems=[ProblemDetail("skill", "required by strategy most_skilled")],
            )
        line = self._index.put_queue(queue, expression)
        step = self._d.step(now)
        self._d.rebalance(step, [line])
        return step.events

    def remove_queue(self, queue_id: str, now: float) -> list[RoutingEvent]:
        """Remove a queue; `Conflict` while tasks wait or are offered in it."""
        line = self._line(queue_id)
        waiting, offered = line.waiting_count(), len(line.offered)
        if waiting or offered:
            raise Conflict(
                f"queue {queue_id} has {waiting} tasks waiting and {offered} offered; cancel them "
                "or let them be answered before removing it",
                extra={"waiting": waiting, "offered": offered},
            )
        users = sorted(w for w, c in self._workflows.items() if queue_id in c.queue_ids())
        if users:
            raise Conflict(
                f"queue {queue_id} is a target of workflows {', '.join(users)}; change them first",
                extra={"workflows": users},
            )
        self._index.remove_queue(line)
        return []

    def put_workflow(self, workflow: Workflow) -> None:
        """Add or replace a workflow (validated: expressions parse, queues exist)."""
        self._workflows[workflow.id] = compile_workflow(workflow, self._index.queues)

    def remove_workflow(self, workflow_id: str) -> None:
        """Remove a workflow; tasks already routed keep their targets."""
        if self._workflows.pop(workflow_id, None) is None:
            raise WorkflowNotFound(workflow_id)

    def put_worker(self, worker: Worker, now: float) -> list[RoutingEvent]:
        """Add or update a worker (attributes, capacity, activity); may offer it a task at once."""
        self._check_activity(worker.activity)
        validate_capacity(worker.capacity)
        step = self._d.step(now)
        slot = self._index.workers.get(worker.id)
        if slot is None:
            slot = self._index.add_worker(worker)
        else:
            before = slot.record.activity
            self._index.update_worker(slot, worker)
            if before != worker.activity:
                self._d.activity_changed(slot, before, step, reason=None)
        self._d.serve(slot, step)
        return step.events

    def set_auto_accept(self, worker_id: str, enabled: bool = True) -> None:
        """Make offers to this worker accepted at once (an AI agent, an auto-answer phone).

        Each offer to it then gives `reservation.created`, `reservation.accepted` and
        `task.assigned` together, as an offer accepted at the same instant would, with no
        timeout to run and no `accept` call to make. Offers already pending are not affected.
        The worker need not be registered yet; the setting is the engine's, not persisted.
        """
        if enabled:
            self._d.auto_accept.add(worker_id)
        else:
            self._d.auto_accept.discard(worker_id)

    def remove_worker(self, worker_id: str, now: float) -> list[RoutingEvent]:
        """Remove a worker; its pending reservations are canceled and their tasks re-queued."""
        slot = self._worker_slot(worker_id)
        self._index.remove_worker(slot)  # first, so that re-queued tasks do not come back to it
        step = self._d.step(now)
        self._d.withdraw(slot, step, "worker_removed")
        return step.events

    def set_activity(self, worker_id: str, activity: str, now: float) -> list[RoutingEvent]:
        """Change a worker's activity; becoming available may bring an offer at once."""
        slot = self._worker_slot(worker_id)
        self._check_activity(activity)
        step = self._d.step(now)
        self._d.move_worker(slot, activity, step, reason=None)
        self._d.serve(slot, step)
        return step.events

    # --- tasks ---------------------------------------------------------------------------------

    def submit(self, task: Task, now: float) -> list[RoutingEvent]:
        """Route a new task: by its `workflow_id`, or straight to `queue_id` when it has no workflow."""  # noqa: E501 - the agreed interface text
        if task.id in self._index.tasks:
            raise Conflict(f"task {task.id} was already submitted")
        if task.channel not in CHANNELS:
            raise InvalidInput(
                f"unknown channel {task.channel!r}; use {', '.join(CHANNELS)}",
                problems=[ProblemDetail("channel", f"unknown channel {task.channel!r}")],
            )
        index, d = self._index, self._d
        # straight to a known queue (the common case) without the checks of `_route`; a task
        # with attributes may name or exclude a worker there (`direct_route_of`)
        line = None if task.workflow_id is not None else index.queues.get(task.queue_id or "")
        route = self._route(task) if line is None or task.attributes else line.route
        first = route[0]
        priority = task.priority if first.priority is None else first.priority
        base = now - priority * d.config.priority_step_s
        key = d.keys.issue(base)
        queue_id = first.queue_id
        task_id = task.id
        slot = TaskSlot(
            task, route, 0, index.next_seq(), base, _PENDING, now, queue_id, 0, now, key
        )
        index.tasks[task_id] = slot
        step = d.step(now)
        data = {
            "order_key": key,
            "priority": priority,
            "channel": task.channel,
            "workflow_id": task.workflow_id,
            "target_index": 0,
        }
        if task.attributes and CONSULT_OF in task.attributes:
            data[CONSULT_OF] = task.attributes[CONSULT_OF]
        step.events.append(new_event("task.queued", now, task_id, None, None, queue_id, data))
        if len(route) > 1:
            d.arm_escalation(slot)
        worker = index.best_worker(slot, now)  # Dispatcher.place, inlined: offer it or list it
        if worker is not None:
            d.offer(slot, worker, step)
            index.refresh(worker)
        else:
            index.add_waiting(slot)
        return step.events

    def cancel(self, task_id: str, now: float, *, abandoned: bool = False) -> list[RoutingEvent]:
        """Withdraw a waiting or offered task (`abandoned`: the customer hung up; records the wait)."""  # noqa: E501 - the agreed interface text
        slot = self._task_slot(task_id)
        state = slot.state
        if state not in (TaskState.PENDING, TaskState.RESERVED):
            raise TaskClosed(task_id, state, "canceled (only waiting or offered tasks can be)")
        step = self._d.step(now)
        worker: WorkerSlot | None = None
        if state == TaskState.PENDING:
            self._index.remove_waiting(slot)
        else:
            reason = "task_abandoned" if abandoned else "task_canceled"
            worker = self._d.end_offer(slot, ReservationState.CANCELED, step, reason=reason)
        self._d.keys.release(slot.base, order_key(slot))
        end = TaskState.ABANDONED if abandoned else TaskState.CANCELED
        slot.moved(end, now)
        slot.ended_at, slot.end_reason = now, end.value
        step.emit(
            f"task.{end.value}",
            task_id=task_id,
            queue_id=slot.queue_id,
            wait_s=now - slot.created_at,
        )
        if worker is not None:
            self._d.serve(worker, step)
        return step.events

    def request_callback(self, task_id: str, now: float) -> list[RoutingEvent]:
        """Turn a waiting task into a callback that keeps its place in the queue."""
        slot = self._task_slot(task_id)
        if slot.state not in (TaskState.PENDING, TaskState.RESERVED):
            raise TaskClosed(task_id, slot.state, "turned into a callback")
        if slot.callback:
            return []
        slot.callback, slot.updated_at, slot.cached = True, now, None
        step = self._d.step(now)
        step.emit("task.callback_requested", task_id=task_id, queue_id=slot.queue_id)
        return step.events

    def accept(
        self, reservation_id: str, now: float, *, worker_id: str | None = None
    ) -> list[RoutingEvent]:
        """The worker takes the offered task."""  # noqa: D401 - the agreed interface text
        reservation = self._pending(reservation_id, now, worker_id)
        slot = self._index.tasks[reservation.task_id]
        step = self._d.step(now)
        self._d.close(reservation, ReservationState.ACCEPTED, now)
        self._d.keys.release(slot.base, order_key(slot))
        slot.reservation_id = None
        queue_id = slot.queue_id
        assert queue_id is not None
        self._index.queues[queue_id].offered.discard(slot.id)
        slot.moved(TaskState.ASSIGNED, now)
        worker_id = slot.worker_id = reservation.worker_id
        task_id = slot.id
        step.events += (
            new_event(
                "reservation.accepted", now, task_id, worker_id, reservation_id, queue_id, {}
            ),
            new_event(
                "task.assigned",
                now,
                task_id,
                worker_id,
                reservation_id,
                queue_id,
                {"wait_s": now - slot.created_at},
            ),
        )
        return step.events

    def reject(
        self,
        reservation_id: str,
        now: float,
        *,
        worker_id: str | None = None,
        activity: str | None = None,
    ) -> list[RoutingEvent]:
        """The worker declines; the task goes back to its original place."""  # noqa: D401 - the agreed interface text
        reservation = self._pending(reservation_id, now, worker_id)
        if activity is not None:
            self._check_activity(activity)
        slot = self._index.tasks[reservation.task_id]
        step = self._d.step(now)
        worker = self._d.end_offer(slot, ReservationState.REJECTED, step, activity=activity)
        self._d.cool_down(slot, reservation.worker_id, step)
        self._d.requeue(slot, step, "rejected")
        if worker is not None:
            if activity is not None:
                self._d.move_worker(worker, activity, step, reason="rejected")
            self._d.serve(worker, step)
        return step.events

    def complete(
        self, task_id: str, now: float, *, worker_id: str | None = None
    ) -> list[RoutingEvent]:
        """The worker finished the task; wrap-up holds the capacity for the queue's `wrapup_s`."""  # noqa: D401 - the agreed interface text
        slot = self._index.tasks.get(task_id)
        if slot is None:
            raise TaskNotFound(task_id)
        holder = slot.worker_id
        if worker_id is not None and holder is not None and worker_id != holder:
            raise NotYourTask("task", task_id, holder, worker_id)
        if slot.state != _ASSIGNED:
            raise TaskClosed(task_id, slot.state, "completed (only assigned tasks can be)")
        step = self._d.step(now)
        talk_s = now - slot.updated_at  # updated_at is when it was assigned
        line = self._index.queues.get(slot.queue_id or "")
        wrapup_s = line.queue.wrapup_s if line is not None else 0.0
        if wrapup_s <= 0:
            self._d.finish(slot, step, talk_s, 0.0)
            return step.events
        self._d.wrap_up(slot, step, talk_s=talk_s, wrapup_s=wrapup_s)
        return step.events

    def tick(self, now: float) -> list[RoutingEvent]:
        """Fire every timer due by `now`: offer timeouts, escalations, wrap-up ends."""
        return self._d.tick(now)

    def next_deadline(self) -> float | None:
        """When `tick` next has something to do, or None."""
        d = self._d
        if not d.timers.heap and d.restored_at is None:  # read after every call: the common case
            return None
        return d.next_deadline()

    # --- reads ---------------------------------------------------------------------------------

    def task(self, task_id: str) -> Task | None:
        """The task as it is now (also completed or canceled ones, until `forget`)."""  # noqa: D401 - the agreed interface text
        slot = self._index.tasks.get(task_id)
        return None if slot is None else slot.record

    def reservation(self, reservation_id: str) -> Reservation | None:
        """The reservation as it is now."""  # noqa: D401 - the agreed interface text
        offer = self._d.reservations.get(reservation_id)
        return None if offer is None else offer.record

    def worker(self, worker_id: str) -> Worker | None:
        """The worker as it is now (activity included)."""  # noqa: D401 - the agreed interface text
        slot = self._index.workers.get(worker_id)
        return None if slot is None else slot.record

    def waiting(self, queue_id: str) -> list[Task]:
        """Tasks waiting in a queue, in the order they will be offered."""
        tasks = self._index.tasks
        return [tasks[entry[2]].record for entry in self._line(queue_id).waiting_entries()]

    def queue_stats(self, queue_id: str, now: float) -> QueueStats:
        """Tasks waiting and offered, the longest wait, workers eligible, free and busy."""
        line = self._line(queue_id)
        tasks, workers = self._index.tasks, self._index.workers
        in_queue = [tasks[e[2]] for e in line.waiting_entries()]
        in_queue += [tasks[t] for t in line.offered]
        # available: in an available activity and holding nothing; busy: holding a task.
        # Disjoint, so a wallboard can add them up. For a queue whose expression reads task.*,
        # every worker counts as eligible.
        slots = [workers[w] for w in line.candidates]
        return QueueStats(
            queue_id=queue_id,
            waiting=line.waiting_count(),
            reserved=len(line.offered),
            longest_wait_s=max((now - t.created_at for t in in_queue), default=0.0),
            workers_eligible=len(slots),
            workers_available=sum(1 for s in slots if s.held == 0 and self._index.is_routable(s)),
            workers_busy=sum(1 for s in slots if s.held > 0),
        )

    def forget(self, task_id: str) -> None:
        """Drop a finished task from memory (after the runtime persisted it)."""
        slot = self._index.tasks.get(task_id)
        if slot is None:
            return
        if slot.state not in FINISHED:
            raise TaskClosed(task_id, slot.state, "forgotten before it is finished")
        del self._index.tasks[task_id]
        for reservation_id in slot.reservations:
            self._d.reservations.pop(reservation_id, None)

    # --- restart -------------------------------------------------------------------------------

    def restore_task(self, task: Task, reservation: Reservation | None) -> None:
        """Put back a task (and its pending reservation) exactly as persisted; no events."""
        if task.id in self._index.tasks:
            raise Conflict(f"task {task.id} is already in the router")
        restore_task(self._d, task, reservation, *self._restored_route(task))

    # --- internals ------------------------------------------------------------------------------

    def _line(self, queue_id: str) -> QueueLine:
        line = self._index.queues.get(queue_id)
        if line is None:
            raise QueueNotFound(queue_id)
        return line

    def _worker_slot(self, worker_id: str) -> WorkerSlot:
        slot = self._index.workers.get(worker_id)
        if slot is None:
            raise WorkerNotFound(worker_id)
        return slot

    def _task_slot(self, task_id: str) -> TaskSlot:
        slot = self._index.tasks.get(task_id)
        if slot is None:
            raise TaskNotFound(task_id)
        return slot

    def _check_activity(self, activity: str) -> None:
        if activity not in self._d.config.activities:
            raise UnknownActivity(activity, list(self._d.config.activities))

    def _pending(self, reservation_id: str, now: float, worker_id: str | None) -> Offer:
        reservation = self._d.reservations.get(reservation_id)
        if reservation is None:
            raise ReservationNotFound(reservation_id)
        if worker_id is not None and worker_id != reservation.worker_id:
            raise NotYourTask("reservation", reservation_id, reservation.worker_id, worker_id)
        if reservation.state != ReservationState.PENDING:
            raise ReservationClosed(reservation_id, reservation.state.value)
        if now >= reservation.expires_at:  # expired; the next tick records the timeout
            raise ReservationClosed(reservation_id, ReservationState.TIMED_OUT.value)
        return reservation

    def _route(self, task: Task) -> Route:
        if task.workflow_id is not None:
            workflow = self._workflows.get(task.workflow_id)
            if workflow is None:
                raise WorkflowNotFound(task.workflow_id)
            route = workflow.route_for(task_view(task))
            if route is None:
                raise InvalidInput(
                    f"no filter of workflow {task.workflow_id} matches this task and the "
                    "workflow has no default target; add a default target or a filter that "
                    "matches its attributes",
                    problems=[ProblemDetail("attributes", "matches no workflow filter")],
                )
            return route
        if task.queue_id is None:
            raise InvalidInput(
                "a task needs a workflow_id or a queue_id to be routed",
                problems=[ProblemDetail("queue_id", "required without workflow_id")],
            )
        line = self._index.queues.get(task.queue_id)
        if line is None:
            raise UnknownQueue(task.queue_id)
        return direct_route_of(task.queue_id, task.attributes) or line.route

    def _restored_route(self, task: Task) -> tuple[Route, int]:
        """Return the task's route: its workflow's, if that still leads through its queue."""
        workflow = self._workflows.get(task.workflow_id or "")
        route = None if workflow is None else workflow.route_for(task_view(task))
        i = task.target_index
        if route is not None and 0 <= i < len(route) and route[i].queue_id == task.queue_id:
            return route, i
        queue_id = task.queue_id or ""
        return direct_route_of(queue_id, task.attributes) or direct_route(queue_id), 0


def _checked(config: RoutingConfig) -> RoutingConfig:
    problems: list[ProblemDetail] = []
    if config.missed_activity is not None and config.missed_activity not in config.activities:
        known = ", ".join(sorted(config.activities))
        problems.append(
            ProblemDetail(
                "missed_activity",
                f"{config.missed_activity!r} is not one of the activities ({known})",
            )
        )
    for name in ("reservation_timeout_s", "priority_step_s"):
        value = getattr(config, name)
        if not (value > 0 and math.isfinite(value)):
            problems.append(
                ProblemDetail(name, f"must be a finite number of seconds > 0, got {value}")
            )
    if problems:
        raise InvalidInput("; ".join(f"{p.loc}: {p.message}" for p in problems), problems=problems)
    return config
