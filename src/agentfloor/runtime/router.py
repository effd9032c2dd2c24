"""The live router: one `RoutingEngine` per tenant, fed API calls and the real clock, persisted.

Every command runs under the tenant's lock: the engine decides, then one unit of work persists
every task, reservation and worker the decision touched, appends the routing events to the
routing event log (and to the interaction's event log, moving the interaction through its states),
and commits; only then are the events published on the bus and the caller answered. If the
commit fails the tenant's engine is dropped and rebuilt from the database on next use, so memory
never runs ahead of what is durable. On start (and after such a failure) an engine is rebuilt
from the database: queues, workflows, workers, then every unfinished task with its pending
reservation, after which overdue timers fire and free workers are offered waiting tasks.

A consult task (a warm transfer: its attributes name the task it consults for under `CONSULT_OF`)
logs its events on the call's interaction but moves it only once the call was handed over to the
consulted worker: until then the call stays connected to the worker who asked.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentfloor.core.errors import InvalidInput, NotFound, ProblemDetail
from agentfloor.core.events import Event
from agentfloor.core.pagination import all_items
from agentfloor.interactions.model import InteractionEvent, transition
from agentfloor.interactions.states import TRANSITIONS, InteractionState
from agentfloor.routing.engine import RoutingEngine
from agentfloor.routing.model import (
    Queue,
    Reservation,
    RoutingConfig,
    RoutingEvent,
    Task,
    TaskState,
    Worker,
)
from agentfloor.routing.routes import CONSULT_OF
from agentfloor.routing.workflow import Workflow
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.uow import UnitOfWork

__all__ = ["CONSULT_OF", "RouterService"]


FINISHED = frozenset({TaskState.COMPLETED, TaskState.CANCELED, TaskState.ABANDONED})

# Which interaction state a routing event moves a linked interaction to.
INTERACTION_STATE_BY_EVENT = {
    "task.queued": InteractionState.QUEUED,
    "reservation.created": InteractionState.OFFERED,
    "reservation.rejected": InteractionState.QUEUED,
    "reservation.timed_out": InteractionState.QUEUED,
    "reservation.canceled": InteractionState.QUEUED,
    "task.assigned": InteractionState.CONNECTED,
    "task.wrapping": InteractionState.WRAP_UP,
    "task.completed": InteractionState.COMPLETED,
    "task.abandoned": InteractionState.ABANDONED,
}


@dataclass(slots=True)
class _Tenant:
    engine: RoutingEngine
    lock: threading.RLock = field(default_factory=threading.RLock)


class RouterService:
    """The routing engines of every tenant, kept in step with the database."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._tenants: dict[str, _Tenant] = {}
        self._guard = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    # --- wiring ----------------------------------------------------------------------------------

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` (from any thread) whenever a deadline may have moved earlier."""
        self._listeners.append(listener)

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()

    def load_all(self) -> None:
        """Rebuild the engine of every tenant now (at start, so overdue timers fire at once)."""
        with self.ctx.uow(None) as uow:
            tenant_ids = [t.id for t in uow.tenants.all()]
        for tenant_id in tenant_ids:
            self._tenant(tenant_id)
        self._notify()

    def _tenant(self, tenant_id: str) -> _Tenant:
        with self._guard:
            found = self._tenants.get(tenant_id)
            if found is None:
                found = _Tenant(self._rebuild(tenant_id))
                self._tenants[tenant_id] = found
            return found

    def _drop(self, tenant_id: str) -> None:
        with self._guard:
            self._tenants.pop(tenant_id, None)

    def _rebuild(self, tenant_id: str) -> RoutingEngine:
        now = self.ctx.clock.now()
        with self.ctx.uow(tenant_id) as uow:
            config = uow.routing_config.get() or RoutingConfig()
            engine = RoutingEngine(tenant_id, self.ctx.ids, config)
            for queue in all_items(lambda after: uow.queues.page(after=after, limit=500)):
                engine.put_queue(queue, now)
            for workflow in uow.workflows.all():
                engine.put_workflow(workflow)
            workers = all_items(lambda after: uow.workers.page(after=after, limit=500))
            for worker in workers:
                engine.put_worker(worker, now)
            pending = {r.task_id: r for r in uow.reservations.pending()}
            for task in uow.tasks.unfinished():
                engine.restore_task(task, pending.get(task.id))
        # Timers that fell due while we were down fire now; then free workers get waiting tasks.
        events = engine.tick(now)
        for worker in workers:
            current = engine.worker(worker.id)
            if current is not None:
                events += engine.put_worker(current, now)
        if events:
            self._persist(tenant_id, engine, events, actor_key_id=None)
        return engine

    # --- the one way decisions reach the database ------------------------------------------------

    def _run(
        self,
        tenant_id: str,
        command: Callable[[RoutingEngine, float], list[RoutingEvent]],
        *,
        actor_key_id: str | None,
    ) -> list[RoutingEvent]:
        tenant = self._tenant(tenant_id)
        with tenant.lock:
            now = self.ctx.clock.now()
            events = command(tenant.engine, now)
            try:
                self._persist(tenant_id, tenant.engine, events, actor_key_id=actor_key_id)
            except BaseException:
                self._drop(tenant_id)  # memory ran ahead of the database: rebuild on next use
                raise
        self._notify()
        return events

    def _persist(
        self,
        tenant_id: str,
        engine: RoutingEngine,
        events: list[RoutingEvent],
        *,
        actor_key_id: str | None,
    ) -> None:
        if not events:
            return
        published: list[Event] = []
        task_ids: dict[str, None] = {}  # ordered sets
        reservation_ids: dict[str, None] = {}
        worker_ids: dict[str, None] = {}
        finished: list[str] = []
        with self.ctx.uow(tenant_id) as uow:
            for raw in events:
                event = _with_waits(raw, engine)
                uow.routing_events.append(self.ctx.ids.new("rev"), event)
                if event.task_id:
                    task_ids[event.task_id] = None
                if event.reservation_id:
                    reservation_ids[event.reservation_id] = None
                if event.worker_id and event.type == "worker.activity_changed":
                    worker_ids[event.worker_id] = None
                task = engine.task(event.task_id) if event.task_id else None
                if task is not None and task.interaction_id:
                    consult = CONSULT_OF in task.attributes
                    _sync_interaction(
                        uow, self.ctx, task.interaction_id, event, actor_key_id, consult=consult
                    )
                published.append(self._bus_event(tenant_id, event))
            for task_id in task_ids:  # tasks first: reservations refer to them
                task = engine.task(task_id)
                if task is None:
                    continue
                if uow.tasks.get(task_id) is None:
                    uow.tasks.add(task)
                else:
                    uow.tasks.save(task)
                if task.state in FINISHED:
                    finished.append(task_id)
            for reservation_id in reservation_ids:
                reservation = engine.reservation(reservation_id)
                if reservation is not None:
                    uow.reservations.upsert(reservation)
            for worker_id in worker_ids:
                worker = engine.worker(worker_id)
                if worker is not None:
                    uow.workers.save(worker)
            uow.commit()
        for task_id in finished:
            engine.forget(task_id)
        for bus_event in published:
            self.ctx.bus.publish(bus_event)

    def _bus_event(self, tenant_id: str, event: RoutingEvent) -> Event:
        data: dict[str, Any] = {
            **event.data,
            "task_id": event.task_id,
            "worker_id": event.worker_id,
            "reservation_id": event.reservation_id,
            "queue_id": event.queue_id,
        }
        subject = event.reservation_id or event.task_id or event.worker_id or tenant_id
        return Event(
            id=self.ctx.ids.new("evt"),
            tenant_id=tenant_id,
            topic=event.type,
            at=event.at,
            subject_id=subject,
            data=data,
        )

    # --- commands ---------------------------------------------------------------------------------

    def submit(self, tenant_id: str, task: Task, *, actor_key_id: str | None) -> Task:
        """Route a new task; returns it as routed (queued or already offered)."""
        if task.interaction_id is not None:
            with self.ctx.uow(tenant_id) as uow:
                if uow.interactions.get(task.interaction_id) is None:
                    raise InvalidInput(
                        f"there is no interaction {task.interaction_id!r}",
                        problems=[ProblemDetail("interaction_id", "no such interaction")],
                    )
        self._run(tenant_id, lambda e, now: e.submit(task, now), actor_key_id=actor_key_id)
        return self.get_task(tenant_id, task.id)

    def cancel(
        self, tenant_id: str, task_id: str, *, abandoned: bool, actor_key_id: str | None
    ) -> Task:
        """Withdraw a task; `abandoned` when the customer hung up."""
        self._run(
            tenant_id,
            lambda e, now: e.cancel(task_id, now, abandoned=abandoned),
            actor_key_id=actor_key_id,
        )
        return self.get_task(tenant_id, task_id)

    def request_callback(self, tenant_id: str, task_id: str, *, actor_key_id: str | None) -> Task:
        """Turn a waiting call into a callback that keeps its place."""
        self._run(
            tenant_id, lambda e, now: e.request_callback(task_id, now), actor_key_id=actor_key_id
        )
        return self.get_task(tenant_id, task_id)

    def accept(
        self,
        tenant_id: str,
        reservation_id: str,
        *,
        worker_id: str | None,
        actor_key_id: str | None,
    ) -> Reservation:
        """Accept an offer for the worker."""
        self._run(
            tenant_id,
            lambda e, now: e.accept(reservation_id, now, worker_id=worker_id),
            actor_key_id=actor_key_id,
        )
        return self.get_reservation(tenant_id, reservation_id)

    def reject(
        self,
        tenant_id: str,
        reservation_id: str,
        *,
        worker_id: str | None,
        activity: str | None,
        actor_key_id: str | None,
    ) -> Reservation:
        """Decline an offer for the worker; the task goes back to its place."""
        self._run(
            tenant_id,
            lambda e, now: e.reject(reservation_id, now, worker_id=worker_id, activity=activity),
            actor_key_id=actor_key_id,
        )
        return self.get_reservation(tenant_id, reservation_id)

    def complete(
        self, tenant_id: str, task_id: str, *, worker_id: str | None, actor_key_id: str | None
    ) -> Task:
        """Mark the worker's task done; wrap-up follows for the queue's wrap-up time."""
        self._run(
            tenant_id,
            lambda e, now: e.complete(task_id, now, worker_id=worker_id),
            actor_key_id=actor_key_id,
        )
        return self.get_task(tenant_id, task_id)

    def set_activity(
        self, tenant_id: str, worker_id: str, activity: str, *, actor_key_id: str | None
    ) -> Worker:
        """Change a worker's activity (persisted through the `worker.activity_changed` event)."""
        self._run(
            tenant_id,
            lambda e, now: e.set_activity(worker_id, activity, now),
            actor_key_id=actor_key_id,
        )
        worker = self._tenant(tenant_id).engine.worker(worker_id)
        if worker is None:
            raise NotFound("worker", worker_id)
        return worker

    def configure(self, tenant_id: str, config: RoutingConfig) -> None:
        """Replace the tenant's routing settings (stored, then applied)."""
        tenant = self._tenant(tenant_id)
        with tenant.lock:
            now = self.ctx.clock.now()
            events = tenant.engine.configure(config, now)
            with self.ctx.uow(tenant_id) as uow:
                uow.routing_config.put(config, now)
                uow.commit()
            self._persist(tenant_id, tenant.engine, events, actor_key_id=None)
        self._notify()

    def config(self, tenant_id: str) -> RoutingConfig:
        """Return the tenant's routing settings as they are in force."""
        with self.ctx.uow(tenant_id) as uow:
            return uow.routing_config.get() or RoutingConfig()

    # Set-up records changed through the catalog services: bring the engine in step.

    def worker_changed(self, tenant_id: str, worker: Worker) -> None:
        """Bring the engine in step with a created or edited worker."""
        self._run(tenant_id, lambda e, now: e.put_worker(worker, now), actor_key_id=None)

    def worker_removed(self, tenant_id: str, worker_id: str) -> None:
        """Take a deleted worker out of the engine."""
        self._run(tenant_id, lambda e, now: e.remove_worker(worker_id, now), actor_key_id=None)

    def queue_changed(self, tenant_id: str, queue: Queue) -> None:
        """Bring the engine in step with a created or edited queue."""
        self._run(tenant_id, lambda e, now: e.put_queue(queue, now), actor_key_id=None)

    def queue_removed(self, tenant_id: str, queue_id: str) -> None:
        """Take a deleted queue out of the engine."""
        self._run(tenant_id, lambda e, now: e.remove_queue(queue_id, now), actor_key_id=None)

    def workflow_changed(self, tenant_id: str, workflow: Workflow) -> None:
        """Install a created or edited workflow."""
        tenant = self._tenant(tenant_id)
        with tenant.lock:
            tenant.engine.put_workflow(workflow)

    def workflow_removed(self, tenant_id: str, workflow_id: str) -> None:
        """Take a deleted workflow out of the engine."""
        tenant = self._tenant(tenant_id)
        with tenant.lock:
            tenant.engine.remove_workflow(workflow_id)

    # --- timers and reads -------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """Return the earliest timer of any loaded tenant."""
        with self._guard:
            tenants = list(self._tenants.values())
        deadlines = [d for t in tenants if (d := t.engine.next_deadline()) is not None]
        return min(deadlines, default=None)

    def tick(self) -> None:
        """Fire every due timer of every loaded tenant."""
        with self._guard:
            tenant_ids = list(self._tenants)
        for tenant_id in tenant_ids:
            self._run(tenant_id, lambda e, now: e.tick(now), actor_key_id=None)

    def get_task(self, tenant_id: str, task_id: str) -> Task:
        """Return the task as the engine has it, or as persisted once finished."""
        live = self._tenant(tenant_id).engine.task(task_id)
        if live is not None:
            return live
        with self.ctx.uow(tenant_id) as uow:
            stored = uow.tasks.get(task_id)
        if stored is None:
            raise NotFound("task", task_id)
        return stored

    def get_reservation(self, tenant_id: str, reservation_id: str) -> Reservation:
        """Return the reservation as the engine has it, or as persisted."""
        live = self._tenant(tenant_id).engine.reservation(reservation_id)
        if live is not None:
            return live
        with self.ctx.uow(tenant_id) as uow:
            stored = uow.reservations.get(reservation_id)
        if stored is None:
            raise NotFound("reservation", reservation_id)
        return stored

    def engine(self, tenant_id: str) -> RoutingEngine:
        """Return the tenant's engine, for reads (queue order, statistics)."""
        return self._tenant(tenant_id).engine

    def lock(self, tenant_id: str) -> threading.RLock:
        """Return the tenant's lock, to read a consistent picture of its engine."""
        return self._tenant(tenant_id).lock


def _with_waits(event: RoutingEvent, engine: RoutingEngine) -> RoutingEvent:
    """Make sure answered and abandoned events carry the wait (the service-level input)."""
    if event.type not in ("task.assigned", "task.abandoned") or "wait_s" in event.data:
        return event
    task = engine.task(event.task_id) if event.task_id else None
    if task is None:
        return event
    data = {**event.data, "wait_s": max(0.0, event.at - task.created_at)}
    return RoutingEvent(
        event.type,
        event.at,
        event.task_id,
        event.worker_id,
        event.reservation_id,
        event.queue_id,
        data,
    )


def _sync_interaction(
    uow: UnitOfWork,
    ctx: ServiceContext,
    interaction_id: str,
    event: RoutingEvent,
    actor_key_id: str | None,
    *,
    consult: bool = False,
) -> None:
    """Log a routing event on the linked interaction and move it to the state it implies."""
    interaction = uow.interactions.get(interaction_id)
    if interaction is None:
        return
    wanted = INTERACTION_STATE_BY_EVENT.get(event.type)
    seq = uow.events.last_seq(interaction_id)
    data = {
        **event.data,
        "task_id": event.task_id,
        "worker_id": event.worker_id,
        "reservation_id": event.reservation_id,
        "queue_id": event.queue_id,
    }
    uow.events.append(
        InteractionEvent(
            ctx.ids.new("iev"),
            interaction.tenant_id,
            interaction_id,
            seq + 1,
            event.type,
            event.at,
            actor_key_id,
            data,
        )
    )
    if (
        wanted in (InteractionState.WRAP_UP, InteractionState.COMPLETED)
        and event.worker_id
        and interaction.worker_id
        and event.worker_id != interaction.worker_id
    ):
        wanted = None  # a transferred call: the first worker's task ends, the call goes on
    if consult and (event.worker_id is None or event.worker_id != interaction.worker_id):
        wanted = None  # a consult: the call stays with its worker until handed over
    if (
        wanted is None
        or wanted == interaction.state
        or wanted not in TRANSITIONS[interaction.state]
    ):
        return
    moved = transition(interaction, wanted, event.at)
    if event.queue_id:
        moved = dataclasses.replace(moved, queue_id=event.queue_id)
    if event.worker_id and wanted in (InteractionState.OFFERED, InteractionState.CONNECTED):
        moved = dataclasses.replace(moved, worker_id=event.worker_id)
    uow.interactions.save(moved)
    uow.events.append(
        InteractionEvent(
            ctx.ids.new("iev"),
            interaction.tenant_id,
            interaction_id,
            seq + 2,
            "interaction.state_changed",
            event.at,
            actor_key_id,
            {"from": interaction.state.value, "to": wanted.value, "reason": event.type},
        )
    )
