"""The discrete-event loop: a scenario's contacts and workers drive the real router in virtual time.

Three sources of events, merged in time order: the pre-drawn arrivals (a sorted list, read with
a cursor: most events are arrivals, and they never go through a heap), the loop's own heap
(logins and logouts, AI and flow hand-offs, accepts, completions, abandonments, callback
offers) and the routing engine's timers (`next_deadline()`, fired with `tick`). At equal times
engine timers fire first, then arrivals, then the heap in scheduling order, so a seed
reproduces a run exactly. A contact that meets the AI or a flow first (`Contacts.front`, its
walk through the flow drawn beforehand: `sim.flows`) reaches the router after that delay.

Worker behaviour is the simplest that the router's semantics allow: an offer is accepted after
`routing.accept_delay_s` (0: at the same instant, by the router's auto-accept, which gives the
same events as an offer accepted at once), a task is completed after its handle time, a
waiting caller hangs up when its patience runs out (`cancel(abandoned=True)`), and takes a
callback when offered one with the queue's probability. Workers who let an offer time out (an
accept delay longer than the reservation timeout) stay available: `missed_activity` is off.

Hand-written rather than on SimPy: the loop is a few dozen lines around `heapq` and needs no
coroutine per contact. Its own cost is a few microseconds a contact; the router's decisions are
about three quarters of a run (`benchmarks/sim.py` compares both with a bare SimPy model of
the same centre, which has no router to run). A run keeps every event to the end, so with
CPython's default garbage-collector thresholds the log's growth triggers full collections that
rescan it; replication processes raise the thresholds (`sim.replications`).
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from collections.abc import Callable

from agentfloor.routing.engine import RoutingEngine
from agentfloor.routing.model import (
    Activity,
    Queue,
    RoutingConfig,
    RoutingEvent,
    Task,
    TaskState,
    Worker,
)
from agentfloor.sim.driver import EngineDriver, SequentialIds
from agentfloor.sim.kpis import measure_kpis
from agentfloor.sim.model import AiOutcome, SimResult
from agentfloor.sim.sampling import Contacts, draw_contacts
from agentfloor.sim.scenario import Scenario
from agentfloor.sim.staffing import plan_workers

__all__ = ["TENANT_ID", "build_engine", "run_scenario"]

TENANT_ID = "sim"

# heap entry kinds: (time, seq, kind, ref, contact index)
_LOGIN, _LOGOUT, _HANDOFF, _AI_END, _ACCEPT, _COMPLETE, _ABANDON, _CALLBACK = range(8)
_AVAILABLE, _OFFLINE = Activity.AVAILABLE.value, Activity.OFFLINE.value
_PENDING = TaskState.PENDING
# what the loop does on an engine event (other events it only logs)
_ON_OFFER, _ON_ASSIGNED, _ON_ENDED, _ON_OFFER_ENDED = range(4)
_ACTIONS = {
    "reservation.created": _ON_OFFER,
    "task.assigned": _ON_ASSIGNED,
    "task.completed": _ON_ENDED,
    "task.abandoned": _ON_ENDED,
    "task.canceled": _ON_ENDED,
    "reservation.timed_out": _ON_OFFER_ENDED,
    "reservation.canceled": _ON_OFFER_ENDED,
}

KpiFunction = Callable[[Scenario, SimResult], dict[str, float]]


def build_engine(scenario: Scenario) -> RoutingEngine:
    """Return a routing engine with the scenario's settings (queues and workers come later)."""
    spec = scenario.routing
    config = RoutingConfig(
        reservation_timeout_s=spec.reservation_timeout_s,
        priority_step_s=spec.priority_step_s,
        missed_activity=None,
    )
    return RoutingEngine(TENANT_ID, SequentialIds(), config)


def run_scenario(
    scenario: Scenario, seed: int | None = None, *, kpis: KpiFunction | None = None
) -> SimResult:
    """Simulate one replication of `scenario` with `seed` (default: the scenario's seed).

    The same scenario and seed give the same event log. `kpis` measures the result (default:
    `sim.kpis.measure_kpis`, the analytics KPIs); pass `lambda s, r: {}` to skip measuring.
    """
    seed = scenario.seed if seed is None else seed
    run = _Run(scenario, draw_contacts(scenario, seed))
    run.run()
    result = SimResult(
        scenario=scenario.name,
        seed=seed,
        start_s=run.start_s,
        end_s=run.start_s + scenario.duration_s,
        finished_s=run.now,
        contacts=len(run.contacts),
        unfinished=run.submitted - run.ended,
        events=run.log,
        ai_outcomes=run.ai_outcomes,
        kpis={},
    )
    measure = measure_kpis if kpis is None else kpis
    return dataclasses.replace(result, kpis=measure(scenario, result))


class _Run(EngineDriver):
    """One replication: the driver, plus the contacts, the loop's heap and the behaviour."""

    def __init__(self, scenario: Scenario, contacts: Contacts) -> None:
        start = scenario.start_s
        super().__init__(build_engine(scenario), start, track_offers=False)
        self.scenario = scenario
        self.contacts = contacts
        self.start_s = start
        self.heap: list[tuple[float, int, int, str, int]] = []  # (at, seq, kind, ref, contact)
        self.seq = 0
        self.accept_delay_s = scenario.routing.accept_delay_s
        self.pending: set[str] = set()  # offers to accept after the accept delay
        self.index_of: dict[str, int] = {}  # task id -> contact index
        self.impatient: set[str] = set()  # waiting tasks whose caller may still hang up
        self.submitted = self.ended = 0
        self.touched = True  # an engine call since its next deadline was last read
        self.ai_outcomes: list[AiOutcome] = []
        queues = scenario.queues
        self.channels = [q.channel for q in queues]
        self.priorities = [q.priority for q in queues]
        self.queue_ids = [q.id for q in queues]
        self.callback_after = [None if q.callback is None else q.callback.after_s for q in queues]
        for q in queues:
            self.put_queue(
                Queue(
                    id=q.id,
                    tenant_id=TENANT_ID,
                    name=q.id,
                    created_at=start,
                    target_expression=q.target,
                    strategy=q.strategy,
                    skill=q.skill,
                    wrapup_s=q.wrapup_s,
                )
            )
        for plan in plan_workers(scenario):
            group = scenario.workers[plan.group]
            if not self.accept_delay_s:  # the router accepts its offers in the same step
                self.engine.set_auto_accept(plan.id)
            self.put_worker(
                Worker(
                    id=plan.id,
                    tenant_id=TENANT_ID,
                    name=plan.id,
                    kind=group.kind,
                    activity=_OFFLINE,
                    activity_since=start,
                    created_at=start,
                    attributes=group.attributes,
                    capacity={str(channel): n for channel, n in group.capacity.items()},
                )
            )
            for login_s, logout_s in plan.sessions:
                self._push(start + login_s, _LOGIN, plan.id)
                if math.isfinite(logout_s):
                    self._push(start + logout_s, _LOGOUT, plan.id)

    def _push(self, at: float, kind: int, ref: str, i: int = 0) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (at, self.seq, kind, ref, i))

    def run(self) -> None:
        """Process every event until nothing more can happen."""
        engine, heap, contacts = self.engine, self.heap, self.contacts
        next_deadline, heappop = engine.next_deadline, heapq.heappop
        at_s, start, front = contacts.at_s, self.start_s, contacts.front
        n, i = len(contacts), 0
        inf = math.inf
        next_arrival = start + at_s[0] if n else inf
        due: float | None = None
        while True:
            if self.touched:  # only an engine call can move its next deadline
                self.touched = False
                due = next_deadline()
            top = heap[0][0] if heap else inf
            if due is not None and due <= top and due <= next_arrival:
                self.now = due
                self._record(engine.tick(due))
            elif next_arrival <= top:
                if next_arrival == inf:
                    return
                self.now = next_arrival
                if front[i]:  # the AI or a flow first
                    self._to_ai(i)
                else:
                    self._submit(i)
                i += 1
                next_arrival = start + at_s[i] if i < n else inf
            else:
                at, _, kind, ref, index = heappop(heap)
                self.now = at
                self._handle(kind, ref, index)

    # --- contacts --------------------------------------------------------------------------------

    def _to_ai(self, i: int) -> None:
        kind = _HANDOFF if self.contacts.routed[i] else _AI_END
        self._push(self.now + self.contacts.ai_s[i], kind, "", i)

    def _submit(self, i: int) -> None:
        c, q, now = self.contacts, self.contacts.queue[i], self.now
        task_id = f"tsk_{i + 1:08d}"
        self.index_of[task_id] = i
        self.submitted += 1
        patience = c.patience_s[i]
        if patience != math.inf:
            self.impatient.add(task_id)
            self._push(now + patience, _ABANDON, task_id, i)
        after = self.callback_after[q]
        if after is not None and c.takes_callback[i]:
            self._push(now + after, _CALLBACK, task_id, i)
        # positional: this is once per contact, and keyword calls cost more
        task = Task(
            task_id,
            TENANT_ID,
            _PENDING,
            now,
            now,
            self.channels[q],
            self.priorities[q],
            None,  # interaction_id: the contact is con_<same number> (see sim.kpis)
            self.queue_ids[q],
        )
        self._record(self.engine.submit(task, now))

    def _ai_outcome(self, i: int, *, contained: bool) -> None:
        c, q = self.contacts, self.contacts.queue[i]
        self.ai_outcomes.append(
            AiOutcome(
                at=self.now,
                contact_id=f"con_{i + 1:08d}",
                queue_id=self.queue_ids[q],
                channel=self.channels[q],
                arrived_at=self.start_s + c.at_s[i],
                contained=contained,
                handle_s=c.ai_s[i],
            )
        )

    # --- the loop's own events --------------------------------------------------------------------

    def _handle(self, kind: int, ref: str, i: int) -> None:
        if kind == _COMPLETE:  # ref: the task
            self.complete(ref)
        elif kind == _ABANDON:
            if ref in self.impatient:
                self.impatient.discard(ref)
                self.cancel(ref, abandoned=True)
        elif kind == _ACCEPT:  # ref: the reservation
            if ref in self.pending:  # not canceled or timed out since
                self.pending.discard(ref)
                self.accept_reservation(ref)
        elif kind == _CALLBACK:
            if ref in self.impatient:
                self.impatient.discard(ref)
                self.request_callback(ref)
        elif kind == _LOGIN:  # ref: the worker
            self.set_activity(ref, _AVAILABLE)
        elif kind == _LOGOUT:
            self.set_activity(ref, _OFFLINE)
        elif kind == _HANDOFF:  # i: the contact
            self._ai_outcome(i, contained=False)
            self._submit(i)
        else:  # _AI_END: contained, or a flow that stopped (no task)
            self._ai_outcome(i, contained=self.contacts.contained[i])

    def _record(self, events: list[RoutingEvent]) -> list[RoutingEvent]:
        """Log the events, then react as workers and callers do (the driver's hook, inlined)."""
        self.touched = True
        self.log += events
        now = self.now
        for event in events:
            action = _ACTIONS.get(event.type)
            if action is None:
                continue
            if action == _ON_OFFER:
                # with no accept delay the router auto-accepted it (set per worker above): its
                # reservation.accepted and task.assigned follow in these same events
                if self.accept_delay_s:
                    reservation_id = event.reservation_id or ""
                    self.pending.add(reservation_id)
                    self._push(now + self.accept_delay_s, _ACCEPT, reservation_id)
            elif action == _ON_ASSIGNED:
                task_id = event.task_id or ""
                self.impatient.discard(task_id)
                handle_s = self.contacts.handle_s[self.index_of[task_id]]
                self._push(now + handle_s, _COMPLETE, task_id)
            elif action == _ON_ENDED:
                self.ended += 1
            else:  # _ON_OFFER_ENDED
                self.pending.discard(event.reservation_id or "")
        return events
